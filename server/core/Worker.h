#pragma once
// One worker thread's home object: the connections living on this thread and the rooms this
// thread owns (RoomHost). Every method runs on the worker's thread.

#include "core/AddressLimiter.h"
#include "core/FlushPolicy.h"
#include "core/Requests.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <vector>

namespace ic::server {

class Connection;
class RoomHost;
class ServerContext;

class Worker : public QObject
{
    Q_OBJECT

public:
    Worker(ServerContext &context, int index);
    ~Worker() override;

    int index() const { return m_index; }
    // Busy most of its time in the last measuring window (FlushPolicy): optional work (typing
    // signals) is dropped then.
    bool overloaded() const { return m_flushPolicy.busyShare() > FlushPolicy::startHoldingAbove; }
    RoomHost &rooms() { return *m_rooms; }
    ServerContext &context() { return m_context; }

    // Starts the housekeeping timer; call on the worker's thread.
    void begin();
    // A socket descriptor accepted by the listener.
    void adopt(qintptr descriptor);
    void attach(Connection *connection);
    void detach(Connection *connection);
    // A connection whose next deadline moved earlier (it started closing): look at it at the
    // next sweep rather than when it last asked to be.
    void checkSoon(Connection *connection);
    Connection *connection(quint64 id) const { return m_connections.value(id); }

    // Hands bytes to a connection of this worker. When it has gone meanwhile, a join it was
    // answered for is undone in the room, so the room does not keep a dead member.
    void deliver(quint64 connection, Delivery delivery);
    // From any thread: deliver on this worker's thread (directly when already there).
    void deliverFromAnywhere(quint64 connection, Delivery delivery);

    // A connection that wrote for the first time since its last flush; flushWrites sends it.
    void scheduleFlush(quint64 connection);
    // Graceful stop: close every connection with 1001.
    void closeAll();
    int connectionCount() const { return int(m_connections.size()); }
    // Member commands (messages, renames, votes, ...) per client address, on this thread only:
    // sessions are free to make, so the per-session buckets alone do not stop one address.
    // Per thread rather than shared, so the room path takes no lock.
    AddressBuckets &memberLimiter() { return m_memberLimiter; }

private:
    void sweep();
    void schedule(Connection *connection);
    void unschedule(Connection *connection);
    void beforeWait();
    void flushWrites();

    ServerContext &m_context;
    int m_index;
    RoomHost *m_rooms;
    QHash<quint64, Connection *> m_connections; // owned: deleted with deleteLater when closed
    QTimer m_sweep;
    // When each connection next wants its tick(), one flat entry per connection (its index is in
    // the connection): the sweep scans these 16 bytes each instead of visiting every connection.
    struct Due
    {
        qint64 atMs;
        Connection *connection;
    };
    std::vector<Due> m_due;
    AddressBuckets m_memberLimiter;
    // Ids, not pointers: a connection may close and be deleted before the flush comes round.
    std::vector<quint64> m_unflushed;
    std::vector<quint64> m_flushing; // kept between flushes for its capacity
    qint64 m_oldestWriteNs = 0;      // when m_unflushed got its first entry
    FlushPolicy m_flushPolicy;
    QTimer m_flushTimer;
};

} // namespace ic::server
