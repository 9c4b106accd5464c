// Server → client frames (docs/protocol.md §4.2–§6). v1 clients in the wild parse these with strict
// parsers, so the exact keys matter: absent when empty, never an unknown key, users with all four.

#include "protocol/ServerFrame.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QtTest>

using namespace ic::proto;

class TestServerFrame : public QObject
{
    Q_OBJECT

private slots:
    // The exact v1 ER format: {"c":"ER","rq":"…","m":[{"t":"<code>"}],"cAt":<ns>}
    void errorFrameFormat()
    {
        QCOMPARE(encodeErrorFrame(ErrorCode::InvalidPassword, QStringLiteral("r-7"), 1234),
                 QByteArray(R"({"c":"ER","rq":"r-7","m":[{"t":"203"}],"cAt":1234})"));
        // No rq in the request → no rq key in the reply.
        QCOMPARE(encodeErrorFrame(ErrorCode::RoomNotFound, std::nullopt, 5),
                 QByteArray(R"({"c":"ER","m":[{"t":"202"}],"cAt":5})"));
        const auto decoded =
            decodeServerFrame(encodeErrorFrame(ErrorCode::RoomFull, QStringLiteral("x"), 1));
        QVERIFY(decoded);
        QCOMPARE(decoded->kind(), Command::Error);
        QCOMPARE(decoded->errorCode(), ErrorCode::RoomFull);
        QCOMPARE(decoded->requestId, std::optional<QString>(QStringLiteral("x")));
    }

    void errorCodeOfOtherFrames()
    {
        ServerFrame reply;
        reply.command = QStringLiteral("RP");
        reply.messages = QList<WireMessage>{WireMessage{}};
        reply.messages->first().text = QStringLiteral("203");
        QCOMPARE(reply.errorCode(), ErrorCode::None); // only ER frames carry error codes

        ServerFrame error;
        error.command = QStringLiteral("ER");
        QCOMPARE(error.errorCode(), ErrorCode::None); // no m at all
        error.messages = QList<WireMessage>{WireMessage{}};
        error.messages->first().text = QStringLiteral("garbage");
        QCOMPARE(error.errorCode(),
                 ErrorCode::ServerError); // unreadable code: treat as server error
    }

    void onlySetKeysAreWritten()
    {
        ServerFrame frame;
        frame.command = QStringLiteral("RP");
        QCOMPARE(encodeServerFrame(frame), QByteArray(R"({"c":"RP"})"));

        ServerFrame limit;
        limit.command = QStringLiteral("N_M_LIMIT_A");
        limit.messages = QList<WireMessage>{WireMessage{}};
        limit.time = 99;
        QCOMPARE(encodeServerFrame(limit), QByteArray(R"({"c":"N_M_LIMIT_A","m":[{}],"cAt":99})"));
    }

    void messageObjectKeys()
    {
        WireMessage message;
        message.id = 3;
        message.text = QStringLiteral("hi%20you");
        message.supportCount = 0; // counts are always present, 0 included
        message.rejectCount = 0;
        message.userId = QStringLiteral("u1");
        message.createdAt = 1700000000;
        QCOMPARE(
            encodeMessage(message),
            QByteArray(R"({"id":3,"t":"hi%20you","sC":0,"rC":0,"uId":"u1","cAt":1700000000})"));

        message.lastEdited = 11;
        message.lastVoted = 12;
        message.replyUser = QStringLiteral("u2");
        message.replyMessage = 2;
        const QJsonObject object = QJsonDocument::fromJson(encodeMessage(message)).object();
        QCOMPARE(object.size(), 10);
        QCOMPARE(object.value(u"lE").toInteger(), 11);
        QCOMPARE(object.value(u"lV").toInteger(), 12);
        QCOMPARE(object.value(u"rU").toString(), QStringLiteral("u2"));
        QCOMPARE(object.value(u"rM").toInteger(), 2);
    }

    void usersAlwaysHaveFourKeys()
    {
        ServerFrame frame;
        frame.command = QStringLiteral("R_M_CH");
        frame.users = QList<WireUser>{{QStringLiteral("a"), QStringLiteral("Ann"), false, false},
                                      {QStringLiteral("b"), QString(), true, true}};
        const QJsonObject object = QJsonDocument::fromJson(encodeServerFrame(frame)).object();
        const QJsonArray users = object.value(u"rU").toArray();
        QCOMPARE(users.size(), 2);
        for (const QJsonValue &value : users) {
            const QJsonObject user = value.toObject();
            QCOMPARE(user.size(), 4);
            QVERIFY(user.value(u"uId").isString());
            QVERIFY(user.value(u"n").isString());
            QVERIFY(user.value(u"an").isBool());
            QVERIFY(user.value(u"o").isBool());
        }
        QCOMPARE(users.at(0).toObject().value(u"an").toBool(), false);
        QCOMPARE(users.at(1).toObject().value(u"o").toBool(), true);
    }

    void fullRoundTrip()
    {
        ServerFrame frame;
        frame.command = QStringLiteral("RP");
        frame.requestId = QStringLiteral("rq\"1");
        frame.details = QStringLiteral("room_created;password=false");
        WireMessage first;
        first.id = 1;
        first.text = QStringLiteral("ä%20😀");
        first.supportCount = 2;
        first.rejectCount = 1;
        first.userId = QStringLiteral("u");
        first.createdAt = 1700000000;
        WireMessage second;
        second.id = 2;
        second.text = QString();
        second.replyUser = QStringLiteral("u");
        second.replyMessage = 1;
        second.lastEdited = nowNanoseconds();
        frame.messages = QList<WireMessage>{first, second};
        frame.roomId = QStringLiteral("8d1c3b9e-0000-4000-8000-000000000001");
        frame.userId = QStringLiteral("u");
        frame.creatorUserId = QStringLiteral("c");
        // Nanosecond times are above 2^53: they must survive exactly, not rounded via double.
        frame.time = 1795000000123456789LL;
        frame.users = QList<WireUser>{{QStringLiteral("u"), QStringLiteral("Bob"), false, true}};
        frame.build = QStringLiteral("0.1.0-test");
        frame.status = QString(statusShuttingDown);

        const auto decoded = decodeServerFrame(encodeServerFrame(frame));
        QVERIFY(decoded);
        QCOMPARE(decoded->time, frame.time);
        QCOMPARE(decoded->messages->at(1).lastEdited, second.lastEdited);
        QVERIFY(*decoded == frame);
        QCOMPARE(decoded->kind(), Command::Reply);
    }

    void decodeRefusesNonObjects()
    {
        QVERIFY(!decodeServerFrame("[]"));
        QVERIFY(!decodeServerFrame("not json"));
        QVERIFY(!decodeServerFrame(QByteArray()));
        QVERIFY(decodeServerFrame("{}"));
    }

    void commandCodes()
    {
        const QList<std::pair<Command, const char *>> all{
            {Command::RoomCreateJoin, "R_C_J"},
            {Command::RoomCreateJoinAuthorise, "R_C_J_AU"},
            {Command::RoomCreate, "R_C"},
            {Command::RoomJoin, "R_J"},
            {Command::ChangeDescription, "R_CH_D"},
            {Command::ChangeUserName, "R_CH_UN"},
            {Command::MembersChanged, "R_M_CH"},
            {Command::TextMessage, "TM"},
            {Command::EditMessage, "TM_E"},
            {Command::DeleteMessage, "TM_D"},
            {Command::Vote, "TM_S_R"},
            {Command::AllMessages, "ALL_TM"},
            {Command::DrawingMessage, "DM"},
            {Command::Error, "ER"},
            {Command::Reply, "RP"},
            {Command::LimitApproaching, "N_M_LIMIT_A"},
            {Command::LimitReached, "N_M_LIMIT_R"}};
        for (const auto &[command, code] : all) {
            QCOMPARE(commandFromCode(QString::fromLatin1(code)), command);
            QCOMPARE(commandCode(command), QLatin1StringView(code));
        }
        QCOMPARE(commandFromCode(u"tm"), Command::Unknown); // codes are case-sensitive
        QCOMPARE(commandFromCode(u""), Command::Unknown);
        QCOMPARE(commandFromCode(u"R_C_J "), Command::Unknown);
        QVERIFY(commandCode(Command::Unknown).isEmpty());
    }

    void errorSentences()
    {
        const QList<ErrorCode> codes{ErrorCode::ServerError,        ErrorCode::ConnectionError,
                                     ErrorCode::InvalidInput,       ErrorCode::RoomExists,
                                     ErrorCode::RoomNotFound,       ErrorCode::InvalidPassword,
                                     ErrorCode::UserNameTaken,      ErrorCode::UserNameLength,
                                     ErrorCode::NotAuthorised,      ErrorCode::MessageTooLong,
                                     ErrorCode::RoomFull,           ErrorCode::SessionReplaced,
                                     ErrorCode::RoomNameLength,     ErrorCode::RoomNameReserved,
                                     ErrorCode::RoomNameCharacters, ErrorCode::DescriptionLength,
                                     ErrorCode::RateLimited};
        QSet<QString> seen;
        for (ErrorCode code : codes) {
            const QString sentence = errorSentence(code);
            QVERIFY2(sentence.endsWith(u'.'), qPrintable(sentence)); // a sentence, for HTTP bodies
            seen.insert(sentence);
        }
        QCOMPARE(seen.size(), codes.size()); // each code says something different
        QVERIFY(errorSentence(ErrorCode::None).isEmpty());
    }

    void clocks()
    {
        const qint64 seconds = nowSeconds();
        const qint64 nanoseconds = nowNanoseconds();
        // Same clock, different units (cAt in frames is ns, in messages s).
        QVERIFY(qAbs(nanoseconds / 1000000000LL - seconds) <= 1);
        QVERIFY(seconds > 1700000000);
    }
};

QTEST_APPLESS_MAIN(TestServerFrame)
#include "tst_serverframe.moc"
