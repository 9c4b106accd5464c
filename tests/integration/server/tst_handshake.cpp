// docs/protocol.md §3.1, §3.2, §3.3: the WebSocket handshake (cookie, Origin), the init frame
// rules, keep-alive, idle timeout and one socket per session and room.

#include "ServerFixture.h"

#include <QSet>

using namespace ic::testing;

class HandshakeTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;

    // A raw socket that completed the handshake and sent `init` as its first frame.
    RawSocket *openRaw(const std::optional<QByteArray> &init = QByteArray(R"({"p":"cp"})"),
                       QByteArray cookie = {})
    {
        auto *raw = new RawSocket(this);
        if (cookie.isEmpty())
            cookie = ic::session::createCookieValue();
        if (!raw->open(m_server->port(), cookie, testOrigin.toUtf8(), init))
            return nullptr;
        return raw;
    }

    static QByteArray joinFrame(const QByteArray &rq, const QByteArray &room)
    {
        // Plain literals: moc (6.4) mis-lexes raw strings that end in a quote.
        return "{\"c\":\"R_C_J\",\"rq\":\"" + rq + "\",\"r\":{\"n\":\"" + room +
               "\",\"p\":\"\"},\"uN\":null}";
    }

private slots:
    void init()
    {
        m_server = startServer({QStringLiteral("--idle-timeout"), QStringLiteral("3")});
        QVERIFY(m_server);
    }
    void cleanup()
    {
        qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly));
        m_server.reset();
    }

    // §3.1: no cookie → 401, no upgrade.
    void noCookieIs401()
    {
        RawSocket raw;
        QVERIFY(raw.connectTo(m_server->port()));
        RawSocket::Handshake request;
        request.cookie = std::nullopt;
        QCOMPARE(raw.handshake(request), 401);
        QVERIFY(!raw.responseHead().toLower().contains("sec-websocket-accept"));
    }

    // §3.1: undecodable cookie, empty / non-UUID / nil sessionUUID → 401.
    void badCookieIs401_data()
    {
        QTest::addColumn<QByteArray>("cookie");
        auto encoded = [](const QByteArray &json) { return json.toBase64(); };
        QTest::newRow("garbage") << QByteArray("not-a-cookie");
        QTest::newRow("empty value") << QByteArray();
        QTest::newRow("base64 of non-JSON") << encoded("hello");
        QTest::newRow("empty uuid")
            << encoded(R"({"sessionUUID":"","startedAt":"2024-01-01T00:00:00Z"})");
        QTest::newRow("not a uuid")
            << encoded(R"({"sessionUUID":"12345","startedAt":"2024-01-01T00:00:00Z"})");
        QTest::newRow("nil uuid") << encoded(
            R"({"sessionUUID":"00000000-0000-0000-0000-000000000000","startedAt":"2024-01-01T00:00:00Z"})");
    }
    void badCookieIs401()
    {
        QFETCH(QByteArray, cookie);
        RawSocket raw;
        QVERIFY(raw.connectTo(m_server->port()));
        RawSocket::Handshake request;
        request.cookie = cookie;
        QCOMPARE(raw.handshake(request), 401);
    }

    // §3.2: Origin must equal an allowed origin exactly, else 403.
    void wrongOriginIs403_data()
    {
        QTest::addColumn<std::optional<QByteArray>>("origin");
        QTest::newRow("foreign") << std::optional<QByteArray>("http://evil.example");
        QTest::newRow("trailing slash") << std::optional<QByteArray>("http://localhost:8080/");
        QTest::newRow("other port") << std::optional<QByteArray>("http://localhost:8081");
        QTest::newRow("https instead of http")
            << std::optional<QByteArray>("https://localhost:8080");
        QTest::newRow("absent") << std::optional<QByteArray>();
    }
    void wrongOriginIs403()
    {
        QFETCH(std::optional<QByteArray>, origin);
        RawSocket raw;
        QVERIFY(raw.connectTo(m_server->port()));
        RawSocket::Handshake request;
        request.cookie = ic::session::createCookieValue();
        request.origin = origin;
        QCOMPARE(raw.handshake(request), 403);
    }

    // The positive case the refusals are measured against: 101 with the RFC 6455 accept key.
    void validHandshakeUpgrades()
    {
        RawSocket raw;
        QVERIFY(raw.connectTo(m_server->port()));
        RawSocket::Handshake request;
        request.cookie = ic::session::createCookieValue();
        request.key = "dGhlIHNhbXBsZSBub25jZQ==";
        QCOMPARE(raw.handshake(request), 101);
        // RFC 6455's own example pair.
        QVERIFY2(raw.responseHead().contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                 raw.responseHead().constData());
        QCOMPARE(ic::ws::acceptKey(request.key), QByteArray("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }

    // §3.2: a first frame that is an object or null is accepted; the session works afterwards.
    void initFrameAccepted_data()
    {
        QTest::addColumn<QByteArray>("init");
        QTest::newRow("web") << QByteArray(R"({"p":"unknown"})");
        QTest::newRow("terminal") << QByteArray(R"({"p":"cp"})");
        QTest::newRow("empty object") << QByteArray("{}");
        QTest::newRow("null") << QByteArray("null");
        QTest::newRow("extensions") << QByteArray(R"({"p":"desktop","pv":2})");
    }
    void initFrameAccepted()
    {
        QFETCH(QByteArray, init);
        RawSocket *raw = openRaw(init);
        QVERIFY(raw);
        raw->sendText(joinFrame("j1", "init-room"));
        const auto reply = raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("j1"); });
        IC_VERIFY_RP(reply);
        QVERIFY(raw->isConnected());
    }

    // §3.2: a command sent as the first frame is consumed as the init frame and lost.
    void commandAsFirstFrameIsLost()
    {
        RawSocket *raw = openRaw(joinFrame("lost", "first-frame-room"));
        QVERIFY(raw);
        // No reply to the lost command…
        const auto nothing = raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("lost"); }, 1500);
        QVERIFY2(!nothing, dump(nothing).constData());
        QVERIFY(raw->isConnected());
        // …and it had no effect: the same join now creates the room.
        raw->sendText(joinFrame("second", "first-frame-room"));
        const auto reply = raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("second"); });
        IC_VERIFY_RP(reply);
        QVERIFY2(reply->details.value_or(QString()).startsWith(QStringLiteral("room_created")),
                 dump(reply).constData());
    }

    // §3.2: invalid JSON, a number, a string or an array as first frame closes the connection.
    void invalidInitFrameCloses_data()
    {
        QTest::addColumn<QByteArray>("init");
        QTest::addColumn<bool>("binary");
        QTest::newRow("number") << QByteArray("42") << false;
        QTest::newRow("string") << QByteArray("\"cp\"") << false;
        QTest::newRow("array") << QByteArray(R"([{"p":"cp"}])") << false;
        QTest::newRow("invalid json") << QByteArray(R"({"p":)") << false;
        QTest::newRow("binary number") << QByteArray("7") << true;
    }
    void invalidInitFrameCloses()
    {
        QFETCH(QByteArray, init);
        QFETCH(bool, binary);
        RawSocket *raw = openRaw(std::nullopt);
        QVERIFY(raw);
        binary ? raw->sendBinary(init) : raw->sendText(init);
        QVERIFY2(raw->waitForDisconnected(5000) || raw->closeFrameReceived(),
                 "connection still open after an invalid init frame");
    }

    // §3.2: binary frames are parsed like text frames.
    void binaryFramesAreParsed()
    {
        RawSocket *raw = openRaw();
        QVERIFY(raw);
        raw->sendBinary(joinFrame("bin", "binary-room"));
        const auto reply = raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("bin"); });
        IC_VERIFY_RP(reply);
    }

    // §3.3: {"kA":"OK"} gets no reply and keeps the connection.
    void keepAliveGetsNoReply()
    {
        RawSocket *raw = openRaw();
        QVERIFY(raw);
        raw->sendText(joinFrame("j", "keepalive-room"));
        QVERIFY(raw->waitForFrame([](const ServerFrame &f) { return f.kind() == Command::Reply; }));
        raw->sendText(R"({"kA":"OK"})");
        raw->sendText(R"({"kA":"OK"})");
        const auto frame = raw->nextFrame(1500);
        QVERIFY2(!frame, dump(frame).constData());
        QVERIFY(raw->isConnected());
        // Still a working session.
        raw->sendText(
            R"({"c":"TM","rq":"t","r":{"n":"keepalive-room","p":""},"m":{"t":"hi","rU":null,"rM":null}})");
        const auto reply = raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("t"); });
        IC_VERIFY_RP(reply);
    }

    // §5: unknown command codes get no reply (v1 behaviour); the connection stays.
    void unknownCommandGetsNoReply()
    {
        RawSocket *raw = openRaw();
        QVERIFY(raw);
        raw->sendText(R"({"c":"NO_SUCH_COMMAND","rq":"u"})");
        const auto frame = raw->nextFrame(1500);
        QVERIFY2(!frame, dump(frame).constData());
        QVERIFY(raw->isConnected());
        raw->sendText(joinFrame("after", "unknown-cmd-room"));
        IC_VERIFY_RP(raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("after"); }));
    }

    // §3.3 [differs]: a socket that sends nothing (no frame, no pong) is closed after the idle
    // timeout (3 s here); one that sends keep-alives, and one that answers pings, stay.
    void idleTimeoutClosesSilentSocket()
    {
        RawSocket *silent = openRaw();
        QVERIFY(silent);
        silent->setAutoPong(false);
        RawSocket *chatty = openRaw();
        QVERIFY(chatty);
        RawSocket *ponging = openRaw(); // answers pings (auto pong), sends no frame
        QVERIFY(ponging);

        QTimer keepAlive;
        connect(&keepAlive, &QTimer::timeout, chatty,
                [chatty] { chatty->sendText(R"({"kA":"OK"})"); });
        keepAlive.start(700);

        settle(1500);
        QVERIFY2(silent->isConnected(), "closed long before the idle timeout");
        QVERIFY2(silent->waitForDisconnected(9000),
                 "silent socket not closed after the idle timeout");
        QVERIFY2(chatty->isConnected(), "a socket sending keep-alives was closed");
        settle(2500); // past another full idle period for the pinged socket
        QVERIFY2(chatty->isConnected(), "a socket sending keep-alives was closed");
        QVERIFY2(ponging->isConnected(), "a socket answering pings was closed");
    }

    // §5 join: the same session joining again from another socket → the older socket gets
    // ER 209 carrying the new request's rq and is closed; the new one is joined.
    void duplicateSessionClosesOlderSocket()
    {
        const QByteArray cookie = ic::session::createCookieValue();
        Peer older = connectPeer(*m_server, this, cookie);
        Peer newer = connectPeer(*m_server, this, cookie);
        QVERIFY(older && newer);
        IC_VERIFY_RP(older.reply(older.client->createAndJoin(QStringLiteral("dup-room"))));

        const QString rq = newer.client->join(QStringLiteral("dup-room"));
        IC_VERIFY_RP(newer.reply(rq));
        const auto kicked =
            older.frames->waitForFrame(FrameRecorder::isError(ErrorCode::SessionReplaced));
        QVERIFY2(kicked, "older socket got no ER 209");
        QCOMPARE(kicked->requestId, std::optional<QString>(rq));
        QVERIFY2(waitUntil([&] { return older.client->state() == ChatClient::State::Disconnected; },
                           5000),
                 "older socket not closed");
        QCOMPARE(newer.client->state(), ChatClient::State::Connected);
        // The newer socket is the member now.
        IC_VERIFY_RP(newer.reply(
            newer.client->sendText(QStringLiteral("dup-room"), QStringLiteral("still here"))));
    }

    // §4.2: keys are absent when empty and a v1 session never sees a key outside the document
    // (strict v1 clients reject unknown keys). Every frame of a session using every command is
    // checked at the JSON level.
    void v1SessionSeesOnlyDocumentedKeys()
    {
        RawSocket *raw = openRaw(QByteArray("{\"p\":\"cp\"}"));
        QVERIFY(raw);
        const QByteArray room = "\"r\":{\"n\":\"keys-room\",\"p\":\"\"}";
        const QList<QByteArray> requests{
            "{\"c\":\"R_C_J\",\"rq\":\"1\"," + room + ",\"uN\":\"Kim\"}",
            "{\"c\":\"TM\",\"rq\":\"2\"," + room + ",\"m\":{\"t\":\"hi\",\"rU\":null,\"rM\":null}}",
            "{\"c\":\"TM_S_R\",\"rq\":\"3\"," + room + ",\"m\":{\"id\":1},\"srM\":true}",
            "{\"c\":\"TM_E\",\"rq\":\"4\"," + room +
                ",\"m\":{\"id\":1,\"t\":\"ho\",\"rU\":null,\"rM\":null}}",
            "{\"c\":\"R_CH_D\",\"rq\":\"5\"," + room + ",\"m\":{\"t\":\"desc\"}}",
            "{\"c\":\"R_CH_UN\",\"rq\":\"6\"," + room + ",\"uN\":\"Kai\"}",
            "{\"c\":\"TM_D\",\"rq\":\"7\"," + room + ",\"m\":{\"id\":1}}",
            "{\"c\":\"R_J\",\"rq\":\"8\",\"r\":{\"n\":\"missing-room\",\"p\":\"\"}}",
        };
        for (const QByteArray &request : requests)
            raw->sendText(request);
        auto keySet = [](std::initializer_list<const char *> names) {
            QSet<QString> set;
            for (const char *name : names)
                set.insert(QString::fromLatin1(name));
            return set;
        };
        const QSet<QString> frameKeys =
            keySet({"c", "rq", "pd", "m", "rId", "uId", "rCuId", "cAt", "rU", "bN", "sS"});
        const QSet<QString> messageKeys =
            keySet({"id", "t", "sC", "rC", "lE", "lV", "rU", "rM", "uId", "cAt"});
        const QSet<QString> userKeys = keySet({"uId", "n", "an", "o"});
        int replies = 0;
        while (replies < requests.size()) {
            const auto message = raw->nextMessage(10000);
            QVERIFY2(message, "a request got no reply");
            if (message->opcode != ic::ws::Opcode::Text)
                continue;
            const QJsonObject frame = jsonObject(message->payload);
            QVERIFY2(!frame.isEmpty(), message->payload.constData());
            for (const QString &key : frame.keys())
                QVERIFY2(frameKeys.contains(key), message->payload.constData());
            for (const QJsonValue &item : frame.value(QLatin1StringView("m")).toArray())
                for (const QString &key : item.toObject().keys())
                    QVERIFY2(messageKeys.contains(key), message->payload.constData());
            for (const QJsonValue &item : frame.value(QLatin1StringView("rU")).toArray()) {
                const QStringList keys = item.toObject().keys();
                QVERIFY2(QSet<QString>(keys.cbegin(), keys.cend()) == userKeys,
                         message->payload.constData());
            }
            // Keys absent when empty: no nulls, no empty rq.
            for (auto it = frame.begin(); it != frame.end(); ++it)
                QVERIFY2(!it.value().isNull() && !it.value().isUndefined(),
                         message->payload.constData());
            const QString c = frame.value(QLatin1StringView("c")).toString();
            if (c == QStringLiteral("RP") || c == QStringLiteral("ER"))
                ++replies;
        }
    }
};

QTEST_GUILESS_MAIN(HandshakeTest)
#include "tst_handshake.moc"
