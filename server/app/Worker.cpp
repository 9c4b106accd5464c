#include "app/Worker.h"

#include "app/ReplicaLinks.h"
#include "connection/Connection.h"
#include "core/ServerContext.h"
#include "http/HttpRouter.h"
#include "rooms/RoomDirectory.h"
#include "rooms/RoomHost.h"

#include <QAbstractEventDispatcher>
#include <QDateTime>
#include <QThread>

#include <chrono>
#include <ctime>

namespace ic::server {
namespace {

qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

qint64 threadCpuNs()
{
    timespec cpu{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu);
    return qint64(cpu.tv_sec) * 1'000'000'000 + cpu.tv_nsec;
}

} // namespace

Worker::Worker(ServerContext &context, int index, const QList<Worker *> &workers,
               const RoomDirectory &directory)
    : m_context(context), m_index(index), m_workers(workers), m_directory(directory),
      m_rooms(new RoomHost(context, this, this)),
      m_memberLimiter(context.settings().rateLimits ? 50.0 : 0.0, 100.0),
      m_flushPolicy(context.settings().writeHoldMs * 1'000'000LL)
{
    m_flushTimer.setParent(this);
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_flushTimer, &QTimer::timeout, this, &Worker::flushWrites);
    m_sweep.setParent(this);
    m_sweep.setInterval(1000);
    connect(&m_sweep, &QTimer::timeout, this, &Worker::sweep);
}

Worker::~Worker()
{
    // The rooms go after this body (children): they must not ship into deleted links.
    m_rooms->setReplicaChannel(nullptr);
    delete m_replicaLinks;
    // Connections have no parent (they move between threads); they are ours to free.
    const auto connections = m_connections;
    m_connections.clear();
    for (Connection *connection : connections)
        delete connection;
}

void Worker::begin()
{
    m_threadId.store(QThread::currentThreadId(), std::memory_order_relaxed);
    m_sweep.start();
    const ServerSettings &settings = m_context.settings();
    if (settings.replication && !settings.balancer.isEmpty()) {
        m_replicaLinks = new ReplicaLinks(m_context, *m_rooms, this);
        m_rooms->setReplicaChannel(m_replicaLinks);
    }
    // Writes are flushed when the thread has handled everything that is ready and is about to
    // wait (or, while it is busy, a little later: FlushPolicy): every frame a socket got
    // meanwhile leaves in one send().
    connect(QAbstractEventDispatcher::instance(), &QAbstractEventDispatcher::aboutToBlock, this,
            &Worker::beforeWait);
}

void Worker::scheduleFlush(quint64 connection)
{
    if (m_unflushed.empty())
        m_oldestWriteNs = monotonicNs();
    m_unflushed.push_back(connection);
}

void Worker::beforeWait()
{
    const qint64 nowNs = monotonicNs();
    if (m_flushPolicy.windowEnded(nowNs))
        m_flushPolicy.endWindow(nowNs, threadCpuNs());
    if (m_unflushed.empty())
        return;
    const qint64 delayNs = m_flushPolicy.flushDelay(nowNs, m_oldestWriteNs);
    if (delayNs == 0) {
        flushWrites();
        return;
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start(int((delayNs + 999'999) / 1'000'000));
}

void Worker::flushWrites()
{
    m_flushTimer.stop();
    if (m_unflushed.empty())
        return;
    m_flushing.swap(m_unflushed);
    for (const quint64 id : m_flushing) {
        if (Connection *connection = m_connections.value(id))
            connection->flushOutbox();
    }
    m_flushing.clear();
}

void Worker::adopt(qintptr descriptor)
{
    auto *connection = new Connection(m_context, this);
    if (!connection->start(descriptor)) {
        delete connection;
        return;
    }
    m_connections.insert(connection->id(), connection);
    schedule(connection);
}

void Worker::attach(Connection *connection)
{
    // Closed while moving between threads: it is already on its way to deletion.
    if (connection->isClosed())
        return;
    m_connections.insert(connection->id(), connection);
    schedule(connection);
    connection->attached(this);
}

void Worker::detach(Connection *connection)
{
    m_connections.remove(connection->id());
    unschedule(connection);
}

void Worker::schedule(Connection *connection)
{
    connection->setScheduleIndex(int(m_due.size()));
    m_due.push_back(Due{0, connection}); // looked at in the next sweep
}

void Worker::unschedule(Connection *connection)
{
    const int index = connection->scheduleIndex();
    if (index < 0 || size_t(index) >= m_due.size() || m_due[size_t(index)].connection != connection)
        return;
    m_due[size_t(index)] = m_due.back();
    m_due[size_t(index)].connection->setScheduleIndex(index);
    m_due.pop_back();
    connection->setScheduleIndex(-1);
}

void Worker::checkSoon(Connection *connection)
{
    const int index = connection->scheduleIndex();
    if (index >= 0 && size_t(index) < m_due.size() && m_due[size_t(index)].connection == connection)
        m_due[size_t(index)].atMs = 0;
}

void Worker::deliver(quint64 id, Delivery delivery)
{
    const Qt::HANDLE own = m_threadId.load(std::memory_order_relaxed);
    if (own ? QThread::currentThreadId() == own : QThread::currentThread() == thread()) {
        handOut(id, delivery);
        return;
    }
    QMetaObject::invokeMethod(
        this, [this, id, d = std::move(delivery)]() { handOut(id, d); }, Qt::QueuedConnection);
}

void Worker::handOut(quint64 id, const Delivery &delivery)
{
    if (Connection *target = m_connections.value(id)) {
        target->deliver(delivery);
        return;
    }
    // Gone before a join's answer arrived: undo the membership so the room does not keep it.
    if (!delivery.joined.isEmpty())
        leftRooms({delivery.joined}, id);
}

Worker *Worker::workerFor(const QString &room) const
{
    return m_workers.at(RoomDirectory::indexFor(room, m_workers.size()));
}

void Worker::leftRooms(const QSet<QString> &rooms, quint64 id)
{
    // Always queued, even to this thread: this may run inside a broadcast loop of the very room
    // being left (a slow client dropped mid-broadcast).
    for (const QString &room : rooms) {
        Worker *owner = workerFor(room);
        QMetaObject::invokeMethod(
            owner, [owner, room, id]() { owner->rooms().leave(room, id); }, Qt::QueuedConnection);
    }
}

std::optional<QByteArray> Worker::http(const HttpRequest &request, quint64 connection)
{
    return HttpRouter(m_context, m_directory).route(request, connection, this);
}

qsizetype Worker::bodyLimit(const HttpRequest &head, const QHostAddress &peer) const
{
    return HttpRouter(m_context, m_directory).bodyLimit(head, peer);
}

void Worker::command(Connection *connection, SessionCommand command)
{
    CommandRequest request;
    request.caller.session = command.session;
    request.caller.connection = command.connection;
    request.caller.requestId = command.frame.requestId;
    request.caller.protocolVersion = command.protocolVersion;
    request.room = std::move(command.room);
    request.address = std::move(command.address);
    request.frame = std::move(command.frame);
    request.receivedNs = command.receivedNs;

    Worker *owner = workerFor(request.room);
    if (command.mayMove && owner != this) {
        // Hand the connection (socket included) to the room's thread, so its traffic needs no
        // hops. Not from here: this thread may still be inside the read that carried the join,
        // with more frames to queue behind it, and once moved only the new thread may touch the
        // connection. So the move comes after the current event.
        QMetaObject::invokeMethod(
            connection,
            [connection, owner, request = std::move(request)]() mutable {
                if (connection->isClosed())
                    return; // its leave for the joined room is already on its way
                connection->handOver(owner->thread(), owner);
                request.home = owner;
                // The command follows the connection through the target's queue, after
                // attach(). Nothing here touches the connection from now on.
                QMetaObject::invokeMethod(
                    owner,
                    [owner, connection, request = std::move(request)]() mutable {
                        owner->attach(connection);
                        owner->rooms().execute(std::move(request));
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
        return;
    }
    request.home = this;
    if (owner == this) {
        m_rooms->execute(std::move(request));
        return;
    }
    QMetaObject::invokeMethod(
        owner,
        [owner, request = std::move(request)]() mutable {
            owner->rooms().execute(std::move(request));
        },
        Qt::QueuedConnection);
}

void Worker::closeAll()
{
    const auto connections = m_connections;
    for (Connection *connection : connections)
        connection->shutdown();
}

void Worker::sweep()
{
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    // Collected first: a tick may close its connection (and others, through a room), which
    // changes m_due. Closed connections are deleted later (deleteLater), so the pointers hold.
    std::vector<Connection *> due;
    for (const Due &entry : m_due) {
        if (entry.atMs <= nowMs)
            due.push_back(entry.connection);
    }
    for (Connection *connection : due) {
        if (connection->scheduleIndex() < 0)
            continue; // closed by an earlier tick of this sweep
        const qint64 next = connection->tick(nowMs);
        const int index = connection->scheduleIndex();
        if (index >= 0)
            m_due[size_t(index)].atMs = next;
    }
    m_rooms->housekeep();
    m_context.metrics().replicaCopies[size_t(m_index)].store(m_rooms->replicaCount(),
                                                             std::memory_order_relaxed);
}

} // namespace ic::server
