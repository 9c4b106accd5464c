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

private:
    struct RoomEntry
    {
        QString serverId;
        qint64 placedMs = 0;
    };

    ServerInfo *find(const QString &id);
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
    QElapsedTimer m_clock;
    QTimer m_ticker;
    bool m_warm = false;
    ic::limits::TokenBucket m_newRooms;
};

} // namespace ic::balancer
