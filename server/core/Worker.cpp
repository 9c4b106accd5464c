#include "core/Worker.h"

#include "core/ServerContext.h"
#include "net/Connection.h"
#include "rooms/RoomHost.h"

#include <QDateTime>
#include <QThread>

namespace ic::server {

Worker::Worker(ServerContext &context, int index)
    : m_context(context), m_index(index), m_rooms(new RoomHost(context, this)),
      m_memberLimiter(context.settings().rateLimits ? 50.0 : 0.0, 100.0)
{
    m_sweep.setParent(this);
    m_sweep.setInterval(1000);
    connect(&m_sweep, &QTimer::timeout, this, &Worker::sweep);
}

Worker::~Worker()
{
    // Connections have no parent (they move between threads); they are ours to free.
    const auto connections = m_connections;
    m_connections.clear();
    for (Connection *connection : connections)
        delete connection;
}

void Worker::begin()
{
    m_sweep.start();
}

void Worker::adopt(qintptr descriptor)
{
    auto *connection = new Connection(m_context, this);
    if (!connection->start(descriptor)) {
        delete connection;
        return;
    }
    m_connections.insert(connection->id(), connection);
}

void Worker::attach(Connection *connection)
{
    // Closed while moving between threads: it is already on its way to deletion.
    if (connection->isClosed())
        return;
    m_connections.insert(connection->id(), connection);
    connection->attached(this);
}

void Worker::detach(Connection *connection)
{
    m_connections.remove(connection->id());
}

void Worker::deliver(quint64 id, Delivery delivery)
{
    if (Connection *target = m_connections.value(id)) {
        target->deliver(std::move(delivery));
        return;
    }
    // Gone before a join's answer arrived: undo the membership so the room does not keep it.
    if (!delivery.joined.isEmpty()) {
        Worker *owner = m_context.workerFor(delivery.joined);
        const QString room = delivery.joined;
        QMetaObject::invokeMethod(owner, [owner, room, id] { owner->rooms().leave(room, id); },
                                  Qt::QueuedConnection);
    }
}

void Worker::deliverFromAnywhere(quint64 id, Delivery delivery)
{
    if (QThread::currentThread() == thread()) {
        deliver(id, std::move(delivery));
        return;
    }
    QMetaObject::invokeMethod(this, [this, id, d = std::move(delivery)]() mutable { deliver(id, std::move(d)); },
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
    const auto connections = m_connections;
    for (Connection *connection : connections)
        connection->tick(nowMs);
    m_rooms->housekeep();
}

} // namespace ic::server
