// Worker, one worker thread's home: two real workers on their own threads (epoll dispatchers,
// as in the server), sockets adopted from local stream pairs the test drives as browsers.
// Shows: a first join of a room another worker owns moves the connection there and answers it
// in order; a member living on another worker than its room gets the room's broadcasts, in
// order, through deliveries queued to its own thread; deliver() called from a foreign thread
// reaches the connection in call order; an answered join for a connection that has gone is
// undone in the room.

#include "SocketPeer.h"
#include "StringList.h"

#include "app/Worker.h"
#include "core/ServerContext.h"
#include "rooms/RoomDirectory.h"
#include "rooms/RoomHost.h"
#include "transport/EpollEventDispatcher.h"

#include <QTest>
#include <QThread>

using namespace ic::server;
using ic::test::SocketPeer;

namespace {

const QByteArray origin = "http://chat.test";

ServerSettings settings()
{
    ServerSettings s;
    s.allowedOrigins = {QString::fromLatin1(origin)};
    s.rateLimits = false;
    s.room.rateLimits = false;
    s.workers = 2;
    s.replication = false;
    // A local stream pair has no IP address: every test connection counts as the same client.
    s.maxConnectionsPerAddress = 1 << 20;
    return s;
}

// Runs `call` on `worker`'s thread and waits for it.
template <typename Call> void on(Worker *worker, Call call)
{
    QMetaObject::invokeMethod(worker, call, Qt::BlockingQueuedConnection);
}

// A room name (canonical) that the hash places on worker `index` of `workers`.
QString roomOn(int index, int workers, const char *prefix)
{
    for (int i = 0;; ++i) {
        const QString name = QStringLiteral("%1-%2").arg(QLatin1StringView(prefix)).arg(i);
        if (RoomDirectory::indexFor(name, workers) == index)
            return name;
    }
}

QByteArray joinFrame(const QString &room, const char *rq)
{
    return R"({"c":"R_C_J","rq":")" + QByteArray(rq) + R"(","r":{"n":")" + room.toUtf8() +
           R"("},"uN":null})";
}

QByteArray messageFrame(const QString &room, const QByteArray &text)
{
    return R"({"c":"TM","rq":"m-)" + text + R"(","r":{"n":")" + room.toUtf8() + R"("},"m":{"t":")" +
           text + R"("}})";
}

// Commands of the next `count` frames; "?" for anything that is not a text frame.
QStringList nextCommands(SocketPeer &peer, int count)
{
    QStringList list;
    for (int i = 0; i < count; ++i) {
        const std::optional<ic::proto::ServerFrame> frame = peer.nextFrame();
        list.append(frame ? frame->command : QStringLiteral("?"));
    }
    return list;
}

} // namespace

class TestWorker : public QObject
{
    Q_OBJECT

    std::unique_ptr<ServerContext> m_context;
    QList<Worker *> m_workers;
    RoomDirectory m_directory;
    QList<QThread *> m_threads;

    // A browser connected to worker `index`, upgraded and past its init frame.
    std::unique_ptr<SocketPeer> browser(int index)
    {
        auto peer = std::make_unique<SocketPeer>();
        const qintptr fd = peer->takeServerEnd();
        Worker *worker = m_workers.at(index);
        QMetaObject::invokeMethod(
            worker, [worker, fd] { worker->adopt(fd); }, Qt::QueuedConnection);
        if (!peer->upgrade(origin))
            return nullptr;
        peer->init();
        return peer;
    }
    // The connection id of `session` as a member of `room` (on the room's worker).
    quint64 memberId(const QString &room, const QUuid &session)
    {
        Worker *owner = m_workers.at(RoomDirectory::indexFor(room, m_workers.size()));
        quint64 id = 0;
        on(owner, [&] {
            if (Room *found = owner->rooms().find(room))
                id = found->memberConnection(session).value_or(0);
        });
        return id;
    }
    // Which worker holds connection `id` (-1: none).
    int workerOf(quint64 id)
    {
        int found = -1;
        for (int i = 0; i < m_workers.size(); ++i) {
            Worker *worker = m_workers.at(i);
            on(worker, [&] {
                if (worker->connection(id))
                    found = i;
            });
        }
        return found;
    }

private slots:
    void init()
    {
        m_context = std::make_unique<ServerContext>(settings());
        QList<RoomHost *> hosts;
        for (int i = 0; i < 2; ++i) {
            auto *worker = new Worker(*m_context, i, m_workers, m_directory);
            m_workers.append(worker);
            hosts.append(&worker->rooms());
        }
        m_directory.setHosts(hosts);
        for (Worker *worker : std::as_const(m_workers)) {
            auto *thread = new QThread;
            worker->moveToThread(thread);
            thread->setEventDispatcher(new EpollEventDispatcher);
            thread->start();
            QMetaObject::invokeMethod(worker, &Worker::begin, Qt::QueuedConnection);
            m_threads.append(thread);
        }
    }
    void cleanup()
    {
        for (Worker *worker : std::as_const(m_workers))
            on(worker, [worker] { delete worker; });
        for (QThread *thread : std::as_const(m_threads)) {
            thread->quit();
            thread->wait();
            delete thread;
        }
        m_workers.clear();
        m_threads.clear();
        m_directory.setHosts({});
        m_context.reset();
    }

    void firstJoinMovesToTheRoomsWorker()
    {
        const QString room = roomOn(1, 2, "far");
        std::unique_ptr<SocketPeer> peer = browser(0);
        QVERIFY(peer);
        peer->sendText(joinFrame(room, "j"));
        QCOMPARE(nextCommands(*peer, 4), L({"R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        const quint64 id = memberId(room, peer->session());
        QVERIFY(id != 0);
        QCOMPARE(workerOf(id), 1); // it lives with its room now
        peer->sendText(messageFrame(room, "hi"));
        QCOMPARE(nextCommands(*peer, 2), L({"TM", "RP"}));
    }

    void broadcastsReachAMemberOnAnotherWorkerInOrder()
    {
        const QString near = roomOn(0, 2, "near");
        const QString far = roomOn(1, 2, "far");
        std::unique_ptr<SocketPeer> alice = browser(0);
        QVERIFY(alice);
        alice->sendText(joinFrame(near, "1")); // her first room keeps her on worker 0
        QCOMPARE(nextCommands(*alice, 4), L({"R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        alice->sendText(joinFrame(far, "2"));
        QCOMPARE(nextCommands(*alice, 4), L({"R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        const quint64 aliceId = memberId(far, alice->session());
        QCOMPARE(workerOf(aliceId), 0);

        std::unique_ptr<SocketPeer> bob = browser(1);
        QVERIFY(bob);
        bob->sendText(joinFrame(far, "3"));
        QCOMPARE(nextCommands(*bob, 4), L({"R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        QCOMPARE(workerOf(memberId(far, bob->session())), 1);
        QCOMPARE(alice->nextFrame()->command, QStringLiteral("R_M_CH")); // bob joined

        constexpr int count = 30;
        for (int i = 0; i < count; ++i)
            bob->sendText(messageFrame(far, QByteArray::number(i)));
        for (int i = 0; i < count; ++i) {
            const std::optional<ic::proto::ServerFrame> frame = alice->nextFrame();
            QVERIFY(frame && frame->messages);
            QCOMPARE(frame->command, QStringLiteral("TM"));
            QCOMPARE(frame->messages->first().text.value_or(QString()), QString::number(i));
        }
        for (int i = 0; i < count; ++i)
            QCOMPARE(nextCommands(*bob, 2), L({"TM", "RP"}));
    }

    void deliverFromAForeignThreadKeepsOrder()
    {
        const QString room = roomOn(0, 2, "near");
        std::unique_ptr<SocketPeer> peer = browser(0);
        QVERIFY(peer);
        peer->sendText(joinFrame(room, "1"));
        QCOMPARE(nextCommands(*peer, 4), L({"R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        const quint64 id = memberId(room, peer->session());
        QCOMPARE(workerOf(id), 0);
        // This (the main) thread is not the worker's: every call is queued to it, in order.
        for (int i = 0; i < 40; ++i)
            m_workers.at(0)->deliver(
                id, Delivery(ic::ws::encodeFrame(ic::ws::Opcode::Text, R"({"c":"TM","m":[{"t":")" +
                                                                           QByteArray::number(i) +
                                                                           R"("}]})")));
        for (int i = 0; i < 40; ++i) {
            const std::optional<ic::proto::ServerFrame> frame = peer->nextFrame();
            QVERIFY(frame && frame->messages);
            QCOMPARE(frame->messages->first().text.value_or(QString()), QString::number(i));
        }
    }

    void answeredJoinOfAGoneConnectionIsUndone()
    {
        const QString room = roomOn(0, 2, "near");
        Worker *worker = m_workers.at(0);
        CommandRequest join;
        join.caller.session = QUuid::createUuid();
        join.caller.connection = 987654321; // no such connection on the worker (it went)
        join.home = worker;
        join.room = room;
        join.address = QStringLiteral("192.0.2.7");
        join.frame.kind = ic::proto::Command::RoomCreateJoin;
        qsizetype membersRightAfter = -1;
        on(worker, [&] {
            worker->rooms().execute(join);
            membersRightAfter = worker->rooms().find(room)->memberCount();
        });
        QCOMPARE(membersRightAfter, 1); // the room took the join
        // Its answer found nobody: the membership is undone (queued to the room's thread).
        QElapsedTimer clock;
        clock.start();
        qsizetype members = 1;
        while (members != 0 && clock.elapsed() < 5000) {
            QThread::msleep(5);
            on(worker, [&] { members = worker->rooms().find(room)->memberCount(); });
        }
        QCOMPARE(members, 0);
    }
};

QTEST_GUILESS_MAIN(TestWorker)
#include "tst_worker.moc"
