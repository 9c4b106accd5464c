#pragma once
// One worker thread's home object: the connections living on this thread and the rooms this
// thread owns (RoomHost). It is where the layers meet: to its connections it is their
// SessionHost (commands go to rooms, HTTP requests to the router), to its rooms their
// RoomThread (frames go to connections). Every method runs on the worker's thread unless it
// says otherwise.

#include "app/FlushPolicy.h"
#include "connection/SessionHost.h"
#include "core/AddressLimiter.h"
#include "rooms/Requests.h"
#include "rooms/RoomThread.h"

#include <QHash>
#include <QObject>
#include <QTimer>
#include <atomic>

#include <vector>

namespace ic::server {

class Connection;
class ReplicaLinks;
class RoomDirectory;
class RoomHost;
class ServerContext;

class Worker : public QObject, public SessionHost, public RoomThread
{
    Q_OBJECT

public:
    // `workers` and `directory` list every worker and its rooms; they are complete before any
    // connection arrives and outlive the workers (ServerApp).
    Worker(ServerContext &context, int index, const QList<Worker *> &workers,
           const RoomDirectory &directory);
    ~Worker() override;

    int index() const override { return m_index; }
    // Busy most of its time in the last measuring window (FlushPolicy): optional work (typing
    // signals) is dropped then.
    bool overloaded() const override
    {
        return m_flushPolicy.busyShare() > FlushPolicy::startHoldingAbove;
    }
    RoomHost &rooms() { return *m_rooms; }

    // Starts the housekeeping timer and, with --replication on and a balancer, the links to
    // the rooms' copies; call on the worker's thread.
    void begin();
    // A socket descriptor accepted by the listener.
    void adopt(qintptr descriptor);
    void attach(Connection *connection);
    void detach(Connection *connection) override;
    // A connection whose next deadline moved earlier (it started closing): look at it at the
    // next sweep rather than when it last asked to be.
    void checkSoon(Connection *connection) override;
    Connection *connection(quint64 id) const { return m_connections.value(id); }
    // The worker that owns a room (by canonical name).
    Worker *workerFor(const QString &room) const;

    // From any thread: bytes for a connection of this worker, handed over at once when called
    // on this thread, else queued here (see RoomThread).
    void deliver(quint64 connection, Delivery delivery) override;

    // A connection that wrote for the first time since its last flush; flushWrites sends it.
    void scheduleFlush(quint64 connection) override;
    void command(Connection *connection, SessionCommand command) override;
    std::optional<QByteArray> http(const HttpRequest &request, quint64 connection) override;
    qsizetype bodyLimit(const HttpRequest &head, const QHostAddress &peer) const override;
    void leftRooms(const QSet<QString> &rooms, quint64 connection) override;
    // Graceful stop: close every connection with 1001.
    void closeAll();
    // Member commands (messages, renames, votes, ...) per client address, on this thread only:
    // sessions are free to make, so the per-session buckets alone do not stop one address.
    // Per thread rather than shared, so the room path takes no lock.
    AddressBuckets &memberLimiter() override { return m_memberLimiter; }

private:
    // On this thread: the delivery to its connection. When that has gone meanwhile, a join it
    // was answered for is undone in the room, so the room does not keep a dead member.
    void handOut(quint64 connection, const Delivery &delivery);
    void sweep();
    void schedule(Connection *connection);
    void unschedule(Connection *connection);
    void beforeWait();
    void flushWrites();

    ServerContext &m_context;
    int m_index;
    const QList<Worker *> &m_workers;
    const RoomDirectory &m_directory;
    RoomHost *m_rooms;
    ReplicaLinks *m_replicaLinks = nullptr; // made in begin(), on this thread (its network)
    // This worker's thread, known from begin() on: deliver() compares it with the caller's for
    // every member of every broadcast, and QThread::currentThread() is dearer than this.
    std::atomic<Qt::HANDLE> m_threadId{nullptr};
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
