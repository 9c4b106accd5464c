#pragma once
// The servers the balancer knows (static --servers and self-registered ones), their health and
// load, and the room -> server map used for placement.
//
// Health: every known server is probed with GET /hw (every probe interval, sooner after a
// failure); 3 failed probes in a row take it out of placement. A registered server is also out
// when 3 heartbeat intervals pass without a heartbeat. A dead server's rooms are dropped from
// the map, so the next placement of such a room picks a live server.
//
// The map is soft state, rebuilt from each server's GET /internal/rooms when the server appears
// (start-up for static servers, (re)registration, revival) and every 30 s after. To avoid placing
// a room twice right after a balancer restart, placement of *unknown* rooms waits until
//   - the warm-up has passed (default 2.5 heartbeat intervals: every running server has sent a
//     heartbeat by then and so is known again), and
//   - no room-list read is in flight;
// and a server gets new rooms only once its room list has been read.
//
// Handoff (a drained or stopping server moves its rooms to other servers): while a room is in
// transit (between /internal/handoff/target and done/failed) placements of it wait, at most
// maxTransitWaitMs, and are then answered with the room's holder.

#include "limits/TokenBucket.h"
#include "registry/PlacementScore.h"
#include "registry/ServerInfo.h"

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QTimer>
#include <functional>
#include <optional>

namespace ic::balancer {

class UpstreamClient;

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

// Why a heartbeat or deregistration was refused: the HTTP status and an English sentence.
struct RegistryRefusal
{
    int status = 400;
    QString sentence;
};

struct Placement
{
    enum class Kind { Existing, New, Failed } kind = Kind::Failed;
    ServerInfo server; // valid unless Failed
    QString error;     // English sentence when Failed
};

// Bounds of the handoff bookkeeping (docs/limits.md).
constexpr int maxTransitWaitMs = 5000;   // a placement waits this long for a room in transit
constexpr int maxTransitWaiters = 1000;  // placements waiting for rooms in transit, together
constexpr int maxRoomsInTransit = 10000; // rooms in transit, together
constexpr qint64 transitLimitMs = 60000; // a transit without done/failed ends (as failed)

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

    // Places a canonical room name; may answer later (warm-up, room lists being read).
    void place(const QString &room, std::function<void(const Placement &)> done);
    // A room placed on a server the proxy could not reach: probe it now.
    void reportUnreachable(const QString &serverId);
    // Forgets the room's placement (after an admin deleted it).
    void forgetRoom(const QString &room);
    // The live server a room is placed on; empty when none.
    QString serverOfRoom(const QString &room) const;

    // Up to `count` suffixes s (2, 3, ...) such that "<room>-s" is a valid, unplaced name.
    QStringList freeSuffixes(const QString &room, int count) const;

    // Expiry, forgetting, probes and room-list reads that are due; the ticker calls it every
    // 250 ms (tests with manualTicks call it themselves).
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
    // The heartbeat answer's "handoff": drained, and another live, undrained server exists.
    bool shouldHandOff(const QString &id) const;
    // A live, undrained server other than `id` exists.
    bool hasHandoffTarget(const QString &id) const;
    int roomsInTransit() const { return int(m_transit.size()); }
    bool inTransit(const QString &room) const { return m_transit.contains(room); }

    QList<ServerInfo> servers() const;
    std::optional<ServerInfo> server(const QString &id) const;
    bool isLive(const QString &id) const;
    bool setDrained(const QString &id, bool drained);
    // Admin: drops a dead, self-registered server from the list (and /sd). Returns an error
    // sentence when the server is unknown, alive or static.
    std::optional<QString> forgetServer(const QString &id);
    int roomCount(const QString &serverId) const;
    int liveCount() const;
    bool readyForNewRooms() const;

signals:
    void serversChanged(int up, int known);
    // Handoff figures for the metrics.
    void roomMoved();
    void moveFailed();
    void roomsLost(int count);
    void transitChanged(int roomsInTransit);

private:
    struct RoomEntry
    {
        QString serverId;
        qint64 placedMs = 0;
    };

    using Done = std::function<void(const Placement &)>;
    struct Waiter
    {
        qint64 sinceMs = 0;
        Done done;
    };
    struct Transit
    {
        QString from;
        QString to;
        qint64 sinceMs = 0;
        QList<Waiter> waiters;
    };

    ServerInfo *find(const QString &id);
    std::optional<RegistryRefusal> checkCaller(const QString &id, const QString &source) const;
    void placeNow(const QString &room, Done done);
    // Ends a transit; its waiters are answered from the map as it is then.
    void endTransit(const QString &room);
    void expireTransits();
    void moveRoom(const QString &room, const QString &to);
    ServerInfo *findByAddress(const QString &address);
    void probe(const QString &id);
    void probeFinished(const QString &id, bool ok, const QJsonObject &hw);
    void markAlive(ServerInfo &server);
    void markDead(ServerInfo &server, const QString &reason);
    void syncRooms(const QString &id);
    void syncFinished(const QString &id, bool ok, const QByteArray &body);
    void runWaiters();
    Placement decide(const QString &room);
    qint64 now() const { return m_options.clock ? m_options.clock() : m_clock.elapsed(); }
    void publish();

    RegistryOptions m_options;
    UpstreamClient *m_upstream;
    QHash<QString, ServerInfo> m_servers; // by id
    QHash<QString, RoomEntry> m_rooms;    // canonical room -> placement
    QHash<QString, int> m_roomsPerServer;
    QList<std::pair<QString, std::function<void(const Placement &)>>> m_waiters;
    QHash<QString, Transit> m_transit; // canonical room -> its move
    int m_transitWaiters = 0;
    QElapsedTimer m_clock;
    QTimer m_ticker;
    bool m_warm = false;
    ic::limits::TokenBucket m_newRooms;
};

} // namespace ic::balancer
