// RoomConnection / ChatClient after a lost connection, against a scripted WebSocket server in
// this process: a close 1012 brings the client back at once (0–300 ms, no backoff) with a
// join-only R_J, the same session and name; a message that got no RP is sent again once after
// the rejoin, one that got its RP never; ER 202 on the rejoin reports the room gone and nothing
// is re-created until asked, and a password room is never re-created without a password.
#include "FrameHelpers.h"
#include "RoomConnection.h"
#include "protocol/ClientFrame.h"
#include "protocol/Codes.h"

#include <QSignalSpy>
#include <QTest>
#include <QWebSocket>
#include <QWebSocketServer>

using namespace ic::desktop;
using ic::client::ChatClient;
using ic::proto::ClientFrame;

namespace {

constexpr int roomMoved = 1012;

// Accepts WebSocket connections and records the command frames of the newest one.
class ScriptedServer : public QObject
{
public:
    ScriptedServer() : m_server(QStringLiteral("scripted"), QWebSocketServer::NonSecureMode)
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QWebSocketServer::newConnection, this, [this] {
            while (QWebSocket *socket = m_server.nextPendingConnection()) {
                ++connections;
                m_socket = socket;
                frames.clear();
                connect(socket, &QWebSocket::textMessageReceived, this,
                        [this, socket](const QString &text) {
                            if (socket != m_socket)
                                return;
                            const auto decoded = ic::proto::decodeClientFrame(text.toUtf8());
                            // Neither the init frame nor keep-alives are commands.
                            if (!decoded.frame.command.isEmpty())
                                frames.append(decoded.frame);
                        });
            }
        });
    }
    QUrl url() const
    {
        return QUrl(QStringLiteral("ws://127.0.0.1:%1/ws_entry").arg(m_server.serverPort()));
    }
    bool waitForFrames(int count) const
    {
        return QTest::qWaitFor([&] { return frames.size() >= count; }, 5000);
    }
    bool waitForConnection(int count) const
    {
        return QTest::qWaitFor([&] { return connections >= count && m_socket; }, 5000);
    }
    void send(const QByteArray &frame) { m_socket->sendTextMessage(QString::fromUtf8(frame)); }
    void replyOk(const ClientFrame &request, const QString &details = {})
    {
        ic::proto::ServerFrame reply = ictest::joinReply(QStringLiteral("u-ann"));
        reply.requestId = request.requestId;
        if (!details.isEmpty())
            reply.details = details;
        send(ic::proto::encodeServerFrame(reply));
    }
    void replyError(const ClientFrame &request, ic::proto::ErrorCode code)
    {
        send(ic::proto::encodeErrorFrame(code, request.requestId, 1));
    }
    void closeWith(int code)
    {
        m_socket->close(QWebSocketProtocol::CloseCode(code), QStringLiteral("room moved"));
        m_socket = nullptr;
    }
    // The server process died: the connection ends without a close frame.
    void abort()
    {
        m_socket->abort();
        m_socket = nullptr;
    }
    QStringList commands() const
    {
        QStringList out;
        for (const auto &f : frames)
            out << f.command;
        return out;
    }

    int connections = 0;
    QList<ClientFrame> frames; // of the newest connection

private:
    QWebSocketServer m_server;
    QPointer<QWebSocket> m_socket;
};

RoomConnection::Config configFor(const ScriptedServer &server, const QString &room,
                                 const QString &password = {})
{
    RoomConnection::Config config;
    config.room = room;
    config.password = password;
    config.userName = QStringLiteral("Ann Lee");
    config.cookie = QByteArrayLiteral("0123456789abcdef0123456789abcdef");
    config.webSocketUrl = server.url();
    return config;
}

QString decodedName(const ClientFrame &frame)
{
    return ic::validation::urlDecode(frame.userName.value_or(QString()));
}

} // namespace

class TestRejoin : public QObject
{
    Q_OBJECT
private slots:
    void roomMovedRejoinsJoinOnlyAndResendsOnce()
    {
        ScriptedServer server;
        RoomConnection connection(configFor(server, QStringLiteral("Team")));
        QList<int> waits;
        connect(&connection, &RoomConnection::stateChanged, this, [&](ChatClient::State state) {
            if (state == ChatClient::State::Waiting)
                waits << connection.reconnectInMs();
        });
        QSignalSpy done(&connection, &RoomConnection::requestDone);
        connection.start();
        QVERIFY(server.waitForConnection(1) && server.waitForFrames(1));
        QCOMPARE(server.frames.at(0).command, QStringLiteral("R_C_J")); // the first join
        server.replyOk(server.frames.at(0));
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 1; }, 5000));

        // A message the server never answers, then the room moves.
        const QString hello = connection.sendText(QStringLiteral("hello"));
        QVERIFY(server.waitForFrames(2));
        QCOMPARE(server.frames.at(1).command, QStringLiteral("TM"));
        server.closeWith(roomMoved);

        // Back at once, join-only, same session and name, then the unanswered message again.
        QVERIFY(server.waitForConnection(2) && server.waitForFrames(2));
        qInfo("waits scheduled after close 1012: %s",
              qPrintable(QStringLiteral("%1 ms").arg(waits.value(0))));
        QVERIFY2(waits.size() == 1 && waits.at(0) >= 0 && waits.at(0) <= 300,
                 "a close 1012 must reconnect within the 0–300 ms jitter");
        QCOMPARE(server.commands(), (QStringList{QStringLiteral("R_J"), QStringLiteral("TM")}));
        QCOMPARE(decodedName(server.frames.at(0)), QStringLiteral("Ann Lee"));
        QCOMPARE(server.frames.at(0).roomName, QStringLiteral("team"));
        QCOMPARE(server.frames.at(1).requestId, std::optional<QString>(hello));
        QCOMPARE(ic::validation::urlDecode(server.frames.at(1).message->text),
                 QStringLiteral("hello"));
        // No failure was reported for it meanwhile: the text stays "sending".
        QCOMPARE(done.size(), 1);
        server.replyOk(server.frames.at(0));
        server.replyOk(server.frames.at(1));
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 2; }, 5000));
        QCOMPARE(done.at(1).at(0).toString(), hello);
        QVERIFY(done.at(1).at(2).toBool());

        // Acknowledged: the next move rejoins and sends only what is new.
        server.closeWith(roomMoved);
        QVERIFY(server.waitForConnection(3) && server.waitForFrames(1));
        server.replyOk(server.frames.at(0));
        connection.sendText(QStringLiteral("after"));
        QVERIFY(server.waitForFrames(2));
        QCOMPARE(server.commands(), (QStringList{QStringLiteral("R_J"), QStringLiteral("TM")}));
        QCOMPARE(ic::validation::urlDecode(server.frames.at(1).message->text),
                 QStringLiteral("after"));
        QVERIFY(!connection.roomGone());
    }

    void messageIsResentOnlyOnce()
    {
        ScriptedServer server;
        RoomConnection connection(configFor(server, QStringLiteral("Team")));
        QSignalSpy done(&connection, &RoomConnection::requestDone);
        connection.start();
        QVERIFY(server.waitForConnection(1) && server.waitForFrames(1));
        server.replyOk(server.frames.at(0));
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 1; }, 5000));
        const QString hello = connection.sendText(QStringLiteral("hello"));
        QVERIFY(server.waitForFrames(2));
        server.closeWith(roomMoved);
        QVERIFY(server.waitForConnection(2) && server.waitForFrames(2)); // R_J + the resend
        server.replyOk(server.frames.at(0));
        // Lost again without an answer: now it fails (the user still has the text), and the
        // third connection does not carry it.
        server.closeWith(roomMoved);
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 2; }, 5000));
        QCOMPARE(done.at(1).at(0).toString(), hello);
        QVERIFY(!done.at(1).at(2).toBool());
        QVERIFY(server.waitForConnection(3) && server.waitForFrames(1));
        server.replyOk(server.frames.at(0));
        connection.sendText(QStringLiteral("marker"));
        QVERIFY(server.waitForFrames(2));
        QCOMPARE(server.commands(), (QStringList{QStringLiteral("R_J"), QStringLiteral("TM")}));
        QCOMPARE(ic::validation::urlDecode(server.frames.at(1).message->text),
                 QStringLiteral("marker"));
    }

    void otherClosesBackOff()
    {
        // Only 1012 skips the backoff: a plain loss waits reconnectMinMs ± 20 % (500 ms here).
        ScriptedServer server;
        RoomConnection connection(configFor(server, QStringLiteral("Team")));
        QList<int> waits;
        connect(&connection, &RoomConnection::stateChanged, this, [&](ChatClient::State state) {
            if (state == ChatClient::State::Waiting)
                waits << connection.reconnectInMs();
        });
        connection.start();
        QVERIFY(server.waitForConnection(1) && server.waitForFrames(1));
        server.replyOk(server.frames.at(0));
        server.closeWith(int(QWebSocketProtocol::CloseCodeGoingAway));
        QVERIFY(QTest::qWaitFor([&] { return !waits.isEmpty(); }, 5000));
        qInfo("wait scheduled after close 1001: %d ms", waits.at(0));
        QVERIFY(waits.at(0) > 300);
    }

    void crashedServerRetriesWithinASecondAndResends()
    {
        // A killed server (kill -9) ends the connection without a close frame. Its rooms come
        // back on another server within seconds (replica promoted), so the first attempt must
        // start within about a second, and the message whose RP died with the server goes out
        // again once after the rejoin, as after a 1012.
        ScriptedServer server;
        RoomConnection connection(configFor(server, QStringLiteral("Team")));
        QList<int> waits;
        connect(&connection, &RoomConnection::stateChanged, this, [&](ChatClient::State state) {
            if (state == ChatClient::State::Waiting)
                waits << connection.reconnectInMs();
        });
        QSignalSpy done(&connection, &RoomConnection::requestDone);
        connection.start();
        QVERIFY(server.waitForConnection(1) && server.waitForFrames(1));
        server.replyOk(server.frames.at(0));
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 1; }, 5000));
        const QString hello = connection.sendText(QStringLiteral("hello"));
        QVERIFY(server.waitForFrames(2));
        server.abort();
        QVERIFY(server.waitForConnection(2) && server.waitForFrames(2));
        QCOMPARE(waits.size(), 1);
        qInfo("first wait scheduled after the connection was cut: %d ms", waits.at(0));
        QVERIFY(waits.at(0) <= 1000);
        QCOMPARE(server.commands(), (QStringList{QStringLiteral("R_J"), QStringLiteral("TM")}));
        QCOMPARE(ic::validation::urlDecode(server.frames.at(1).message->text),
                 QStringLiteral("hello"));
        QCOMPARE(server.frames.at(1).requestId, hello);
        server.replyOk(server.frames.at(0));
        server.replyOk(server.frames.at(1));
        // The rejoin is internal; the resent message is answered once, as sent.
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 2; }, 5000));
        QCOMPARE(done.at(1).at(0).toString(), hello);
        QVERIFY(done.at(1).at(2).toBool());
    }

    void roomGoneIsNotRecreatedWithoutAPassword()
    {
        ScriptedServer server;
        RoomConnection connection(
            configFor(server, QStringLiteral("Vault"), QStringLiteral("typed pw")));
        QSignalSpy gone(&connection, &RoomConnection::roomGoneChanged);
        QSignalSpy done(&connection, &RoomConnection::requestDone);
        connection.start();
        QVERIFY(server.waitForConnection(1) && server.waitForFrames(1));
        QCOMPARE(server.frames.at(0).roomPassword, QStringLiteral("typed pw"));
        server.replyOk(server.frames.at(0), QStringLiteral("room_created;password=true"));
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 1; }, 5000));
        QVERIFY(connection.session()->passwordProtected());

        // The server restarted without the room: the rejoin is refused with 202.
        server.closeWith(roomMoved);
        QVERIFY(server.waitForConnection(2) && server.waitForFrames(1));
        QCOMPARE(server.commands(), QStringList{QStringLiteral("R_J")});
        server.replyError(server.frames.at(0), ic::proto::ErrorCode::RoomNotFound);
        QVERIFY(QTest::qWaitFor([&] { return gone.size() == 1; }, 5000));
        QVERIFY(connection.roomGone());
        QVERIFY(connection.recreateNeedsPassword());
        QCOMPARE(connection.knownPassword(), QStringLiteral("typed pw"));

        // Without a password nothing goes out; the next frame the server sees is the real one.
        QVERIFY(connection.recreateRoom(QString()).isEmpty());
        QVERIFY(!connection.recreateRoom(QStringLiteral("new pw")).isEmpty());
        QVERIFY(server.waitForFrames(2));
        QCOMPARE(server.commands(), (QStringList{QStringLiteral("R_J"), QStringLiteral("R_C_J")}));
        QCOMPARE(server.frames.at(1).roomPassword, QStringLiteral("new pw"));
        QCOMPARE(decodedName(server.frames.at(1)), QStringLiteral("Ann Lee"));
        server.replyOk(server.frames.at(1), QStringLiteral("room_created;password=true"));
        QVERIFY(QTest::qWaitFor([&] { return !connection.roomGone(); }, 5000));

        // And the next reconnect is join-only again, with the new password.
        server.closeWith(roomMoved);
        QVERIFY(server.waitForConnection(3) && server.waitForFrames(1));
        QCOMPARE(server.commands(), QStringList{QStringLiteral("R_J")});
        QCOMPARE(server.frames.at(0).roomPassword, QStringLiteral("new pw"));
    }

    void openRoomGoneWaitsForTheUser()
    {
        ScriptedServer server;
        RoomConnection connection(configFor(server, QStringLiteral("Open")));
        QSignalSpy done(&connection, &RoomConnection::requestDone);
        connection.start();
        QVERIFY(server.waitForConnection(1) && server.waitForFrames(1));
        server.replyOk(server.frames.at(0));
        QVERIFY(QTest::qWaitFor([&] { return done.size() == 1; }, 5000));
        server.closeWith(roomMoved);
        QVERIFY(server.waitForConnection(2) && server.waitForFrames(1));
        server.replyError(server.frames.at(0), ic::proto::ErrorCode::RoomNotFound);
        QVERIFY(QTest::qWaitFor([&] { return connection.roomGone(); }, 5000));
        QVERIFY(!connection.recreateNeedsPassword());
        // Nothing re-created by itself: the marker is the next frame after the refused R_J.
        connection.sendText(QStringLiteral("marker"));
        QVERIFY(server.waitForFrames(2));
        QCOMPARE(server.commands(), (QStringList{QStringLiteral("R_J"), QStringLiteral("TM")}));
        // A lost connection now does not rejoin the gone room at all.
        server.replyError(server.frames.at(1), ic::proto::ErrorCode::NotAuthorised);
        server.closeWith(roomMoved);
        QVERIFY(server.waitForConnection(3));
        connection.sendText(QStringLiteral("second marker"));
        QVERIFY(server.waitForFrames(1));
        QCOMPARE(server.commands(), QStringList{QStringLiteral("TM")});
    }
};

QTEST_MAIN(TestRejoin)
#include "tst_rejoin.moc"
