#include "registry/ServerRegistry.h"

#include "registry/UpstreamClient.h"
#include "validation/Validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QUrlQuery>
#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcRegistry, "balancer")

namespace ic::balancer {
namespace {

// A placement that no server has confirmed yet (nobody joined) is kept this long through
// room-list refreshes, so a page that is still opening its WebSocket keeps its server.
constexpr qint64 unconfirmedPlacementMs = 120 * 1000;
constexpr int tickMs = 250;
constexpr int roomsTimeoutMs = 3000;

QString idForAddress(const QString &address)
{
    QString id = address;
    const qsizetype colon = id.lastIndexOf(u':');
    if (colon > 0)
        id[colon] = u'-';
    return id;
}

bool validId(const QString &id)
{
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9._-]{1,128}")));
    return pattern.match(id).hasMatch();
}

bool validAddress(const QString &address)
{
    static const QRegularExpression pattern(QRegularExpression::anchoredPattern(
        QStringLiteral("[A-Za-z0-9._\\-\\[\\]:]{1,253}:[0-9]{1,5}")));
    if (!pattern.match(address).hasMatch())
        return false;
    const int port = address.mid(address.lastIndexOf(u':') + 1).toInt();
    return port > 0 && port < 65536;
}

// Heartbeat figures, clamped: a negative or absurd load must not attract (or repel) every new
// room. Counts up to 10 million, percentages up to 100 (a process's CPU up to 100 per core of a
// 1024-core host), memory up to 1 PiB.
constexpr double maxCount = 1e7;
constexpr double maxProcessCpu = 102400.0;
constexpr double maxPercent = 100.0;
constexpr double maxBytes = 1125899906842624.0;

double numberOf(const QJsonObject &o, const char *key, double maximum)
{
    const double value = o.value(QLatin1StringView(key)).toDouble();
    return std::isfinite(value) ? std::clamp(value, 0.0, maximum) : 0.0;
}

int intOf(const QJsonObject &o, const char *key)
{
    return int(std::llround(numberOf(o, key, maxCount)));
}

} // namespace

ServerRegistry::ServerRegistry(RegistryOptions options, UpstreamClient *upstream, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_upstream(upstream),
      m_newRooms(m_options.newRoomsPerSecond, 10.0 * m_options.newRoomsPerSecond)
{
    m_clock.start();
    m_ticker.setInterval(tickMs);
    connect(&m_ticker, &QTimer::timeout, this, &ServerRegistry::tick);
}

void ServerRegistry::start()
{
    for (const QString &address : std::as_const(m_options.staticServers)) {
        ServerInfo info;
        info.address = address;
        info.id = idForAddress(address);
        info.isStatic = true;
        m_servers.insert(info.id, info);
        // Probed right away: a live static server is read (room list) before it gets rooms.
        probe(info.id);
    }
    if (!m_options.manualTicks) {
        QTimer::singleShot(m_options.warmUpMs, this, [this] {
            m_warm = true;
            qCInfo(lcRegistry, "warm-up over: %d of %d servers live", liveCount(),
                   int(m_servers.size()));
            runWaiters();
        });
        m_ticker.start();
    }
    publish();
}

ServerInfo *ServerRegistry::find(const QString &id)
{
    auto it = m_servers.find(id);
    return it == m_servers.end() ? nullptr : &*it;
}

ServerInfo *ServerRegistry::findByAddress(const QString &address)
{
    for (ServerInfo &server : m_servers) {
        if (server.address == address)
            return &server;
    }
    return nullptr;
}

std::optional<RegistryRefusal> ServerRegistry::heartbeat(const QJsonObject &body,
                                                         const QString &source)
{
    const QString id = body.value(QLatin1StringView("id")).toString();
    const QString address = body.value(QLatin1StringView("address")).toString();
    if (!validId(id))
        return RegistryRefusal{
            400, QStringLiteral("the server id must be 1 to 128 letters, digits, '.', '_' or '-'")};
    if (!validAddress(address))
        return RegistryRefusal{400, QStringLiteral("the address must be host:port")};
    ServerInfo *server = find(id);
    if (server && server->registered && server->registeredFrom != source) {
        qCWarning(lcRegistry, "heartbeat for server %s from %s refused: registered from %s",
                  qPrintable(id), qPrintable(source), qPrintable(server->registeredFrom));
        return RegistryRefusal{
            409, QStringLiteral("server id %1 is registered from another address; it can be "
                                "taken over only after its registration expires")
                     .arg(id)};
    }
    if (!server) {
        // A static entry for the same address takes the id the server calls itself, unless a
        // registration from elsewhere currently holds that entry.
        ServerInfo *byAddress = findByAddress(address);
        if (byAddress && byAddress->registered && byAddress->registeredFrom != source)
            return RegistryRefusal{
                409, QStringLiteral("the address %1 is registered by another server").arg(address)};
        if (byAddress) {
            ServerInfo moved = *byAddress;
            const QString oldId = moved.id;
            m_servers.remove(oldId);
            moved.id = id;
            for (RoomEntry &room : m_rooms) {
                if (room.serverId == oldId)
                    room.serverId = id;
            }
            m_roomsPerServer.insert(id, m_roomsPerServer.take(oldId));
            server = &*m_servers.insert(id, moved);
        } else {
            ServerInfo info;
            info.id = id;
            server = &*m_servers.insert(id, info);
            qCInfo(lcRegistry, "server %s registered at %s from %s", qPrintable(id),
                   qPrintable(address), qPrintable(source));
        }
    }
    if (server->address != address && !server->address.isEmpty())
        qCInfo(lcRegistry, "server %s moved to %s", qPrintable(id), qPrintable(address));
    server->address = address;
    server->version = body.value(QLatin1StringView("version")).toString().left(64);
    server->registered = true;
    server->registeredFrom = source;
    server->lastHeartbeatMs = now();
    server->lastContactMs = now();
    const QJsonObject load = body.value(QLatin1StringView("load")).toObject();
    server->load.connections = intOf(load, "connections");
    server->load.rooms = intOf(load, "rooms");
    server->load.usersOnline = intOf(load, "usersOnline");
    server->load.maxConnections = intOf(load, "maxConnections");
    server->load.cpu = numberOf(load, "cpu", maxProcessCpu);
    server->load.rss = numberOf(load, "rss", maxBytes);
    server->load.hostCpu = numberOf(load, "hostCpu", maxPercent);
    server->load.hostMem = numberOf(load, "hostMem", maxPercent);
    if (!server->alive) {
        server->failedProbes = 0;
        markAlive(*server);
    }
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::deregister(const QString &id, const QString &source)
{
    ServerInfo *server = find(id);
    if (!server)
        return RegistryRefusal{404, QStringLiteral("this server is not known")};
    // Only the registration's own source may end it; a server that is not registered (static,
    // or expired) is not registered by anybody, so nobody may take it out this way.
    if (!server->registered || server->registeredFrom != source) {
        qCWarning(lcRegistry, "deregistration of server %s from %s refused", qPrintable(id),
                  qPrintable(source));
        return RegistryRefusal{
            403, QStringLiteral("only the address that registered this server may deregister it")};
    }
    qCInfo(lcRegistry, "server %s deregistered", qPrintable(id));
    if (server->alive)
        markDead(*server, QStringLiteral("deregistered"));
    server->registered = false;
    server->registeredFrom.clear();
    if (!server->isStatic)
        m_servers.remove(id);
    publish();
    return std::nullopt;
}

std::optional<QString> ServerRegistry::forgetServer(const QString &id)
{
    const ServerInfo *server = find(id);
    if (!server)
        return QStringLiteral("this server is not known");
    if (server->isStatic)
        return QStringLiteral("this server is in --servers; remove it there");
    if (server->alive || server->registered)
        return QStringLiteral("this server is alive; stop it first (it deregisters itself)");
    qCInfo(lcRegistry, "server %s forgotten by an admin", qPrintable(id));
    m_servers.remove(id);
    publish();
    return std::nullopt;
}

void ServerRegistry::tick()
{
    const qint64 t = now();
    expireTransits();
    if (m_options.manualTicks && !m_warm && t >= m_options.warmUpMs) {
        m_warm = true;
        runWaiters();
    }
    const qint64 heartbeatLimit = qint64(m_options.heartbeatIntervalSeconds) * 3000;
    QStringList toProbe, toSync, toForget;
    for (ServerInfo &server : m_servers) {
        if (server.registered && t - server.lastHeartbeatMs > heartbeatLimit) {
            // The registration expires (also for a server already out after failed probes):
            // its id may then be registered from another address.
            server.registered = false;
            server.registeredFrom.clear();
            if (server.alive && !server.isStatic)
                markDead(server, QStringLiteral("missed 3 heartbeats"));
        }
        if (!server.alive && !server.isStatic && !server.registered &&
            m_options.forgetDeadAfterMs > 0 && t - server.diedAtMs > m_options.forgetDeadAfterMs)
            toForget.append(server.id);
        if (!server.probeInFlight && t >= server.nextProbeMs &&
            (server.isStatic || server.registered || server.alive))
            toProbe.append(server.id);
        if (server.alive && !server.syncInFlight && t >= server.nextSyncMs)
            toSync.append(server.id);
    }
    for (const QString &id : std::as_const(toForget))
        m_servers.remove(id);
    for (const QString &id : std::as_const(toProbe))
        probe(id);
    for (const QString &id : std::as_const(toSync))
        syncRooms(id);
    if (!toForget.isEmpty())
        publish();
}

void ServerRegistry::probe(const QString &id)
{
    ServerInfo *server = find(id);
    if (!server || server->probeInFlight)
        return;
    server->probeInFlight = true;
    server->nextProbeMs = now() + m_options.probeIntervalMs;
    const int timeout = qMin(m_options.probeIntervalMs, 2000);
    m_upstream->get(server->address, QStringLiteral("/hw"), timeout, this,
                    [this, id](const UpstreamResult &r) {
                        const QJsonDocument doc = QJsonDocument::fromJson(r.body);
                        probeFinished(id, r.status == 200 && doc.isObject(), doc.object());
                    });
}

void ServerRegistry::probeFinished(const QString &id, bool ok, const QJsonObject &hw)
{
    ServerInfo *server = find(id);
    if (!server)
        return;
    server->probeInFlight = false;
    if (ok) {
        server->failedProbes = 0;
        server->lastContactMs = now();
        // Heartbeats carry the fuller report; /hw fills in for servers that do not send them.
        // /hw's cpu is the host's (v1 meaning), not the server process's.
        if (!server->registered) {
            server->load.hostCpu = hw.value(QLatin1StringView("cpu")).toDouble();
            server->load.hostMem = hw.value(QLatin1StringView("ram")).toDouble();
            server->load.usersOnline = intOf(hw, "uo");
        }
        if (!server->alive && (server->isStatic || server->registered))
            markAlive(*server);
        return;
    }
    ++server->failedProbes;
    // A failed probe is repeated after half an interval: a killed server is out within about
    // two probe intervals instead of three.
    server->nextProbeMs = now() + m_options.probeIntervalMs / 2;
    if (server->alive && server->failedProbes >= 3)
        markDead(*server, QStringLiteral("3 failed probes"));
}

void ServerRegistry::markAlive(ServerInfo &server)
{
    server.alive = true;
    server.roomsSynced = false;
    server.nextSyncMs = 0;
    qCInfo(lcRegistry, "server %s at %s is up", qPrintable(server.id), qPrintable(server.address));
    syncRooms(server.id);
    publish();
}

void ServerRegistry::markDead(ServerInfo &server, const QString &reason)
{
    server.alive = false;
    server.roomsSynced = false;
    server.diedAtMs = now();
    if (server.stopping) {
        server.stopping = false;
        server.drained = false;
    }
    // Rooms in transit from it go to their target (which has them if the import got through;
    // otherwise the next join there creates the room, as any new placement would); rooms in
    // transit to it stay with their source.
    QStringList ended;
    for (auto it = m_transit.begin(); it != m_transit.end(); ++it) {
        if (it->from == server.id && isLive(it->to)) {
            moveRoom(it.key(), it->to);
            ended.append(it.key());
        } else if (it->from == server.id || it->to == server.id) {
            emit moveFailed();
            ended.append(it.key());
        }
    }
    int dropped = 0;
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->serverId == server.id) {
            it = m_rooms.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    m_roomsPerServer.remove(server.id);
    qCWarning(lcRegistry, "server %s at %s is out of placement (%s); %d rooms dropped",
              qPrintable(server.id), qPrintable(server.address), qPrintable(reason), dropped);
    if (dropped > 0)
        emit roomsLost(dropped);
    for (const QString &room : std::as_const(ended))
        endTransit(room);
    publish();
    runWaiters();
}

void ServerRegistry::syncRooms(const QString &id)
{
    ServerInfo *server = find(id);
    if (!server || server->syncInFlight)
        return;
    server->syncInFlight = true;
    server->nextSyncMs = now() + m_options.resyncIntervalMs;
    m_upstream->get(
        server->address, QStringLiteral("/internal/rooms"), roomsTimeoutMs, this,
        [this, id](const UpstreamResult &r) { syncFinished(id, r.status == 200, r.body); });
}

void ServerRegistry::syncFinished(const QString &id, bool ok, const QByteArray &body)
{
    ServerInfo *server = find(id);
    if (!server)
        return;
    server->syncInFlight = false;
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (!ok || !doc.isObject() || !server->alive) {
        if (server->alive) {
            qCWarning(lcRegistry, "cannot read the room list of server %s", qPrintable(id));
            server->nextSyncMs = now() + 1000;
        }
        runWaiters();
        return;
    }
    QSet<QString> held;
    const QJsonArray rooms = doc.object().value(QLatin1StringView("rooms")).toArray();
    for (const QJsonValue &value : rooms) {
        const QString name = ic::validation::canonicalRoomName(
            value.toObject().value(QLatin1StringView("name")).toString());
        if (name.isEmpty())
            continue;
        held.insert(name);
        auto it = m_rooms.find(name);
        if (it == m_rooms.end()) {
            m_rooms.insert(name, RoomEntry{id, now()});
            ++m_roomsPerServer[id];
        } else if (it->serverId != id) {
            const ServerInfo *other = find(it->serverId);
            if (!other || !other->alive) {
                --m_roomsPerServer[it->serverId];
                it->serverId = id;
                ++m_roomsPerServer[id];
            } else {
                // Two servers hold the same name: only possible after a split brain; the
                // mapping that clients already use is kept.
                qCWarning(lcRegistry, "room held by both %s and %s; keeping %s",
                          qPrintable(it->serverId), qPrintable(id), qPrintable(it->serverId));
            }
        }
    }
    // Rooms the server no longer holds (expired, deleted) leave the map, except fresh
    // placements whose first user has not arrived yet.
    const qint64 t = now();
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->serverId == id && !held.contains(it.key()) &&
            t - it->placedMs > unconfirmedPlacementMs) {
            --m_roomsPerServer[id];
            it = m_rooms.erase(it);
        } else {
            ++it;
        }
    }
    if (!server->roomsSynced)
        qCInfo(lcRegistry, "server %s holds %d rooms", qPrintable(id), int(held.size()));
    server->roomsSynced = true;
    runWaiters();
}

bool ServerRegistry::readyForNewRooms() const
{
    if (!m_warm)
        return false;
    for (const ServerInfo &server : m_servers) {
        if (server.alive && server.syncInFlight && !server.roomsSynced)
            return false;
    }
    return true;
}

void ServerRegistry::place(const QString &room, std::function<void(const Placement &)> done)
{
    const auto transit = m_transit.find(room);
    if (transit == m_transit.end()) {
        placeNow(room, std::move(done));
        return;
    }
    if (m_transitWaiters >= maxTransitWaiters) {
        done(Placement{Placement::Kind::Failed,
                       {},
                       QStringLiteral("This room is moving to another chat server. Please try "
                                      "again in a moment.")});
        return;
    }
    transit->waiters.append(Waiter{now(), std::move(done)});
    ++m_transitWaiters;
}

void ServerRegistry::placeNow(const QString &room, Done done)
{
    const auto it = m_rooms.constFind(room);
    if (it != m_rooms.constEnd()) {
        const ServerInfo *server =
            m_servers.contains(it->serverId) ? &m_servers[it->serverId] : nullptr;
        if (server && server->alive) {
            done(Placement{Placement::Kind::Existing, *server, {}});
            return;
        }
    }
    if (!readyForNewRooms()) {
        m_waiters.append({room, std::move(done)});
        return;
    }
    done(decide(room));
}

void ServerRegistry::runWaiters()
{
    if (m_waiters.isEmpty() || !readyForNewRooms())
        return;
    const auto waiters = std::exchange(m_waiters, {});
    for (const auto &[room, done] : waiters)
        place(room, done);
}

Placement ServerRegistry::decide(const QString &room)
{
    const auto it = m_rooms.constFind(room);
    if (it != m_rooms.constEnd() && isLive(it->serverId))
        return Placement{Placement::Kind::Existing, m_servers.value(it->serverId), {}};
    QList<PlacementCandidate> candidates;
    for (const ServerInfo &server : std::as_const(m_servers)) {
        PlacementCandidate c;
        c.id = server.id;
        c.connections = server.load.connections;
        c.maxConnections = server.load.maxConnections;
        // Only the server process's own CPU (from heartbeats) counts: the host's CPU is shared
        // with other programs (and with other servers on the same host).
        c.cpuPercent = server.registered ? server.load.cpu : 0.0;
        c.rooms = qMax(server.load.rooms, m_roomsPerServer.value(server.id));
        c.eligible = server.alive && !server.drained && server.roomsSynced;
        candidates.append(c);
    }
    const QString chosen = chooseServer(candidates, m_options.loadCeiling);
    if (!chosen.isEmpty() && !m_newRooms.take(now()))
        return Placement{Placement::Kind::Failed,
                         {},
                         QStringLiteral("Too many new rooms are being opened right now. Please "
                                        "try again in a minute.")};
    if (chosen.isEmpty()) {
        const bool anyAlive = liveCount() > 0;
        return Placement{
            Placement::Kind::Failed,
            {},
            anyAlive ? QStringLiteral(
                           "Every chat server is busy right now. Please try again in a minute.")
                     : QStringLiteral(
                           "No chat server is available right now. Please try again in a minute.")};
    }
    if (it != m_rooms.constEnd())
        --m_roomsPerServer[it->serverId];
    m_rooms.insert(room, RoomEntry{chosen, now()});
    ++m_roomsPerServer[chosen];
    return Placement{Placement::Kind::New, m_servers.value(chosen), {}};
}

void ServerRegistry::reportUnreachable(const QString &serverId)
{
    if (ServerInfo *server = find(serverId)) {
        server->nextProbeMs = 0;
        if (!server->probeInFlight)
            probe(serverId);
    }
}

void ServerRegistry::forgetRoom(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    --m_roomsPerServer[it->serverId];
    m_rooms.erase(it);
}

QString ServerRegistry::serverOfRoom(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it != m_rooms.constEnd() && isLive(it->serverId) ? it->serverId : QString();
}

QStringList ServerRegistry::freeSuffixes(const QString &room, int count) const
{
    QStringList suffixes;
    for (int n = 2; n < 1000 && suffixes.size() < count; ++n) {
        const QString suffix = QString::number(n);
        const QString candidate = room + u'-' + suffix;
        if (ic::validation::checkRoomName(candidate) != ic::proto::ErrorCode::None)
            break; // longer suffixes will not fit either
        const auto it = m_rooms.constFind(candidate);
        if (it == m_rooms.constEnd() || !isLive(it->serverId))
            suffixes.append(suffix);
    }
    return suffixes;
}

QList<ServerInfo> ServerRegistry::servers() const
{
    QList<ServerInfo> list = m_servers.values();
    std::sort(list.begin(), list.end(),
              [](const ServerInfo &a, const ServerInfo &b) { return a.id < b.id; });
    return list;
}

std::optional<ServerInfo> ServerRegistry::server(const QString &id) const
{
    const auto it = m_servers.constFind(id);
    if (it == m_servers.constEnd())
        return std::nullopt;
    return *it;
}

bool ServerRegistry::isLive(const QString &id) const
{
    const auto it = m_servers.constFind(id);
    return it != m_servers.constEnd() && it->alive;
}

bool ServerRegistry::setDrained(const QString &id, bool drained)
{
    ServerInfo *server = find(id);
    if (!server)
        return false;
    server->drained = drained;
    server->stopping = false; // an admin's drain outlives a restart
    qCInfo(lcRegistry, "server %s %s", qPrintable(id), drained ? "drained" : "back in placement");
    return true;
}

int ServerRegistry::roomCount(const QString &serverId) const
{
    return m_roomsPerServer.value(serverId);
}

int ServerRegistry::liveCount() const
{
    int live = 0;
    for (const ServerInfo &server : m_servers)
        live += server.alive ? 1 : 0;
    return live;
}

std::optional<RegistryRefusal> ServerRegistry::checkCaller(const QString &id,
                                                           const QString &source) const
{
    const auto it = m_servers.constFind(id);
    if (it == m_servers.constEnd())
        return RegistryRefusal{404, QStringLiteral("this server is not known")};
    if (!it->registered || it->registeredFrom != source) {
        qCWarning(lcRegistry, "handoff call for server %s from %s refused", qPrintable(id),
                  qPrintable(source));
        return RegistryRefusal{
            403, QStringLiteral("only the address that registered this server may act for it")};
    }
    return std::nullopt;
}

bool ServerRegistry::hasHandoffTarget(const QString &id) const
{
    for (const ServerInfo &server : m_servers) {
        if (server.id != id && server.alive && !server.drained)
            return true;
    }
    return false;
}

bool ServerRegistry::shouldHandOff(const QString &id) const
{
    const auto it = m_servers.constFind(id);
    return it != m_servers.constEnd() && it->drained && hasHandoffTarget(id);
}

std::optional<RegistryRefusal> ServerRegistry::beginHandoff(const QString &id,
                                                            const QString &source, bool *handoff)
{
    if (auto refusal = checkCaller(id, source))
        return refusal;
    ServerInfo *server = find(id);
    if (!server->drained)
        server->stopping = true;
    server->drained = true;
    *handoff = hasHandoffTarget(id);
    qCInfo(lcRegistry, "server %s is stopping; %s", qPrintable(id),
           *handoff ? "its rooms move to other servers" : "no other server can take its rooms");
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::handoffTarget(const QString &id, const QString &room,
                                                             const QString &source,
                                                             ServerInfo *target)
{
    if (auto refusal = checkCaller(id, source))
        return refusal;
    const auto entry = m_rooms.constFind(room);
    if (entry != m_rooms.constEnd() && entry->serverId != id && isLive(entry->serverId))
        return RegistryRefusal{
            409, QStringLiteral("the room is placed on server %1").arg(entry->serverId)};
    const auto transit = m_transit.constFind(room);
    if (transit != m_transit.constEnd()) {
        // A repeated call (the answer was lost) gets the same target.
        *target = m_servers.value(transit->to);
        return std::nullopt;
    }
    if (m_transit.size() >= maxRoomsInTransit)
        return RegistryRefusal{
            503, QStringLiteral("too many rooms are moving right now; try again in a moment")};
    QList<PlacementCandidate> candidates;
    for (const ServerInfo &server : std::as_const(m_servers)) {
        PlacementCandidate c;
        c.id = server.id;
        c.connections = server.load.connections;
        c.maxConnections = server.load.maxConnections;
        c.cpuPercent = server.registered ? server.load.cpu : 0.0;
        c.rooms = qMax(server.load.rooms, m_roomsPerServer.value(server.id));
        c.eligible = server.id != id && server.alive && !server.drained && server.roomsSynced;
        candidates.append(c);
    }
    // The load ceiling does not apply: the room exists and has to go somewhere; a busy server
    // takes it rather than losing it.
    const QString chosen = chooseServer(candidates, 1e9);
    if (chosen.isEmpty())
        return RegistryRefusal{503,
                               QStringLiteral("no other live, undrained server can take the room")};
    if (entry == m_rooms.constEnd()) {
        // A room the map did not know yet (its room list was not read since it was created).
        m_rooms.insert(room, RoomEntry{id, now()});
        ++m_roomsPerServer[id];
    }
    m_transit.insert(room, Transit{id, chosen, now(), {}});
    *target = m_servers.value(chosen);
    qCInfo(lcRegistry, "room moving from %s to %s", qPrintable(id), qPrintable(chosen));
    emit transitChanged(int(m_transit.size()));
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::handoffDone(const QString &id, const QString &room,
                                                           const QString &to, const QString &source)
{
    if (auto refusal = checkCaller(id, source))
        return refusal;
    const auto transit = m_transit.constFind(room);
    if (transit == m_transit.constEnd() || transit->from != id)
        return RegistryRefusal{409,
                               QStringLiteral("this room is not moving away from this server")};
    if (transit->to != to)
        return RegistryRefusal{
            409, QStringLiteral("this room was given to server %1, not %2").arg(transit->to, to)};
    moveRoom(room, to);
    emit roomMoved();
    endTransit(room);
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::handoffFailed(const QString &id, const QString &room,
                                                             const QString &source)
{
    if (auto refusal = checkCaller(id, source))
        return refusal;
    const auto transit = m_transit.constFind(room);
    if (transit == m_transit.constEnd() || transit->from != id)
        return RegistryRefusal{409,
                               QStringLiteral("this room is not moving away from this server")};
    qCWarning(lcRegistry, "room could not move from %s to %s; it stays", qPrintable(id),
              qPrintable(transit->to));
    emit moveFailed();
    endTransit(room);
    return std::nullopt;
}

void ServerRegistry::moveRoom(const QString &room, const QString &to)
{
    const auto it = m_rooms.find(room);
    if (it != m_rooms.end()) {
        --m_roomsPerServer[it->serverId];
        it->serverId = to;
        // Fresh: kept through the target's room-list reads until its first user arrives.
        it->placedMs = now();
    } else {
        m_rooms.insert(room, RoomEntry{to, now()});
    }
    ++m_roomsPerServer[to];
}

void ServerRegistry::endTransit(const QString &room)
{
    const auto it = m_transit.find(room);
    if (it == m_transit.end())
        return;
    const QList<Waiter> waiters = std::move(it->waiters);
    m_transit.erase(it);
    m_transitWaiters -= int(waiters.size());
    emit transitChanged(int(m_transit.size()));
    for (const Waiter &waiter : waiters)
        placeNow(room, waiter.done);
}

void ServerRegistry::expireTransits()
{
    if (m_transit.isEmpty())
        return;
    const qint64 t = now();
    QStringList expired;
    QList<std::pair<QString, Done>> released;
    for (auto it = m_transit.begin(); it != m_transit.end(); ++it) {
        if (t - it->sinceMs > transitLimitMs) {
            expired.append(it.key());
            continue;
        }
        // Waited long enough: answered with the holder as it is now (the source, which closes
        // the room's sockets while it is frozen; the clients come back and wait again).
        for (auto w = it->waiters.begin(); w != it->waiters.end();) {
            if (t - w->sinceMs >= maxTransitWaitMs) {
                released.append({it.key(), std::move(w->done)});
                w = it->waiters.erase(w);
                --m_transitWaiters;
            } else {
                ++w;
            }
        }
    }
    for (const QString &room : std::as_const(expired)) {
        qCWarning(lcRegistry, "room move from %s got neither done nor failed; it stays",
                  qPrintable(m_transit.value(room).from));
        emit moveFailed();
        endTransit(room);
    }
    for (const auto &[room, done] : released)
        placeNow(room, done);
}

void ServerRegistry::publish()
{
    emit serversChanged(liveCount(), int(m_servers.size()));
}

} // namespace ic::balancer
