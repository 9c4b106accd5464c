// docs/protocol.md §5.8 graceful stop and §4.2 `sS`: on SIGTERM the server tells its clients
// `shutting_down`, closes every socket with a close frame and exits within a bounded time; and
// while a stop hands its rooms off, /healthz (readiness) answers 503 and /livez stays 200.

#include "ServerFixture.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <signal.h>

using namespace ic::testing;

namespace {

// The balancer as a stopping server sees it: heartbeats accepted, a handoff agreed to, and the
// handoff target requests held until release() (then answered 503: no server can take rooms).
// HTTP/1.1 with Content-Length bodies only (what QNetworkAccessManager sends).
class FakeBalancer : public QObject
{
public:
    bool listen()
    {
        connect(&m_listener, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_listener.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
                connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
            }
        });
        return m_listener.listen(QHostAddress::LocalHost, 0);
    }
    QString url() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_listener.serverPort());
    }
    int heldTargets() const { return int(m_held.size()); }
    QList<QByteArray> paths;
    void release()
    {
        m_releasing = true;
        for (const QPointer<QTcpSocket> &socket : std::exchange(m_held, {})) {
            if (socket)
                refuse(socket);
        }
    }

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
            qsizetype length = 0;
            for (const QByteArray &line : lines.mid(1)) {
                if (line.left(line.indexOf(':')).trimmed().toLower() == "content-length")
                    length = line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
            }
            if (buffer.size() < headEnd + 4 + length)
                return;
            const QByteArray path = lines.first().trimmed().split(' ').value(1);
            buffer.remove(0, headEnd + 4 + length);
            paths.append(path);
            if (path == "/internal/handoff/begin")
                respond(socket, 200, R"({"handoff":true})");
            else if (path == "/internal/handoff/target" && !m_releasing)
                m_held.append(QPointer<QTcpSocket>(socket));
            else if (path == "/internal/handoff/target")
                refuse(socket);
            else
                respond(socket, 200, "{}");
        }
    }
    static void refuse(QTcpSocket *socket)
    {
        respond(socket, 503, "no other live, undrained server can take the room");
    }
    static void respond(QTcpSocket *socket, int status, const QByteArray &body)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(status) +
                      (status == 200 ? " OK" : " Service Unavailable") +
                      "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    QTcpServer m_listener;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<QPointer<QTcpSocket>> m_held;
    bool m_releasing = false;
};

} // namespace

class ShutdownTest : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly)); }

    void sigtermTellsClientsAndClosesSockets()
    {
        auto server = startServer({QStringLiteral("--shutdown-timeout"), QStringLiteral("5")});
        QVERIFY(server);
        Peer a = connectPeer(*server, this);
        QVERIFY(a);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(QStringLiteral("stop-room"))));
        auto *raw = new RawSocket(this);
        QVERIFY(raw->open(server->port(), ic::session::createCookieValue()));
        raw->sendText(
            "{\"c\":\"R_J\",\"rq\":\"r\",\"r\":{\"n\":\"stop-room\",\"p\":\"\"},\"uN\":null}");
        IC_VERIFY_RP(raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("r"); }));
        // A socket that never joined a room is closed as well.
        auto *idle = new RawSocket(this);
        QVERIFY(idle->open(server->port(), ic::session::createCookieValue()));

        const qsizetype fromA = a.frames->size();
        QElapsedTimer timer;
        timer.start();
        const int exitCode = server->terminate(15000); // keeps the event loop running meanwhile
        QCOMPARE(exitCode, 0);
        QVERIFY2(timer.elapsed() < 5000 + 3000, "graceful stop took longer than its timeout");

        auto announcesShutdown = [](const ServerFrame &f) {
            return f.status == QStringLiteral("shutting_down");
        };
        QVERIFY2(a.frames->indexOf(announcesShutdown, fromA) >= 0,
                 "the member got no frame with sS=shutting_down");
        QVERIFY2(raw->waitForFrame(announcesShutdown, 1000), "raw member got no sS=shutting_down");
        QVERIFY2(raw->closeFrameReceived(), "the socket was cut without a close frame");
        QVERIFY2(idle->closeFrameReceived(),
                 "a socket outside any room was cut without a close frame");
        QVERIFY(
            waitUntil([&] { return a.client->state() == ChatClient::State::Disconnected; }, 2000));
    }

    // From the stop signal on, an orchestrator must route nothing new to the server (readiness
    // 503 with a sentence) yet must not kill it while its rooms move (liveness 200). The handoff
    // is held at its first room so the state can be read; then no server takes the room, the
    // stop goes on and the process exits 0.
    void healthWhileHandingOff()
    {
        FakeBalancer balancer;
        QVERIFY(balancer.listen());
        auto server = startServer({QStringLiteral("--balancer"), balancer.url(),
                                   QStringLiteral("--server-id"), QStringLiteral("stopping-srv"),
                                   QStringLiteral("--handoff-timeout"), QStringLiteral("20"),
                                   QStringLiteral("--shutdown-timeout"), QStringLiteral("5"),
                                   QStringLiteral("--replication"), QStringLiteral("off")});
        QVERIFY(server);
        QVERIFY2(
            waitUntil(
                [&] { return httpGet(server->httpUrl(QStringLiteral("/healthz"))).status == 200; },
                10000),
            "registered with the (fake) balancer");
        Peer a = connectPeer(*server, this);
        QVERIFY(a);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(QStringLiteral("moving-room"))));

        ::kill(pid_t(server->pid()), SIGTERM);
        QVERIFY2(waitUntil([&] { return balancer.heldTargets() > 0; }, 10000),
                 "the stop asked the balancer for a handoff target");
        const HttpResult health = httpGet(server->httpUrl(QStringLiteral("/healthz")));
        QCOMPARE(health.status, 503);
        QCOMPARE(health.body, QByteArray("stopping: handing its rooms off to other servers\n"));
        const HttpResult live = httpGet(server->httpUrl(QStringLiteral("/livez")));
        QCOMPARE(live.status, 200);
        QVERIFY(server->isRunning());
        QVERIFY(balancer.paths.contains("/internal/handoff/begin"));

        balancer.release();
        QCOMPARE(server->waitForExit(20000), 0);
        QVERIFY(server->output().contains("rooms were not moved to another server"));
    }
};

QTEST_GUILESS_MAIN(ShutdownTest)
#include "tst_shutdown.moc"
