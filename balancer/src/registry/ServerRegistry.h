#pragma once
// The balancer's registry: what the HTTP controllers ask about servers and rooms. It puts three
// pieces together and does their I/O and timing:
//   ServerTable - the servers, registration, health and load (docs: "Health and the room map");
//   RoomMap     - the room -> server map and the rooms in transit;
//   RoomPlacer  - where a room goes, and the placements that wait.
// Here: GET /hw probes and GET /internal/rooms reads (UpstreamClient), the 250 ms ticker, the
// warm-up timer, the consequences of a server going out (its rooms leave the map, counted as
// lost when confirmed - RoomMap; its rooms in transit go to their target) and the handoff calls.
//
// To avoid placing a room twice right after a balancer restart, placement of *unknown* rooms
// waits until the warm-up has passed (default 2.5 heartbeat intervals: every running server has
// sent a heartbeat by then and so is known again) and no first room-list read is in flight; a
// server gets new rooms only once its room list has been read.
//
// Handoff (a drained or stopping server moves its rooms to other servers): while a room is in
// transit (between /internal/handoff/target and done/failed) placements of it wait, at most
// maxTransitWaitMs, and are then answered with the room's holder.
//
// Replicas and failover: a server asks /internal/replica/target for the server that keeps a
// copy of one of its rooms; the map records it. A server holding rooms with replicas is watched
// closely (FailureDetector). When a server goes out, its rooms with a live replica are in transit
// (placements wait, as in a handoff) while one POST /internal/replica/promote per replica server
// turns the copies into rooms; promoted rooms map to that server, the others are lost.

#include "registry/RoomMap.h"
#include "registry/RoomPlacer.h"
#include "registry/ServerInfo.h"
#include "registry/ServerTable.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>
#include <functional>
#include <optional>

namespace ic::balancer {

class UpstreamClient;
struct UpstreamResult;

struct RegistryOptions
{
    QStringList staticServers;
    int heartbeatIntervalSeconds = 2;
    int probeIntervalMs = 2000;
    double loadCeiling = 0.9;
    int warmUpMs = 5000;
    int resyncIntervalMs = 30000;
    // A dead self-registered server stays known (and in /sd, so its InstantchatServerDown alert
    // keeps firing) this long; 0 = until an admin forgets it (forgetServer).
    qint64 forgetDeadAfterMs = 24LL * 3600 * 1000;
    // New rooms placed per second from everybody together, burst 10 s worth; 0 = no bound.
    // Per-client limits alone do not hold against rotating addresses.
    double newRoomsPerSecond = 0;
    // Tests (the registry model): a clock in milliseconds instead of the real one, and no timers
    // - the test calls tick() itself; the warm-up then ends at the first tick at or after
    // warmUpMs.
    std::function<qint64()> clock;
    bool manualTicks = false;
};

class ServerRegistry : public QObject
{
    Q_OBJECT
public:
    ServerRegistry(RegistryOptions options, UpstreamClient *upstream, QObject *parent = nullptr);

    void start();

    // POST /internal/heartbeat: registers or refreshes a server. `source` is the IP address
    // the heartbeat came from: a registration is bound to it, and while it is current (not
    // expired by missed heartbeats, not deregistered) heartbeats and deregistrations for the
    // same id from any other source are refused (409 / 403). Loads are clamped to sane ranges.
    // Returns the refusal, or nothing when accepted.
    std::optional<RegistryRefusal> heartbeat(const QJsonObject &body, const QString &source);
    std::optional<RegistryRefusal> deregister(const QString &id, const QString &source);

    // Places a canonical room name; may answer later (warm-up, room lists being read, the room
    // in transit).
    void place(const QString &room, std::function<void(const Placement &)> done);
    // A room placed on a server the proxy could not reach: probe it now.
    void reportUnreachable(const QString &serverId);
    // Forgets the room's placement (after an admin deleted it).
    void forgetRoom(const QString &room);
    // The live server a room is placed on; empty when none.
    QString serverOfRoom(const QString &room) const;

    // Up to `count` suffixes s (2, 3, ...) such that "<room>-s" is a valid, unplaced name.
    QStringList freeSuffixes(const QString &room, int count) const;

    // Expiry, forgetting, probes, room-list reads and transit waits that are due; the ticker
    // calls it every 250 ms (tests with manualTicks call it themselves).
    void tick();

    // Handoff, for the server `id` calling from `source` (bound like heartbeats). Each returns
    // the refusal, or nothing when accepted.
    // begin: marks the server drained (until it stops); *handoff = whether another live,
    // undrained server exists to take its rooms.
    std::optional<RegistryRefusal> beginHandoff(const QString &id, const QString &source,
                                                bool *handoff);
    // target: the least-loaded live, undrained server other than `id` for the canonical `room`
    // (held by `id`); the room is in transit from then on.
    std::optional<RegistryRefusal> handoffTarget(const QString &id, const QString &room,
                                                 const QString &source, ServerInfo *target);
    std::optional<RegistryRefusal> handoffDone(const QString &id, const QString &room,
                                               const QString &to, const QString &source);
    std::optional<RegistryRefusal> handoffFailed(const QString &id, const QString &room,
                                                 const QString &source);
    // Replica target, for the server `id` (the room's holder, or the room not placed yet)
    // calling from `source`: the least-loaded live, undrained server other than `id`, recorded
    // as the room's replica. 503 none, 409 the room is on another live server or failing over.
    std::optional<RegistryRefusal> replicaTarget(const QString &id, const QString &room,
                                                 const QString &source, ServerInfo *target);
    // The room's replica server; empty when none.
    QString replicaOf(const QString &room) const { return m_rooms.replica(room); }
    // Copies a server holds (rooms whose replica it is).
    int replicaCount(const QString &serverId) const { return m_rooms.replicaCount(serverId); }
    // The heartbeat answer's "handoff": drained, and another live, undrained server exists.
    bool shouldHandOff(const QString &id) const { return m_servers.shouldHandOff(id); }
    // A live, undrained server other than `id` exists.
    bool hasHandoffTarget(const QString &id) const { return m_servers.hasHandoffTarget(id); }
    int roomsInTransit() const { return m_rooms.transitCount(); }
    bool inTransit(const QString &room) const { return m_rooms.inTransit(room); }

    QList<ServerInfo> servers() const { return m_servers.servers(); }
    std::optional<ServerInfo> server(const QString &id) const;
    bool isLive(const QString &id) const { return m_servers.isLive(id); }
    bool setDrained(const QString &id, bool drained) { return m_servers.setDrained(id, drained); }
    // Admin: drops a dead, self-registered server from the list (and /sd). Returns an error
    // sentence when the server is unknown, alive or static.
    std::optional<QString> forgetServer(const QString &id);
    int roomCount(const QString &serverId) const { return m_rooms.roomCount(serverId); }
    int liveCount() const { return m_servers.liveCount(); }
    bool readyForNewRooms() const { return m_placer.readyForNewRooms(m_servers); }

signals:
    void serversChanged(int up, int known);
    // Handoff figures for the metrics.
    void roomMoved();
    void moveFailed();
    // Confirmed rooms gone with their server (no live copy, or its promotion failed).
    void roomsLost(int count);
    void transitChanged(int roomsInTransit);
    // A failover ended: rooms promoted, rooms lost, death noticed -> last promote answered.
    void failoverFinished(int promoted, int lost, double seconds);
    void replicatedRoomsChanged(int rooms);

private:
    using Done = RoomPlacer::Done;

    void probe(const QString &id);
    void fastProbe(const QString &id);
    // Its rooms with a live replica go in transit and are promoted there; the others are lost.
    // Returns how many confirmed rooms were lost at once; `*unused` counts the placements that
    // went with them which no server had confirmed (nobody came: nothing was lost).
    int failOver(const QString &id, int *unused);
    // Rooms whose failover transit from `from` to `to` has not ended yet.
    void promoted(const QString &from, const QString &to, const QStringList &rooms,
                  const UpstreamResult &result);
    // Forgets the room; true when it was confirmed, i.e. a room was really lost.
    bool loseRoom(const QString &room);
    void publishReplicas();
    void syncRooms(const QString &id);
    void syncFinished(const QString &id, bool ok, const QByteArray &body);
    // A server came up: its room list is read before it gets rooms.
    void cameUp(const QString &id);
    // A server went out (already marked in the table): its rooms leave the map.
    void wentOut(const QString &id, const QString &reason);
    void runReadinessWaiters();
    // Answers from the map as it is now (no transit wait).
    void placeNow(const QString &room, Done done);
    // Ends a transit; its waiters are answered from the map as it is then.
    void endTransit(const QString &room);
    void expireTransits();
    qint64 now() const { return m_options.clock ? m_options.clock() : m_clock.elapsed(); }
    void publish();

    RegistryOptions m_options;
    UpstreamClient *m_upstream;
    QElapsedTimer m_clock;
    ServerTable m_servers;
    RoomMap m_rooms;
    RoomPlacer m_placer;
    QTimer m_ticker;
    int m_publishedReplicated = -1;
    // Failovers under way: dead server -> when its death was noticed and promote calls pending.
    struct Failover
    {
        qint64 startedMs = 0;
        int pendingCalls = 0;
        int promoted = 0;
        int lost = 0;
    };
    QHash<QString, Failover> m_failovers;
};

} // namespace ic::balancer
