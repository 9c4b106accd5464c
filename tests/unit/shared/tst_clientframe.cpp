// Client → server frames (docs/protocol.md §3.2, §4.1): what the server reads from v1 clients, how
// wrongly typed keys are reported (ER 103 with the request's rq), and what our own clients send.

#include "protocol/ClientFrame.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace ic::proto;

class TestClientFrame : public QObject
{
    Q_OBJECT

private slots:
    void fullFrame()
    {
        const QByteArray json =
            R"({"c":"TM","rq":"req-1","r":{"n":"My Room","p":"secret"},)"
            R"("uN":"J%C3%BCrgen","m":{"id":12,"t":"hi%20there","rU":"u-1","rM":7},)"
            R"("srM":true,"unknownKey":[1,2,3]})";
        const DecodedClientFrame decoded = decodeClientFrame(json);
        QCOMPARE(decoded.error, DecodeError::None);
        const ClientFrame &frame = decoded.frame;
        QCOMPARE(frame.command, QStringLiteral("TM"));
        QCOMPARE(frame.requestId, std::optional<QString>(QStringLiteral("req-1")));
        QVERIFY(frame.hasRoom);
        QCOMPARE(frame.roomName,
                 QStringLiteral("My Room")); // as sent: canonicalising is not the codec's job
        QCOMPARE(frame.roomPassword, QStringLiteral("secret"));
        QCOMPARE(frame.userName, std::optional<QString>(QStringLiteral("J%C3%BCrgen")));
        QVERIFY(frame.message.has_value());
        QCOMPARE(frame.message->id, std::optional<qint64>(12));
        QCOMPARE(frame.message->text, QStringLiteral("hi%20there"));
        QCOMPARE(frame.message->replyUser, std::optional<QString>(QStringLiteral("u-1")));
        QCOMPARE(frame.message->replyMessage, std::optional<qint64>(7));
        QCOMPARE(frame.support, std::optional<bool>(true));
        QVERIFY(!frame.keepAlive);
    }

    // `c` is decoded once, here, into the typed command the server acts on.
    void commandDecodedOnce_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<Command>("kind");
        QTest::newRow("text message") << QByteArray(R"({"c":"TM"})") << Command::TextMessage;
        QTest::newRow("create and join")
            << QByteArray(R"({"c":"R_C_J"})") << Command::RoomCreateJoin;
        QTest::newRow("typing (pv 2)") << QByteArray(R"({"c":"TY"})") << Command::Typing;
        QTest::newRow("server-only code") << QByteArray(R"({"c":"RP"})") << Command::Reply;
        QTest::newRow("codes are case-sensitive")
            << QByteArray(R"({"c":"tm"})") << Command::Unknown;
        QTest::newRow("unknown code") << QByteArray(R"({"c":"XYZ"})") << Command::Unknown;
        QTest::newRow("no c") << QByteArray(R"({"rq":"1"})") << Command::Unknown;
        QTest::newRow("c is null") << QByteArray(R"({"c":null})") << Command::Unknown;
    }
    void commandDecodedOnce()
    {
        QFETCH(QByteArray, json);
        QFETCH(Command, kind);
        const DecodedClientFrame decoded = decodeClientFrame(json);
        QCOMPARE(decoded.error, DecodeError::None);
        QVERIFY(decoded.frame.kind == kind);
    }

    // A frame built from its typed command alone is written with that command's code.
    void encodeFromKind()
    {
        ClientFrame frame;
        frame.kind = Command::Vote;
        frame.requestId = QStringLiteral("v1");
        const DecodedClientFrame back = decodeClientFrame(encodeClientFrame(frame));
        QCOMPARE(back.frame.command, QStringLiteral("TM_S_R"));
        QVERIFY(back.frame.kind == Command::Vote);
        QVERIFY(!encodeClientFrame(ClientFrame()).contains("\"c\""));
    }

    // v1 clients send null for "not given"; it must read exactly like an absent key.
    void nullsAndAbsentKeys()
    {
        const DecodedClientFrame decoded = decodeClientFrame(
            R"({"c":"R_C_J","rq":null,"r":{"n":"room","p":null},"uN":null,"m":null,"srM":null})");
        QCOMPARE(decoded.error, DecodeError::None);
        QVERIFY(!decoded.frame.requestId);
        QVERIFY(decoded.frame.hasRoom);
        QCOMPARE(decoded.frame.roomPassword, QString());
        QVERIFY(!decoded.frame.userName);
        QVERIFY(!decoded.frame.message);
        QVERIFY(!decoded.frame.support);

        const DecodedClientFrame empty = decodeClientFrame("{}");
        QCOMPARE(empty.error, DecodeError::None);
        QVERIFY(empty.frame.command.isEmpty());
        QVERIFY(!empty.frame.hasRoom);

        // An empty user name is "given but empty" (the server then picks an anonymous name).
        const DecodedClientFrame emptyName = decodeClientFrame(R"({"c":"R_J","uN":""})");
        QCOMPARE(emptyName.frame.userName, std::optional<QString>(QString()));

        // m with only some keys
        const DecodedClientFrame partial = decodeClientFrame(R"({"c":"TM","m":{"t":"x"}})");
        QCOMPARE(partial.error, DecodeError::None);
        QVERIFY(!partial.frame.message->id);
        QVERIFY(!partial.frame.message->replyUser);
        QVERIFY(!partial.frame.message->replyMessage);
    }

    void keepAlive()
    {
        QVERIFY(decodeClientFrame(R"({"kA":"OK"})").frame.keepAlive);
        QVERIFY(decodeClientFrame(keepAliveFrame()).frame.keepAlive);
        QVERIFY(!decodeClientFrame(R"({"kA":"NO"})").frame.keepAlive);
        QCOMPARE(decodeClientFrame(R"({"kA":1})").error, DecodeError::WrongType);
    }

    void notJson_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<DecodeError>("error");
        QTest::newRow("empty") << QByteArray() << DecodeError::InvalidJson;
        QTest::newRow("garbage") << QByteArray("hello") << DecodeError::InvalidJson;
        QTest::newRow("truncated") << QByteArray(R"({"c":"TM")") << DecodeError::InvalidJson;
        QTest::newRow("trailing garbage")
            << QByteArray(R"({"c":"TM"}x)") << DecodeError::InvalidJson;
        QTest::newRow("array") << QByteArray("[1,2]") << DecodeError::NotObject;
        QTest::newRow("empty array") << QByteArray("[]") << DecodeError::NotObject;
    }

    void notJson()
    {
        QFETCH(QByteArray, json);
        QFETCH(DecodeError, error);
        QCOMPARE(decodeClientFrame(json).error, error);
    }

    // A valid JSON frame with a wrongly typed key gets ER 103 and the connection stays open; the
    // reply needs the key name and, when readable, the command and rq.
    void wrongTypes_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("rqReadable");
        QTest::newRow("c number") << QByteArray(R"({"c":5,"rq":"q"})") << "c" << true;
        QTest::newRow("rq number") << QByteArray(R"({"c":"TM","rq":5})") << "rq" << false;
        QTest::newRow("rq object") << QByteArray(R"({"c":"TM","rq":{}})") << "rq" << false;
        QTest::newRow("r string") << QByteArray(R"({"c":"R_J","rq":"q","r":"room"})") << "r"
                                  << true;
        QTest::newRow("r.n number")
            << QByteArray(R"({"c":"R_J","rq":"q","r":{"n":1}})") << "r.n" << true;
        QTest::newRow("r.p bool") << QByteArray(R"({"c":"R_J","rq":"q","r":{"n":"a","p":true}})")
                                  << "r.p" << true;
        QTest::newRow("uN array") << QByteArray(R"({"c":"R_J","rq":"q","uN":[]})") << "uN" << true;
        QTest::newRow("m array") << QByteArray(R"({"c":"TM","rq":"q","m":[]})") << "m" << true;
        QTest::newRow("m string") << QByteArray(R"({"c":"TM","rq":"q","m":"hi"})") << "m" << true;
        QTest::newRow("m.id string")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"id":"1"}})") << "m.id" << true;
        QTest::newRow("m.id fraction")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"id":1.5}})") << "m.id" << true;
        QTest::newRow("m.id huge")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"id":1e300}})") << "m.id" << true;
        QTest::newRow("m.id 2^53+2")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"id":9007199254740994}})") << "m.id" << true;
        QTest::newRow("m.t number")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"t":5}})") << "m.t" << true;
        QTest::newRow("m.rU number")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"rU":5}})") << "m.rU" << true;
        QTest::newRow("m.rM string")
            << QByteArray(R"({"c":"TM","rq":"q","m":{"rM":"5"}})") << "m.rM" << true;
        QTest::newRow("srM string")
            << QByteArray(R"({"c":"TM_S_R","rq":"q","srM":"true"})") << "srM" << true;
        QTest::newRow("srM number")
            << QByteArray(R"({"c":"TM_S_R","rq":"q","srM":1})") << "srM" << true;
    }

    void wrongTypes()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, key);
        QFETCH(bool, rqReadable);
        const DecodedClientFrame decoded = decodeClientFrame(json);
        QCOMPARE(decoded.error, DecodeError::WrongType);
        QCOMPARE(decoded.wrongKey, key);
        if (rqReadable)
            QCOMPARE(decoded.frame.requestId, std::optional<QString>(QStringLiteral("q")));
        if (key != u"c")
            QVERIFY(!decoded.frame.command.isEmpty());
    }

    void integerBounds()
    {
        const DecodedClientFrame exact =
            decodeClientFrame(R"({"m":{"id":9007199254740992,"rM":-3}})");
        QCOMPARE(exact.error, DecodeError::None);
        QCOMPARE(exact.frame.message->id, std::optional<qint64>(9007199254740992LL));
        QCOMPARE(exact.frame.message->replyMessage, std::optional<qint64>(-3));
        // 1e3 is an integer written in exponent form; JavaScript clients may produce it.
        QCOMPARE(decodeClientFrame(R"({"m":{"id":1e3}})").frame.message->id,
                 std::optional<qint64>(1000));
    }

    void roundTrip_data()
    {
        QTest::addColumn<int>("variant");
        for (int i = 0; i < 5; ++i)
            QTest::newRow(qPrintable(QString::number(i))) << i;
    }

    // What our own clients send decodes on the server to exactly the frame they meant.
    void roundTrip()
    {
        QFETCH(int, variant);
        ClientFrame frame;
        switch (variant) {
        case 0:
            frame.command = QStringLiteral("R_C_J");
            frame.requestId = QStringLiteral("1");
            frame.hasRoom = true;
            frame.roomName = QStringLiteral("Zimmer \"ä\"\n");
            frame.roomPassword = QStringLiteral("p\\w");
            break;
        case 1:
            frame.command = QStringLiteral("R_CH_UN");
            frame.requestId = QStringLiteral("");
            frame.userName = QStringLiteral("%F0%9F%98%80");
            break;
        case 2:
            frame.command = QStringLiteral("TM_E");
            frame.message =
                ClientMessage{42, QStringLiteral("edited 😀"), QStringLiteral("uid"), 41};
            break;
        case 3:
            frame.command = QStringLiteral("TM_S_R");
            frame.message = ClientMessage{std::nullopt, QString(), std::nullopt, std::nullopt};
            frame.support = false;
            break;
        case 4:
            frame.keepAlive = true;
            break;
        }
        const QByteArray json = encodeClientFrame(frame);
        QVERIFY2(QJsonDocument::fromJson(json).isObject(), json.constData());
        const DecodedClientFrame decoded = decodeClientFrame(json);
        QCOMPARE(decoded.error, DecodeError::None);
        const ClientFrame &back = decoded.frame;
        QCOMPARE(back.command, frame.command);
        QCOMPARE(back.requestId, frame.requestId);
        QCOMPARE(back.hasRoom, frame.hasRoom);
        QCOMPARE(back.roomName, frame.roomName);
        QCOMPARE(back.roomPassword, frame.roomPassword);
        QCOMPARE(back.userName, frame.userName);
        QCOMPARE(back.message.has_value(), frame.message.has_value());
        if (frame.message) {
            QCOMPARE(back.message->id, frame.message->id);
            QCOMPARE(back.message->text, frame.message->text);
            QCOMPARE(back.message->replyUser, frame.message->replyUser);
            QCOMPARE(back.message->replyMessage, frame.message->replyMessage);
        }
        QCOMPARE(back.support, frame.support);
        QCOMPARE(back.keepAlive, frame.keepAlive);
    }

    // v1 servers (and strict parsers) expect `uN` and `m.rU`/`m.rM` keys to be present as null.
    void encodedKeysForV1Servers()
    {
        ClientFrame join;
        join.command = QStringLiteral("R_J");
        join.hasRoom = true;
        join.roomName = QStringLiteral("room");
        const QJsonObject joinObject = QJsonDocument::fromJson(encodeClientFrame(join)).object();
        QVERIFY(joinObject.contains(u"uN"));
        QVERIFY(joinObject.value(u"uN").isNull());
        QCOMPARE(joinObject.value(u"r").toObject().value(u"n").toString(), QStringLiteral("room"));
        QVERIFY(!joinObject.contains(u"kA"));

        ClientFrame text;
        text.command = QStringLiteral("TM");
        text.message = ClientMessage{std::nullopt, QStringLiteral("x"), std::nullopt, std::nullopt};
        const QJsonObject m =
            QJsonDocument::fromJson(encodeClientFrame(text)).object().value(u"m").toObject();
        QVERIFY(m.contains(u"rU") && m.value(u"rU").isNull());
        QVERIFY(m.contains(u"rM") && m.value(u"rM").isNull());
        QVERIFY(!m.contains(u"id"));

        ClientFrame alive;
        alive.keepAlive = true;
        QCOMPARE(encodeClientFrame(alive), keepAliveFrame());
        QCOMPARE(keepAliveFrame(), QByteArray(R"({"kA":"OK"})"));
    }

    void initFrame_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<bool>("accepted");
        QTest::addColumn<QString>("platform");
        QTest::addColumn<int>("version");
        QTest::newRow("web") << QByteArray(R"({"p":"unknown"})") << true << "unknown" << 1;
        QTest::newRow("terminal") << QByteArray(R"({"p":"cp"})") << true << "cp" << 1;
        QTest::newRow("desktop v2")
            << QByteArray(R"({"p":"desktop","pv":2})") << true << "desktop" << 2;
        QTest::newRow("pv string") << QByteArray(R"({"p":"x","pv":"2"})") << true << "x" << 1;
        QTest::newRow("pv zero") << QByteArray(R"({"pv":0})") << true << "" << 1;
        QTest::newRow("pv negative") << QByteArray(R"({"pv":-5})") << true << "" << 1;
        QTest::newRow("pv huge") << QByteArray(R"({"pv":1e300})") << true << "" << 1;
        QTest::newRow("empty object") << QByteArray("{}") << true << "" << 1;
        QTest::newRow("command as first frame")
            << QByteArray(R"({"c":"R_C_J","r":{"n":"x"}})") << true << "" << 1;
        QTest::newRow("null") << QByteArray("null") << true << "" << 1;
        QTest::newRow("null spaced") << QByteArray(" null\n") << true << "" << 1;
        QTest::newRow("number") << QByteArray("42") << false << "" << 1;
        QTest::newRow("string") << QByteArray(R"("cp")") << false << "" << 1;
        QTest::newRow("array") << QByteArray(R"([{"p":"cp"}])") << false << "" << 1;
        QTest::newRow("invalid") << QByteArray("{p:cp}") << false << "" << 1;
        QTest::newRow("empty") << QByteArray() << false << "" << 1;
        QTest::newRow("nullx") << QByteArray("nullx") << false << "" << 1;
    }

    void initFrame()
    {
        QFETCH(QByteArray, json);
        QFETCH(bool, accepted);
        QFETCH(QString, platform);
        QFETCH(int, version);
        const InitFrame init = decodeInitFrame(json);
        QCOMPARE(init.accepted, accepted);
        QCOMPARE(init.platform, platform);
        QCOMPARE(init.protocolVersion, version);
    }

    void initFrameEncoding()
    {
        // A v1 client's init frame has no pv at all (strict servers would not mind, but we
        // promise not to send extension keys unless opted in).
        QCOMPARE(encodeInitFrame(QStringLiteral("cp")), QByteArray(R"({"p":"cp"})"));
        const InitFrame v2 = decodeInitFrame(encodeInitFrame(QStringLiteral("desktop"), 2));
        QVERIFY(v2.accepted);
        QCOMPARE(v2.platform, QStringLiteral("desktop"));
        QCOMPARE(v2.protocolVersion, 2);
    }
};

QTEST_APPLESS_MAIN(TestClientFrame)
#include "tst_clientframe.moc"
