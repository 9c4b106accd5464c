// Connection, one client's session, between a real socket (one end of a local stream pair; the
// test plays the browser on the other) and a recording SessionHost in place of the worker.
// Shows: the upgrade, and a command reaching the host decoded once (typed command, canonical
// room, session, protocol version); one command in flight at a time, the next held until the
// answer finishes it; every bad frame answered with the right ER (with its rq when readable)
// and nothing reaching the host, the session going on unchanged after it; unknown, server-only
// and not-opted-in codes ignored; deliveries reaching the client in order, a close after its
// frames; an HTTP request answered by the host, at once or later; a socket that goes while a
// join is in flight reported as leaving that room.
//
// The main thread runs on EpollEventDispatcher (see main() below), as a server worker does.

#include "SocketPeer.h"

#include "connection/Connection.h"
#include "core/ServerContext.h"
#include "transport/EpollEventDispatcher.h"
#include "transport/HttpResponse.h"

#include <QCoreApplication>
#include <QPointer>
#include <QTest>

#include <memory>

using namespace ic::server;
using ic::proto::Command;
using ic::proto::ErrorCode;
using ic::test::SocketPeer;

namespace {

const QByteArray origin = "http://chat.test";

ServerSettings settings()
{
    ServerSettings s;
    s.allowedOrigins = {QString::fromLatin1(origin)};
    s.rateLimits = false;
    // A local stream pair has no IP address: every test connection counts as the same client.
    s.maxConnectionsPerAddress = 1 << 20;
    return s;
}

// The worker as a connection sees it; records what the connection hands up.
class RecordingHost : public SessionHost
{
public:
    explicit RecordingHost(double memberRate = 0) : m_memberLimiter(memberRate, 1) {}

    Connection *connection = nullptr;
    QList<SessionCommand> commands;
    QList<QByteArray> httpPaths;
    QSet<QString> left;
    int detached = 0;
    bool answerHttpLater = false;

    AddressBuckets &memberLimiter() override { return m_memberLimiter; }
    void scheduleFlush(quint64) override
    {
        // The worker flushes before its thread waits; here, once the current event is done
        // (dropped with the connection, should it go first).
        if (Connection *target = connection)
            QMetaObject::invokeMethod(
                target, [target] { target->flushOutbox(); }, Qt::QueuedConnection);
    }
    void checkSoon(Connection *) override {}
    void detach(Connection *) override
    {
        ++detached;
        connection = nullptr; // it deletes itself later
    }
    void command(Connection *, SessionCommand command) override { commands.append(command); }
    std::optional<QByteArray> http(const HttpRequest &request, quint64) override
    {
        httpPaths.append(request.path);
        if (answerHttpLater)
            return std::nullopt;
        return httpText(200, "hello from the host\n", request.keepAlive);
    }
    qsizetype bodyLimit(const HttpRequest &, const QHostAddress &) const override { return 0; }
    void leftRooms(const QSet<QString> &rooms, quint64) override { left += rooms; }

private:
    AddressBuckets m_memberLimiter;
};

// JSON written with single quotes (no escaping, and moc reads it without trouble).
QByteArray j(const char *text)
{
    return QByteArray(text).replace('\'', '"');
}

Delivery frames(std::initializer_list<QByteArray> jsons, bool finished)
{
    Delivery delivery;
    for (const QByteArray &json : jsons)
        delivery.bytes.append(ic::ws::encodeFrame(ic::ws::Opcode::Text, json));
    delivery.finished = finished;
    return delivery;
}

} // namespace

Q_DECLARE_METATYPE(ErrorCode)

class TestConnection : public QObject
{
    Q_OBJECT

    ServerContext m_context{settings()};
    std::unique_ptr<RecordingHost> m_host;
    std::unique_ptr<SocketPeer> m_peer;
    QPointer<Connection> m_connection;

    // A connection on a fresh socket pair, with its host.
    bool open(double memberRate = 0)
    {
        m_host = std::make_unique<RecordingHost>(memberRate);
        m_peer = std::make_unique<SocketPeer>();
        auto *connection = new Connection(m_context, m_host.get());
        m_host->connection = connection;
        m_connection = connection;
        return m_peer->valid() && connection->start(m_peer->takeServerEnd());
    }
    // Open, upgraded, init frame sent at `pv`.
    bool session(int protocolVersion = 1, double memberRate = 0)
    {
        if (!open(memberRate) || !m_peer->upgrade(origin))
            return false;
        m_peer->init(protocolVersion);
        return true;
    }
    // Sends a TM for `room` and waits until the host has it (everything before it was handled).
    bool sendMarker()
    {
        const qsizetype before = m_host->commands.size();
        m_peer->sendText(j("{'c':'TM','rq':'marker','r':{'n':'lobby'},'m':{'t':'x'}}"));
        return QTest::qWaitFor([&] { return m_host->commands.size() > before; });
    }

private slots:
    void cleanup()
    {
        delete m_connection.data(); // its socket closes with it
        m_peer.reset();
        m_host.reset();
    }

    void commandReachesHostDecodedOnce()
    {
        QVERIFY(session(2));
        m_peer->sendText(j("{'c':'TM','rq':'7','r':{'n':'  My Room '},'m':{'t':'hi'}}"));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 1; }));
        const SessionCommand &command = m_host->commands.first();
        QVERIFY(command.frame.kind == Command::TextMessage);
        QCOMPARE(command.room, QStringLiteral("my room")); // canonical
        QCOMPARE(command.session, m_peer->session());
        QCOMPARE(command.protocolVersion, 2);
        QCOMPARE(command.frame.requestId, std::optional<QString>(QStringLiteral("7")));
        QCOMPARE(command.frame.message->text, QStringLiteral("hi"));
        QVERIFY(!command.mayMove); // not a join
        QCOMPARE(command.connection, m_connection->id());
    }

    void firstJoinMayMove()
    {
        QVERIFY(session());
        m_peer->sendText(j("{'c':'R_C_J','rq':'1','r':{'n':'Room'},'uN':null}"));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 1; }));
        QVERIFY(m_host->commands.first().frame.kind == Command::RoomCreateJoin);
        QVERIFY(m_host->commands.first().mayMove);
        Delivery joined = frames({j("{'c':'RP','rq':'1'}")}, true);
        joined.joined = QStringLiteral("room");
        m_connection->deliver(std::move(joined));
        QCOMPARE(m_peer->nextFrame()->command, QStringLiteral("RP"));
        // Already a member of a room: a second join must not move the connection.
        m_peer->sendText(j("{'c':'R_J','rq':'2','r':{'n':'other'}}"));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 2; }));
        QVERIFY(m_host->commands.at(1).frame.kind == Command::RoomJoin);
        QVERIFY(!m_host->commands.at(1).mayMove);
    }

    void oneCommandInFlight()
    {
        QVERIFY(session());
        for (int i = 1; i <= 3; ++i)
            m_peer->sendText(j("{'c':'TM','rq':'") + QByteArray::number(i) +
                             j("','r':{'n':'lobby'},'m':{'t':'x'}}"));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 1; }));
        QTest::qWait(50);
        QCOMPARE(m_host->commands.size(), 1); // the others wait for its answer
        m_connection->deliver(frames({j("{'c':'RP','rq':'1'}")}, true));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 2; }));
        QCOMPARE(m_host->commands.at(1).frame.requestId,
                 std::optional<QString>(QStringLiteral("2")));
        // Bytes that do not finish the request (a broadcast) do not let the next one go.
        m_connection->deliver(frames({j("{'c':'TM'}")}, false));
        QTest::qWait(50);
        QCOMPARE(m_host->commands.size(), 2);
        m_connection->deliver(frames({j("{'c':'RP','rq':'2'}")}, true));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 3; }));
    }

    void badFrames_data()
    {
        QTest::addColumn<int>("protocolVersion");
        QTest::addColumn<QByteArray>("frame");
        QTest::addColumn<ErrorCode>("error"); // None: no answer at all
        QTest::addColumn<QString>("requestId");
        QTest::newRow("not JSON") << 1 << QByteArray("{oops") << ErrorCode::InvalidInput
                                  << QString();
        QTest::newRow("JSON, not an object")
            << 1 << QByteArray("[1,2]") << ErrorCode::InvalidInput << QString();
        QTest::newRow("wrongly typed key")
            << 1 << QByteArray(j("{'c':'TM','rq':'w','r':{'n':'lobby'},'m':5}"))
            << ErrorCode::InvalidInput << QStringLiteral("w");
        QTest::newRow("member command without a room")
            << 1 << QByteArray(j("{'c':'TM','rq':'n','m':{'t':'x'}}")) << ErrorCode::RoomNotFound
            << QStringLiteral("n");
        QTest::newRow("join of an empty room name")
            << 1 << QByteArray(j("{'c':'R_C_J','rq':'e','r':{'n':'  '}}"))
            << ErrorCode::RoomNameLength << QStringLiteral("e");
        QTest::newRow("join with an over-long password")
            << 1
            << j("{'c':'R_C_J','rq':'p','r':{'n':'fine','p':'") + QByteArray(1000, 'x') + j("'}}")
            << ErrorCode::InvalidPassword << QStringLiteral("p");
        QTest::newRow("unknown code")
            << 1 << QByteArray(j("{'c':'NOPE','rq':'u'}")) << ErrorCode::None << QString();
        QTest::newRow("server-only code")
            << 1 << QByteArray(j("{'c':'RP','rq':'s','r':{'n':'lobby'}}")) << ErrorCode::None
            << QString();
        QTest::newRow("typing, v1 did not opt in")
            << 1 << QByteArray(j("{'c':'TY','rq':'t','r':{'n':'lobby'}}")) << ErrorCode::None
            << QString();
        QTest::newRow("keep-alive")
            << 1 << QByteArray(j("{'kA':'OK'}")) << ErrorCode::None << QString();
    }
    void badFrames()
    {
        QFETCH(int, protocolVersion);
        QFETCH(QByteArray, frame);
        QFETCH(ErrorCode, error);
        QFETCH(QString, requestId);
        QVERIFY(session(protocolVersion));
        m_peer->sendText(frame);
        QVERIFY(sendMarker()); // the session goes on: the next command reaches the host
        QCOMPARE(m_host->commands.size(), 1);
        QCOMPARE(m_host->commands.first().frame.requestId,
                 std::optional<QString>(QStringLiteral("marker")));
        m_connection->deliver(frames({j("{'c':'RP','rq':'marker'}")}, true));
        std::optional<ic::proto::ServerFrame> first = m_peer->nextFrame();
        QVERIFY(first);
        if (error == ErrorCode::None) {
            QCOMPARE(first->command, QStringLiteral("RP")); // nothing came before the marker's
            return;
        }
        QCOMPARE(first->command, QStringLiteral("ER"));
        QCOMPARE(first->errorCode(), error);
        QCOMPARE(first->requestId.value_or(QString()), requestId);
        QCOMPARE(m_peer->nextFrame()->command, QStringLiteral("RP"));
    }

    void rateLimitedMemberCommand_data()
    {
        QTest::addColumn<int>("protocolVersion");
        QTest::addColumn<ErrorCode>("error");
        QTest::newRow("pv 2: 429") << 2 << ErrorCode::RateLimited;
        QTest::newRow("v1: 103 (it knows no 429)") << 1 << ErrorCode::InvalidInput;
    }
    void rateLimitedMemberCommand()
    {
        QFETCH(int, protocolVersion);
        QFETCH(ErrorCode, error);
        QVERIFY(session(protocolVersion, 0.001)); // one command, then nearly nothing
        QVERIFY(sendMarker());
        m_connection->deliver(frames({j("{'c':'RP','rq':'marker'}")}, true));
        QCOMPARE(m_peer->nextFrame()->command, QStringLiteral("RP"));
        m_peer->sendText(j("{'c':'TM','rq':'2','r':{'n':'lobby'},'m':{'t':'x'}}"));
        const std::optional<ic::proto::ServerFrame> answer = m_peer->nextFrame();
        QVERIFY(answer);
        QCOMPARE(answer->errorCode(), error);
        QCOMPARE(answer->requestId, std::optional<QString>(QStringLiteral("2")));
        QCOMPARE(m_host->commands.size(), 1); // it never reached the room
    }

    void commandBeforeInitIsRefused()
    {
        QVERIFY(open());
        QVERIFY(m_peer->upgrade(origin));
        m_peer->sendText("[not an init frame]");
        const std::optional<ic::ws::Message> close = m_peer->next();
        QVERIFY(close);
        QCOMPARE(close->opcode, ic::ws::Opcode::Close);
        QCOMPARE(quint16((quint8(close->payload[0]) << 8) | quint8(close->payload[1])),
                 quint16(ic::ws::CloseInvalidPayload));
        QVERIFY(m_host->commands.isEmpty());
    }

    void deliveriesArriveInOrder()
    {
        QVERIFY(session());
        for (int i = 0; i < 50; ++i) {
            Delivery one(ic::ws::encodeFrame(ic::ws::Opcode::Text, j("{'c':'TM','m':[{'t':'") +
                                                                       QByteArray::number(i) +
                                                                       j("'}]}")));
            m_connection->deliver(std::move(one));
        }
        for (int i = 0; i < 50; ++i) {
            const std::optional<ic::proto::ServerFrame> frame = m_peer->nextFrame();
            QVERIFY(frame && frame->messages);
            QCOMPARE(frame->messages->first().text.value_or(QString()), QString::number(i));
        }
    }

    void closeFollowsItsFrames()
    {
        QVERIFY(session());
        Delivery goodbye = frames({j("{'c':'ER','e':202}")}, false);
        goodbye.close = true;
        goodbye.closeCode = ic::ws::CloseGoingAway;
        m_connection->deliver(std::move(goodbye));
        QCOMPARE(m_peer->nextFrame()->command, QStringLiteral("ER"));
        const std::optional<ic::ws::Message> close = m_peer->next();
        QVERIFY(close);
        QCOMPARE(close->opcode, ic::ws::Opcode::Close);
        QCOMPARE(quint16((quint8(close->payload[0]) << 8) | quint8(close->payload[1])),
                 quint16(ic::ws::CloseGoingAway));
    }

    void httpAnsweredByHost_data()
    {
        QTest::addColumn<bool>("later");
        QTest::newRow("at once") << false;
        QTest::newRow("later, as a delivery") << true;
    }
    void httpAnsweredByHost()
    {
        QFETCH(bool, later);
        QVERIFY(open());
        m_host->answerHttpLater = later;
        QVERIFY(m_peer->write("GET /some_room?x=1 HTTP/1.1\r\nHost: test\r\n\r\n"));
        QVERIFY(QTest::qWaitFor([&] { return m_host->httpPaths.size() == 1; }));
        QCOMPARE(m_host->httpPaths.first(), QByteArray("/some_room"));
        if (later) {
            Delivery answer;
            answer.bytes.append(httpText(200, "hello from the host\n", true));
            answer.finished = true;
            m_connection->deliver(std::move(answer));
        }
        const QByteArray head = m_peer->readHttpHead();
        QVERIFY2(head.startsWith("HTTP/1.1 200 "), head.constData());
        QCOMPARE(m_peer->readRaw(20), QByteArray("hello from the host\n"));
    }

    void goneWhileJoiningLeavesThatRoom()
    {
        QVERIFY(session());
        m_peer->sendText(j("{'c':'R_C_J','rq':'1','r':{'n':'BusyRoom'}}"));
        QVERIFY(QTest::qWaitFor([&] { return m_host->commands.size() == 1; }));
        m_peer.reset(); // the browser goes before the join's answer came
        QVERIFY(QTest::qWaitFor([&] { return m_host->detached == 1; }));
        QCOMPARE(m_host->left, QSet<QString>{QStringLiteral("busyroom")});
    }
};

int main(int argc, char **argv)
{
    // The transport only runs on threads whose dispatcher is EpollEventDispatcher.
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestConnection test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_connection.moc"
