#pragma once
// The room -> server map and the rooms in transit between two servers. Pure state: what is
// placed where, which server holds each room's replica (its live copy), how many rooms each
// server holds, and which moves (handoffs, failovers) are under way.
//
// The map is soft state, rebuilt from each server's room list (applyRoomList): rooms a server
// holds are added (or taken over from a dead holder), rooms it no longer holds leave the map,
// except placements younger than `unconfirmedPlacementMs` whose first user has not arrived yet.
//
// An entry is *confirmed* once its holder has shown that the room exists there: the room is in
// the holder's room list, the holder asked for the room's replica or handoff target, or the room
// arrived there by a handoff or a promotion. A placement made for /pick_backend is unconfirmed
// until then (the user may never open the socket): losing it with its server loses nothing.

#include <QHash>
#include <QList>
#include <QSet>
#include <QStringList>
#include <functional>

namespace ic::balancer {

class RoomMap
{
public:
    // A placement that no server has confirmed yet (nobody joined) is kept this long through
    // room-list refreshes, so a page that is still opening its WebSocket keeps its server.
    static constexpr qint64 unconfirmedPlacementMs = 120 * 1000;

    struct Entry
    {
        QString serverId;
        qint64 placedMs = 0;
        QString replica;        // the server holding the room's copy; empty when none is known
        bool confirmed = false; // the holder has the room (see above)
    };
    struct Transit
    {
        QString from;
        QString to;
        qint64 sinceMs = 0;
        bool failover = false; // `from` died; `to` (the replica's server) is promoting its copy
    };

    bool contains(const QString &room) const { return m_rooms.contains(room); }
    // The server the room is placed on (alive or not); empty when not placed.
    QString holder(const QString &room) const;
    // Places (or moves) the room on `serverId` as of `nowMs`. A room that changes server loses
    // its replica: the new holder asks for a copy of its own. `confirmed`: the server has the
    // room already (it moved there); false for a new placement.
    void assign(const QString &room, const QString &serverId, qint64 nowMs, bool confirmed = false);
    // The holder has the room; no-op when the room is not placed.
    void confirm(const QString &room);
    bool confirmed(const QString &room) const;
    void forget(const QString &room);
    // Drops every room of the server; returns how many.
    int dropServer(const QString &serverId);
    // Rooms placed on the server.
    QStringList roomsOf(const QString &serverId) const;

    // Replicas. setReplica needs a placed room (false otherwise); `serverId` must not be the
    // room's holder (false).
    QString replica(const QString &room) const;
    bool setReplica(const QString &room, const QString &serverId);
    void clearReplica(const QString &room);
    // The server is gone: rooms whose copy it held have none now. Returns how many.
    int clearReplicasOn(const QString &serverId);
    // Rooms with a replica.
    int replicatedCount() const { return m_replicated; }
    // Copies on the server (rooms whose replica it is).
    int replicaCount(const QString &serverId) const { return m_perReplica.value(serverId); }
    // Rooms placed on the server that have a replica.
    int replicatedRoomsOf(const QString &serverId) const
    {
        return m_replicatedHere.value(serverId);
    }
    // The copies a server reports holding (GET /internal/rooms "replicas", after a balancer
    // restart): a room without a known replica gets this server as its replica (and is
    // confirmed); a copy of a room not in the map yet is remembered until the room's holder
    // reports it (applyRoomList).
    void applyReplicaList(const QString &serverId, const QSet<QString> &copies);
    // A server's entry took another id (a static server registering under its own id).
    void renameServer(const QString &from, const QString &to);
    int roomCount(const QString &serverId) const { return m_perServer.value(serverId); }
    int size() const { return int(m_rooms.size()); }

    // The room list of `serverId` as read: adds held rooms, confirmed (a holder that is not
    // `isLive` is replaced; a live one is kept and the room returned in `*conflicts`), confirms
    // its rooms already placed there, drops rooms it no longer holds unless placed within
    // unconfirmedPlacementMs.
    void applyRoomList(const QString &serverId, const QSet<QString> &held, qint64 nowMs,
                       const std::function<bool(const QString &)> &isLive,
                       QStringList *conflicts = nullptr);

    // Rooms moving from one server to another (handoff).
    const Transit *transit(const QString &room) const;
    bool inTransit(const QString &room) const { return m_transit.contains(room); }
    int transitCount() const { return int(m_transit.size()); }
    void beginTransit(const QString &room, const QString &from, const QString &to, qint64 nowMs,
                      bool failover = false);
    void endTransit(const QString &room) { m_transit.remove(room); }
    // Rooms in transit from or to the server.
    QStringList transitsOf(const QString &serverId) const;
    // Rooms in transit since before `nowMs - limitMs`.
    QStringList transitsOlderThan(qint64 nowMs, qint64 limitMs) const;

private:
    void setReplicaOf(Entry &entry, const QString &serverId);

    QHash<QString, Entry> m_rooms; // canonical room -> placement
    QHash<QString, int> m_perServer;
    QHash<QString, int> m_perReplica;     // copies per server
    QHash<QString, int> m_replicatedHere; // rooms with a replica per holder
    int m_replicated = 0;
    // Copies reported for rooms the map does not have yet: room -> server. Bounded by the copies
    // the servers hold (each at most --max-rooms); a server's entries go when it reports again
    // or goes out.
    QHash<QString, QString> m_copyHints;
    QHash<QString, Transit> m_transit; // canonical room -> its move
};

} // namespace ic::balancer
