#pragma once
// The rooms one worker thread owns, and the glue between Room logic and connections: routing of
// room results (each broadcast frame encoded once) to members through their RoomThread, password
// work on the pool, housekeeping. Runs only on its worker's thread. The plain-HTTP room calls
// (http/RoomCalls) use the room access below.

#include "core/AddressLimiter.h"
#include "rooms/ReplicaChannel.h"
#include "rooms/Requests.h"
#include "rooms/Room.h"
#include "rooms/RoomReplication.h"
#include "rooms/RoomThread.h"

#include <QHash>
#include <QObject>
#include <QSet>
#include <QStringList>
#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>

namespace ic::server {

class ServerContext;

struct RoomSummary
{
    QString name;
    qint64 users = 0;
    qint64 online = 0;
    qint64 messages = 0;
    qint64 createdAtNs = 0;
    qint64 lastActivityNs = 0;
};

class RoomHost : public QObject
{
    Q_OBJECT

public:
    RoomHost(ServerContext &context, RoomThread *thread, QObject *parent);
    ~RoomHost() override;

    ServerContext &context() { return m_context; }
    void execute(CommandRequest request);
    void leave(const QString &room, quint64 connection);

    QList<RoomSummary> summaries() const;
    void announceStatus(QLatin1StringView status);
    // Removes a room: members get ER 202 and a close. False when missing.
    bool deleteRoom(const QString &room);
    void housekeep();
    int roomCount() const { return int(m_rooms.size()); }

    // Room access for the plain-HTTP room calls (http/RoomCalls), on this thread. Calls that
    // change a room go through the RoomHost calls below (touch, postExternal), which record
    // them for the room's replica.
    Room *find(const QString &room);
    // An HTTP read of the room: counts as activity.
    void touch(const QString &room, qint64 nowNs);
    // A message sent over HTTP: Room::postExternal, recorded when it was stored. The caller
    // broadcasts the result (broadcast()) and answers once whenReplicated() says so.
    RoomResult postExternal(const QString &room, const QString &encodedText, qint64 nowNs,
                            qint64 *id = nullptr);
    // Runs `done(true)` on this thread once everything the room did so far is on its replica
    // (at once when the room has no replica or does not exist), `done(false)` when the room
    // was taken over by its copy first (replicaFenced): an HTTP answer waits for it.
    void whenReplicated(const QString &room, std::function<void(bool replicated)> done);
    // A new room, counted; the caller checked --max-rooms.
    Room &create(const QString &name, const QUuid &creator, PasswordHash password);
    // Sends over HTTP all come through the balancer's address, so they are limited per room.
    bool allowHttpSend(const QString &room, qint64 nowMs);
    // Password guesses per (client address, room). A room lives on one thread, so the key is
    // always seen by this host alone: exact, and without a lock.
    bool allowPasswordCheck(const QString &address, const QString &room);
    // A result that has no sender to answer (HTTP sends, leaves, evictions) to the members.
    void broadcast(const QString &room, RoomResult result, qint64 receivedNs);
    // Slow password work on the pool; `done` runs back on this thread.
    void hashNewPassword(const QString &password, std::function<void(PasswordHash)> done);
    void verifyPassword(const QString &password, const PasswordHash &hash,
                        std::function<void(bool)> done);

    // Handoff (rooms/RoomHostHandoff.cpp; the procedure is app/Handoff).
    QStringList roomNames() const;
    // Freezes a room and returns its snapshot (empty when there is no such room): every member
    // gets its queued frames, then a close 1012; commands and joins for it are then answered
    // with a close 1012 only, until unfreeze() or dropMoved().
    QByteArray freezeAndSnapshot(const QString &room);
    void unfreeze(const QString &room);
    // The room lives on another server now: deletes it; joins for its name still get a close
    // 1012 for a while (a client may have been told this server before the move).
    void dropMoved(const QString &room);
    // Frozen, or moved away a moment ago: HTTP room calls are refused meanwhile.
    bool isMoving(const QString &room) const;
    // A room restored from a snapshot (POST /internal/rooms/import), counted; the caller checked
    // that no room of its name is here and --max-rooms.
    void adopt(std::unique_ptr<Room> room);

    // Replicas (rooms/RoomHostReplica.cpp; docs/architecture.md "Replication batches").
    // Primary side: with a channel, every change of a room is recorded and shipped to its
    // replica, and every frame the room produces waits until the replica acknowledged the
    // records up to it. Null (the default) = replication off, today's behaviour and cost.
    void setReplicaChannel(ReplicaChannel *channel);
    // Answers from the channel for a room's batch in flight:
    void replicaAcked(const QString &room, quint64 seq); // frames up to seq are released
    void replicaResync(const QString &room);             // the next batch starts with Init
    // No target, a timeout or a network error: everything held is released at once, the room
    // is unreplicated, and a new copy (Init) is tried 1 s later (then backing off to 30 s).
    void replicaLost(const QString &room);
    // The copy was promoted elsewhere: the room is not ours any more. It goes, its members get
    // a close 1012, and its held frames are dropped (they were never on two servers).
    void replicaFenced(const QString &room);
    // Records waiting for a room's next batch (besides an Init at their head) are bounded: past
    // this many bytes (a replica that is slow to answer, a room that is very busy) they are
    // dropped and the next batch is an Init of the whole room instead, which carries every
    // change they did. Frames stay held until the replica acknowledged that Init, so an answer
    // still goes out only once its change is on the replica. Kept well under the batch bound
    // of /internal/replica/apply (a room snapshot + 8 MiB).
    static constexpr qsizetype maxReplicaBacklogBytes = 1024 * 1024;
    // Frames, deliveries and callbacks held for a room's replica are bounded too: past this
    // many bytes (a copy that has not answered yet, a big room that is very busy) they all go
    // out at once and the room goes on unreplicated, as after a lost replica, until its next
    // copy (an Init) a moment later. A frame shared by many members counts once, plus the
    // entry for each member.
    static constexpr qsizetype maxReplicaHeldBytes = 8 * 1024 * 1024;
    // Bytes held for the room's replica (0 for an unknown or unreplicated room).
    qsizetype replicaHeldBytes(const QString &room);
    // Bytes of records waiting for the room's next batch (0 for an unknown or unreplicated room).
    qsizetype replicaBacklogBytes(const QString &room);
    // Replica side (called by the http layer on the worker that owns the name). Copies are
    // kept apart from live rooms: they count nowhere as rooms, a join for a name held only as a
    // copy is closed with 1012 (like a moving room), and a copy without a batch for
    // --room-lifetime goes.
    struct ReplicaApplied
    {
        enum Status { Ok, Resync, Malformed, OverBudget, Promoted } status = Ok;
        quint64 seq = 0;
        QString error;
    };
    ReplicaApplied applyReplica(QByteArrayView batch);
    // The copy becomes a live room with everyone offline; false when there is no copy.
    bool promoteReplica(const QString &room);
    // Deletes a copy; false when there was none.
    bool dropReplica(const QString &room);
    QStringList replicaNames() const;
    int replicaCount() const { return int(m_copies.size()); }
    // Counted bytes of the copies' messages (kept apart from the live rooms' budget).
    qint64 replicaBytes() const { return m_replicaBytes.load(std::memory_order_relaxed); }

private:
    // A frame (or a whole delivery, or a callback) held until the replica acknowledged `seq`.
    struct Held
    {
        // A whole delivery or a callback (whenReplicated): out of line, so the common entry (a
        // broadcast frame for a member of this thread) stays small.
        struct Rest
        {
            Delivery delivery;
            std::function<void(bool)> done;
        };
        quint64 seq = 0;
        RoomThread *home = nullptr;
        quint64 connection = 0;
        QByteArray frame; // without `rest`: one plain frame for a member
        std::unique_ptr<Rest> rest;
        qsizetype bytes = 0; // what it counts against maxReplicaHeldBytes
    };
    // A room's replication state (only while a channel is set).
    struct Replication
    {
        quint64 lastRecorded = 0; // seq of the newest record
        quint64 acked = 0;        // the replica has every record up to here
        quint64 inFlight = 0;     // last seq of the batch in flight; 0 = none
        QByteArray records;       // recorded, not shipped yet
        quint32 count = 0;
        qsizetype initBytes = 0; // of an Init at the head of `records` (not bounded)
        // `records` went over maxReplicaBacklogBytes and were dropped: nothing is recorded until
        // the next batch, which is an Init made when it is shipped.
        bool initPending = false;
        bool lost = false; // unreplicated: nothing recorded or held until retryAtMs
        qint64 retryAtMs = 0;
        qint64 backoffMs = 0;
        std::deque<Held> held;
        qsizetype heldBytes = 0;
        bool holding() const { return !lost && (lastRecorded > acked || !held.empty()); }
    };
    struct Entry
    {
        std::unique_ptr<Room> room;
        QHash<quint64, RoomThread *> homes;       // member connection → the thread it lives on
        TokenBucket httpSends;                    // see allowHttpSend
        bool frozen = false;                      // being moved to another server
        std::unique_ptr<Replication> replication; // with a channel only
    };
    // A replica's copy of a room of another server.
    struct Copy
    {
        RoomReplication::Copy state;
        qint64 lastBatchMs = 0; // a copy without batches expires like an idle room
    };
    // A command or join for a room that is moving or moved: close 1012, no answer. True when
    // that was the case.
    bool refuseMoving(const CommandRequest &request, Entry *entry);
    void forgetMoved(qint64 nowMs);

    void join(CommandRequest request);
    void replyError(const CommandRequest &request, ErrorCode code);
    // Sends what a room call produced: each frame encoded once, to its members (through
    // send()), and with a `request` the sender's frames in one delivery that finishes it.
    // `receivedNs` (0: none) is when the cause arrived, for the broadcast latency.
    void route(Entry &entry, RoomResult result, qint64 receivedNs,
               const CommandRequest *request = nullptr);
    void send(Entry &entry, quint64 connection, const QByteArray &frame, bool close, quint16 code);
    // Hands a delivery to a connection's thread, or holds it while the room waits for its
    // replica.
    void deliver(Entry &entry, RoomThread *home, quint64 connection, Delivery delivery);
    static bool holding(const Entry &entry)
    {
        return entry.replication && entry.replication->holding();
    }
    // Recording (a no-op without replication): `append` writes one record with the next seq.
    template <typename Append> void record(Entry &entry, Append append);
    void recordInit(Entry &entry);
    // Ships the records made so far unless a batch is in flight. Runs once the current event
    // is handled (records of one event loop pass go in one batch), never inside a room call: a
    // channel may answer at once, and an answer may remove the room.
    void scheduleShip(const QString &room);
    void shipPending();
    void ship(const QString &room);
    // Holds a frame, delivery or callback until the records up to now are acknowledged.
    void hold(Entry &entry, Held item);
    void countBacklogInit();
    void release(Entry &entry, quint64 upTo);
    void releaseAll(Entry &entry);
    void startReplication(Entry &entry);
    void retryReplication(qint64 nowMs);
    // Removes a live room (its frames released first); the copy is dropped too unless `keepCopy`.
    void eraseRoom(const QString &room, bool keepCopy = false);
    void expireCopies(qint64 nowMs);
    Entry &addLive(std::unique_ptr<Room> room);
    Entry *entry(const QString &room);
    Entry &createEntry(const QString &name, const QUuid &creator, PasswordHash password);
    void updateOnline(qint64 delta);

    ServerContext &m_context;
    RoomThread *m_thread;
    std::unordered_map<QString, std::unique_ptr<Entry>> m_rooms;
    AddressBuckets m_passwordChecks;
    qint64 m_lastHousekeepMs = 0;
    QHash<QString, qint64> m_movedAway; // room → when it moved (ms)
    ReplicaChannel *m_channel = nullptr;
    std::unordered_map<QString, std::unique_ptr<Copy>> m_copies;
    std::atomic<qint64> m_replicaBytes{0};
    RoomSettings m_replicaSettings; // rooms' settings for copies (RoomReplication)
    QSet<QString> m_toShip;         // rooms with records to ship when this event ends
    bool m_shipScheduled = false;
};

template <typename Append> void RoomHost::record(Entry &entry, Append append)
{
    Replication *replication = entry.replication.get();
    if (!replication || replication->lost || replication->initPending)
        return;
    append(replication->records, ++replication->lastRecorded);
    ++replication->count;
    if (replication->records.size() - replication->initBytes > maxReplicaBacklogBytes) {
        replication->records.clear(); // frees the buffer
        replication->count = 0;
        replication->initBytes = 0;
        replication->initPending = true;
        countBacklogInit();
    }
    scheduleShip(entry.room->name());
}

} // namespace ic::server
