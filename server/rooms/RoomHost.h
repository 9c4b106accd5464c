#pragma once
// The rooms one worker thread owns, and the glue between Room logic and connections: routing of
// room results (each broadcast frame encoded once) to members through their RoomThread, password
// work on the pool, housekeeping. Runs only on its worker's thread. The plain-HTTP room calls
// (http/RoomCalls) use the room access below.

#include "core/AddressLimiter.h"
#include "rooms/Requests.h"
#include "rooms/Room.h"
#include "rooms/RoomThread.h"

#include <QHash>
#include <QObject>
#include <QStringList>
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

    // Room access for the plain-HTTP room calls (http/RoomCalls), on this thread.
    Room *find(const QString &room);
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

private:
    struct Entry
    {
        std::unique_ptr<Room> room;
        QHash<quint64, RoomThread *> homes; // member connection → the thread it lives on
        TokenBucket httpSends;              // see allowHttpSend
        bool frozen = false;                // being moved to another server
    };
    // A command or join for a room that is moving or moved: close 1012, no answer. True when
    // that was the case.
    bool refuseMoving(const CommandRequest &request, Entry *entry);
    void forgetMoved(qint64 nowMs);

    void join(CommandRequest request);
    void replyError(const CommandRequest &request, ErrorCode code);
    void dispatch(Entry &entry, const CommandRequest &request, RoomResult result);
    void broadcastOnly(Entry &entry, RoomResult result, qint64 receivedNs);
    void send(Entry &entry, quint64 connection, const QByteArray &frame, bool close, quint16 code);
    Entry *entry(const QString &room);
    Entry &createEntry(const QString &name, const QUuid &creator, PasswordHash password);
    void updateOnline(qint64 delta);

    ServerContext &m_context;
    RoomThread *m_thread;
    std::unordered_map<QString, std::unique_ptr<Entry>> m_rooms;
    AddressBuckets m_passwordChecks;
    qint64 m_lastHousekeepMs = 0;
    QHash<QString, qint64> m_movedAway; // room → when it moved (ms)
};

} // namespace ic::server
