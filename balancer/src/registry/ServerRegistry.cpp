#include "registry/ServerRegistry.h"

#include "registry/UpstreamClient.h"
#include "validation/Validation.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcRegistry, "balancer")

namespace ic::balancer {
namespace {

constexpr int tickMs = 250;
constexpr int roomsTimeoutMs = 3000;
constexpr int promoteTimeoutMs = 2000;

QSet<QString> canonicalNames(const QJsonArray &values)
{
    QSet<QString> names;
    for (const QJsonValue &value : values) {
        const QString name = ic::validation::canonicalRoomName(value.toString());
        if (!name.isEmpty())
            names.insert(name);
    }
    return names;
}

} // namespace

ServerRegistry::ServerRegistry(RegistryOptions options, UpstreamClient *upstream, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_upstream(upstream),
      m_servers([this] { return now(); }),
      m_placer(m_options.loadCeiling, m_options.newRoomsPerSecond)
{
    m_clock.start();
    m_ticker.setInterval(tickMs);
    connect(&m_ticker, &QTimer::timeout, this, &ServerRegistry::tick);
}

void ServerRegistry::start()
{
    for (const QString &address : std::as_const(m_options.staticServers)) {
        // Probed right away: a live static server is read (room list) before it gets rooms.
        probe(m_servers.addStatic(address));
    }
    if (!m_options.manualTicks) {
        QTimer::singleShot(m_options.warmUpMs, this, [this] {
            m_placer.setWarm();
            qCInfo(lcRegistry, "warm-up over: %d of %d servers live", liveCount(),
                   m_servers.size());
            runReadinessWaiters();
        });
        m_ticker.start();
    }
    publish();
}

std::optional<RegistryRefusal> ServerRegistry::heartbeat(const QJsonObject &body,
                                                         const QString &source)
{
    ServerTable::HeartbeatOutcome outcome;
    if (auto refusal = m_servers.heartbeat(body, source, &outcome))
        return refusal;
    if (!outcome.renamedFrom.isEmpty())
        m_rooms.renameServer(outcome.renamedFrom, outcome.id);
    if (outcome.cameUp)
        cameUp(outcome.id);
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::deregister(const QString &id, const QString &source)
{
    if (auto refusal = m_servers.checkDeregister(id, source))
        return refusal;
    qCInfo(lcRegistry, "server %s deregistered", qPrintable(id));
    if (m_servers.isLive(id)) {
        m_servers.setDead(id);
        wentOut(id, QStringLiteral("deregistered"));
    }
    m_servers.endRegistration(id);
    publish();
    return std::nullopt;
}

std::optional<QString> ServerRegistry::forgetServer(const QString &id)
{
    if (auto problem = m_servers.checkForget(id))
        return problem;
    qCInfo(lcRegistry, "server %s forgotten by an admin", qPrintable(id));
    m_servers.remove(id);
    publish();
    return std::nullopt;
}

void ServerRegistry::tick()
{
    const qint64 t = now();
    if (m_options.manualTicks && !m_placer.warm() && t >= m_options.warmUpMs) {
        m_placer.setWarm();
        runReadinessWaiters();
    }
    expireTransits();
    // Servers holding rooms with a replica are watched closely: their rooms can be promoted.
    const ServerTable::FastDetection fast{
        qint64(m_options.heartbeatIntervalSeconds) * 1000,
        [this](const QString &id) { return m_rooms.replicatedRoomsOf(id) > 0; }};
    const ServerTable::Due due = m_servers.due(qint64(m_options.heartbeatIntervalSeconds) * 3000,
                                               m_options.forgetDeadAfterMs, fast);
    for (const QString &id : due.died)
        wentOut(id, QStringLiteral("missed 3 heartbeats"));
    for (const QString &id : due.fastProbe)
        fastProbe(id);
    for (const QString &id : due.forget)
        m_servers.remove(id);
    for (const QString &id : due.probe)
        probe(id);
    for (const QString &id : due.sync)
        syncRooms(id);
    if (!due.forget.isEmpty())
        publish();
    publishReplicas();
}

void ServerRegistry::publishReplicas()
{
    if (m_rooms.replicatedCount() == m_publishedReplicated)
        return;
    m_publishedReplicated = m_rooms.replicatedCount();
    emit replicatedRoomsChanged(m_publishedReplicated);
}

void ServerRegistry::probe(const QString &id)
{
    const ServerInfo *server = m_servers.find(id);
    if (!server || server->probeInFlight)
        return;
    m_servers.probeStarted(id, m_options.probeIntervalMs);
    const int timeout = qMin(m_options.probeIntervalMs, 2000);
    m_upstream->get(
        server->address, QStringLiteral("/hw"), timeout, this, [this, id](const UpstreamResult &r) {
            const QJsonDocument doc = QJsonDocument::fromJson(r.body);
            const auto outcome = m_servers.probeFinished(id, r.status == 200 && doc.isObject(),
                                                         doc.object(), m_options.probeIntervalMs);
            if (outcome == ServerTable::ProbeOutcome::CameUp)
                cameUp(id);
            else if (outcome == ServerTable::ProbeOutcome::WentDown)
                wentOut(id, QStringLiteral("3 failed probes"));
        });
}

void ServerRegistry::fastProbe(const QString &id)
{
    const ServerInfo *server = m_servers.find(id);
    if (!server)
        return;
    m_servers.fastProbeStarted(id);
    const qint64 lateMs = now() - server->lastHeartbeatMs;
    m_upstream->get(
        server->address, QStringLiteral("/hw"), fastProbeTimeoutMs, this,
        [this, id, lateMs](const UpstreamResult &r) {
            const bool ok = r.status == 200;
            if (m_servers.fastProbeFinished(id, ok,
                                            qint64(m_options.heartbeatIntervalSeconds) * 1000))
                wentOut(id, QStringLiteral("no heartbeat for %1 ms and /hw failed: %2")
                                .arg(lateMs)
                                .arg(r.error.isEmpty() ? QStringLiteral("HTTP %1").arg(r.status)
                                                       : r.error));
            else if (ok)
                qCInfo(lcRegistry, "server %s is late with its heartbeat but answers",
                       qPrintable(id));
        });
}

void ServerRegistry::cameUp(const QString &id)
{
    syncRooms(id);
    publish();
}

void ServerRegistry::wentOut(const QString &id, const QString &reason)
{
    // Rooms in transit from it go to their target (which has them if the import got through;
    // otherwise the next join there creates the room, as any new placement would); rooms in
    // transit to it stay with their source.
    const QStringList ended = m_rooms.transitsOf(id);
    for (const QString &room : ended) {
        const RoomMap::Transit *transit = m_rooms.transit(room);
        if (transit->failover)
            continue; // failOver() below
        if (transit->from == id && m_servers.isLive(transit->to))
            m_rooms.assign(room, transit->to, now(), m_rooms.confirmed(room));
        else
            emit moveFailed();
    }
    const int copiesGone = m_rooms.clearReplicasOn(id);
    int unused = 0;
    const int dropped = failOver(id, &unused);
    const ServerInfo *server = m_servers.find(id);
    qCWarning(lcRegistry,
              "server %s at %s is out of placement (%s); %d rooms lost (no live copy), %d "
              "rooms being promoted on their replica's server, %d copies it kept are gone, %d "
              "placements it never confirmed (nobody came) dropped",
              qPrintable(id), server ? qPrintable(server->address) : "?", qPrintable(reason),
              dropped, int(m_rooms.roomsOf(id).size()), copiesGone, unused);
    if (dropped > 0)
        emit roomsLost(dropped);
    for (const QString &room : ended) {
        // Rooms that now fail over keep their waiting placements for the promotion.
        const RoomMap::Transit *transit = m_rooms.transit(room);
        if (!transit || !transit->failover || transit->from != id)
            endTransit(room);
    }
    publish();
    publishReplicas();
    runReadinessWaiters();
}

int ServerRegistry::failOver(const QString &id, int *unused)
{
    // Rooms failing over *to* this server (it was to promote them) have no copy left.
    int lost = 0;
    const auto lose = [&](const QString &room) {
        if (loseRoom(room))
            ++lost;
        else
            ++*unused;
    };
    for (const QString &room : m_rooms.transitsOf(id)) {
        const RoomMap::Transit *transit = m_rooms.transit(room);
        if (transit->failover && transit->to == id)
            lose(room);
    }
    QHash<QString, QStringList> byReplica;
    for (const QString &room : m_rooms.roomsOf(id)) {
        const QString replica = m_rooms.replica(room);
        if (!replica.isEmpty() && m_servers.isLive(replica))
            byReplica[replica].append(room);
        else
            lose(room);
    }
    if (byReplica.isEmpty())
        return lost;
    const qint64 t = now();
    Failover &run = m_failovers[id];
    if (run.pendingCalls == 0)
        run = Failover{t, 0, 0, lost};
    else
        run.lost += lost; // died again while its last failover was still running
    for (auto it = byReplica.constBegin(); it != byReplica.constEnd(); ++it) {
        for (const QString &room : *it)
            m_rooms.beginTransit(room, id, it.key(), t, true);
        ++run.pendingCalls;
        const QByteArray body =
            QJsonDocument(QJsonObject{{QStringLiteral("rooms"), QJsonArray::fromStringList(*it)}})
                .toJson(QJsonDocument::Compact);
        const QString to = it.key();
        const QStringList rooms = *it;
        m_upstream->postJson(
            m_servers.find(to)->address, QStringLiteral("/internal/replica/promote"), body,
            promoteTimeoutMs, this,
            [this, id, to, rooms](const UpstreamResult &r) { promoted(id, to, rooms, r); });
    }
    emit transitChanged(m_rooms.transitCount());
    return lost;
}

void ServerRegistry::promoted(const QString &from, const QString &to, const QStringList &rooms,
                              const UpstreamResult &result)
{
    const QJsonObject answer = QJsonDocument::fromJson(result.body).object();
    const QSet<QString> done =
        result.status == 200 ? canonicalNames(answer.value(QLatin1StringView("promoted")).toArray())
                             : QSet<QString>();
    if (result.status != 200)
        qCWarning(lcRegistry, "promotion on server %s failed (%s); %d rooms lost", qPrintable(to),
                  qPrintable(result.error.isEmpty() ? QStringLiteral("HTTP %1").arg(result.status)
                                                    : result.error),
                  int(rooms.size()));
    int promotedHere = 0, lostHere = 0;
    for (const QString &room : rooms) {
        const RoomMap::Transit *transit = m_rooms.transit(room);
        if (!transit || !transit->failover || transit->from != from || transit->to != to)
            continue; // ended meanwhile (the replica's server went out too)
        if (done.contains(room) && m_servers.isLive(to)) {
            // Fresh: kept through room-list reads until its first user is back.
            m_rooms.assign(room, to, now(), true);
            ++promotedHere;
        } else if (loseRoom(room)) {
            // No copy there ("missing"), or no answer: lost. A copy that was promoted after all
            // comes back into the map with the server's next room list.
            ++lostHere;
        }
        endTransit(room);
    }
    if (lostHere > 0)
        emit roomsLost(lostHere);
    auto run = m_failovers.find(from);
    if (run == m_failovers.end())
        return;
    run->promoted += promotedHere;
    run->lost += lostHere;
    if (--run->pendingCalls > 0)
        return;
    const double seconds = double(now() - run->startedMs) / 1000.0;
    qCWarning(lcRegistry,
              "failover of server %s: %d rooms promoted, %d rooms lost, %.3f s from its death "
              "being noticed to the last promotion answer",
              qPrintable(from), run->promoted, run->lost, seconds);
    emit failoverFinished(run->promoted, run->lost, seconds);
    m_failovers.erase(run);
    publishReplicas();
}

bool ServerRegistry::loseRoom(const QString &room)
{
    const bool existed = m_rooms.confirmed(room);
    m_rooms.forget(room);
    return existed;
}

void ServerRegistry::syncRooms(const QString &id)
{
    const ServerInfo *server = m_servers.find(id);
    if (!server || server->syncInFlight)
        return;
    m_servers.syncStarted(id, m_options.resyncIntervalMs);
    m_upstream->get(
        server->address, QStringLiteral("/internal/rooms"), roomsTimeoutMs, this,
        [this, id](const UpstreamResult &r) { syncFinished(id, r.status == 200, r.body); });
}

void ServerRegistry::syncFinished(const QString &id, bool ok, const QByteArray &body)
{
    const ServerInfo *server = m_servers.find(id);
    if (!server)
        return;
    const QJsonDocument doc = QJsonDocument::fromJson(body);
    if (!ok || !doc.isObject() || !server->alive) {
        if (server->alive)
            qCWarning(lcRegistry, "cannot read the room list of server %s", qPrintable(id));
        m_servers.syncFinished(id, false);
        runReadinessWaiters();
        return;
    }
    QSet<QString> held;
    const QJsonArray rooms = doc.object().value(QLatin1StringView("rooms")).toArray();
    for (const QJsonValue &value : rooms) {
        const QString name = ic::validation::canonicalRoomName(
            value.toObject().value(QLatin1StringView("name")).toString());
        if (!name.isEmpty())
            held.insert(name);
    }
    QStringList conflicts;
    m_rooms.applyRoomList(
        id, held, now(), [this](const QString &other) { return m_servers.isLive(other); },
        &conflicts);
    // The copies it holds (absent from older servers): known replicas after a balancer restart.
    const QJsonValue replicas = doc.object().value(QLatin1StringView("replicas"));
    if (replicas.isArray())
        m_rooms.applyReplicaList(id, canonicalNames(replicas.toArray()));
    for (const QString &room : std::as_const(conflicts)) {
        const QString holder = m_rooms.holder(room);
        qCWarning(lcRegistry, "room held by both %s and %s; keeping %s", qPrintable(holder),
                  qPrintable(id), qPrintable(holder));
    }
    if (!server->roomsSynced)
        qCInfo(lcRegistry, "server %s holds %d rooms", qPrintable(id), int(held.size()));
    m_servers.syncFinished(id, true);
    runReadinessWaiters();
}

void ServerRegistry::place(const QString &room, std::function<void(const Placement &)> done)
{
    if (!m_rooms.inTransit(room)) {
        placeNow(room, std::move(done));
        return;
    }
    if (!m_placer.waitForTransit(room, done, now()))
        done(Placement{Placement::Kind::Failed,
                       {},
                       QStringLiteral("This room is moving to another chat server. Please try "
                                      "again in a moment.")});
}

void ServerRegistry::placeNow(const QString &room, Done done)
{
    const QString holder = m_rooms.holder(room);
    if (!holder.isEmpty() && m_servers.isLive(holder)) {
        done(Placement{Placement::Kind::Existing, *m_servers.find(holder), {}});
        return;
    }
    if (!readyForNewRooms()) {
        m_placer.waitForReadiness(room, std::move(done));
        return;
    }
    done(m_placer.decide(room, m_servers, m_rooms, now()));
}

void ServerRegistry::runReadinessWaiters()
{
    if (!m_placer.hasReadinessWaiters() || !readyForNewRooms())
        return;
    for (const auto &[room, done] : m_placer.takeReadinessWaiters())
        place(room, done);
}

void ServerRegistry::reportUnreachable(const QString &serverId)
{
    if (ServerInfo *server = m_servers.find(serverId)) {
        server->nextProbeMs = 0;
        if (!server->probeInFlight)
            probe(serverId);
    }
}

void ServerRegistry::forgetRoom(const QString &room)
{
    m_rooms.forget(room);
}

QString ServerRegistry::serverOfRoom(const QString &room) const
{
    const QString holder = m_rooms.holder(room);
    return m_servers.isLive(holder) ? holder : QString();
}

QStringList ServerRegistry::freeSuffixes(const QString &room, int count) const
{
    QStringList suffixes;
    for (int n = 2; n < 1000 && suffixes.size() < count; ++n) {
        const QString suffix = QString::number(n);
        const QString candidate = room + u'-' + suffix;
        if (ic::validation::checkRoomName(candidate) != ic::proto::ErrorCode::None)
            break; // longer suffixes will not fit either
        if (!m_servers.isLive(m_rooms.holder(candidate)))
            suffixes.append(suffix);
    }
    return suffixes;
}

std::optional<ServerInfo> ServerRegistry::server(const QString &id) const
{
    const ServerInfo *server = m_servers.find(id);
    if (!server)
        return std::nullopt;
    return *server;
}

std::optional<RegistryRefusal> ServerRegistry::beginHandoff(const QString &id,
                                                            const QString &source, bool *handoff)
{
    if (auto refusal = m_servers.checkCaller(id, source))
        return refusal;
    *handoff = m_servers.markStopping(id);
    qCInfo(lcRegistry, "server %s is stopping; %s", qPrintable(id),
           *handoff ? "its rooms move to other servers" : "no other server can take its rooms");
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::handoffTarget(const QString &id, const QString &room,
                                                             const QString &source,
                                                             ServerInfo *target)
{
    if (auto refusal = m_servers.checkCaller(id, source))
        return refusal;
    const QString holder = m_rooms.holder(room);
    if (!holder.isEmpty() && holder != id && m_servers.isLive(holder))
        return RegistryRefusal{409, QStringLiteral("the room is placed on server %1").arg(holder)};
    if (const RoomMap::Transit *transit = m_rooms.transit(room)) {
        if (transit->failover)
            return RegistryRefusal{409, QStringLiteral("the room is moving between other servers")};
        // A repeated call (the answer was lost) gets the same target.
        if (const ServerInfo *to = m_servers.find(transit->to))
            *target = *to;
        return std::nullopt;
    }
    // A room the map did not know yet (its room list was not read since it was created). Either
    // way the caller holds it, whether or not it can move now.
    if (!m_rooms.contains(room))
        m_rooms.assign(room, id, now(), true);
    else
        m_rooms.confirm(room);
    if (m_rooms.transitCount() >= maxRoomsInTransit)
        return RegistryRefusal{
            503, QStringLiteral("too many rooms are moving right now; try again in a moment")};
    const QString chosen = m_placer.handoffTarget(id, m_servers, m_rooms);
    if (chosen.isEmpty())
        return RegistryRefusal{503,
                               QStringLiteral("no other live, undrained server can take the room")};
    m_rooms.beginTransit(room, id, chosen, now());
    *target = *m_servers.find(chosen);
    qCInfo(lcRegistry, "room moving from %s to %s", qPrintable(id), qPrintable(chosen));
    emit transitChanged(m_rooms.transitCount());
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::replicaTarget(const QString &id, const QString &room,
                                                             const QString &source,
                                                             ServerInfo *target)
{
    if (auto refusal = m_servers.checkCaller(id, source))
        return refusal;
    const QString holder = m_rooms.holder(room);
    if (!holder.isEmpty() && holder != id && m_servers.isLive(holder))
        return RegistryRefusal{409, QStringLiteral("the room is placed on server %1").arg(holder)};
    if (const RoomMap::Transit *transit = m_rooms.transit(room); transit && transit->from != id)
        return RegistryRefusal{409, QStringLiteral("the room is moving between other servers")};
    // A room the map did not know yet (created since its server's room list was read). Either
    // way the caller holds it: a room that asks for a copy exists, whether or not it gets one.
    if (holder != id)
        m_rooms.assign(room, id, now(), true);
    else
        m_rooms.confirm(room);
    const QString chosen = m_placer.handoffTarget(id, m_servers, m_rooms);
    if (chosen.isEmpty())
        return RegistryRefusal{
            503, QStringLiteral("no other live, undrained server can keep a copy of the room")};
    m_rooms.setReplica(room, chosen);
    *target = *m_servers.find(chosen);
    publishReplicas();
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::handoffDone(const QString &id, const QString &room,
                                                           const QString &to, const QString &source)
{
    if (auto refusal = m_servers.checkCaller(id, source))
        return refusal;
    const RoomMap::Transit *transit = m_rooms.transit(room);
    if (!transit || transit->from != id || transit->failover)
        return RegistryRefusal{409,
                               QStringLiteral("this room is not moving away from this server")};
    if (transit->to != to)
        return RegistryRefusal{
            409, QStringLiteral("this room was given to server %1, not %2").arg(transit->to, to)};
    // Fresh: kept through the target's room-list reads until its first user arrives. The target
    // imported it: confirmed.
    m_rooms.assign(room, to, now(), true);
    emit roomMoved();
    endTransit(room);
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerRegistry::handoffFailed(const QString &id, const QString &room,
                                                             const QString &source)
{
    if (auto refusal = m_servers.checkCaller(id, source))
        return refusal;
    const RoomMap::Transit *transit = m_rooms.transit(room);
    if (!transit || transit->from != id || transit->failover)
        return RegistryRefusal{409,
                               QStringLiteral("this room is not moving away from this server")};
    qCWarning(lcRegistry, "room could not move from %s to %s; it stays", qPrintable(id),
              qPrintable(transit->to));
    emit moveFailed();
    endTransit(room);
    return std::nullopt;
}

void ServerRegistry::endTransit(const QString &room)
{
    if (!m_rooms.inTransit(room))
        return;
    m_rooms.endTransit(room);
    const QList<Done> waiters = m_placer.takeTransitWaiters(room);
    emit transitChanged(m_rooms.transitCount());
    for (const Done &done : waiters)
        placeNow(room, done);
}

void ServerRegistry::expireTransits()
{
    if (m_rooms.transitCount() == 0)
        return;
    const qint64 t = now();
    for (const QString &room : m_rooms.transitsOlderThan(t, transitLimitMs)) {
        qCWarning(lcRegistry, "room move from %s got neither done nor failed; it stays",
                  qPrintable(m_rooms.transit(room)->from));
        emit moveFailed();
        endTransit(room);
    }
    // Waited long enough: answered with the holder as it is now (the source, which closes the
    // room's sockets while it is frozen; the clients come back and wait again).
    for (const auto &[room, done] : m_placer.takeOverdueTransitWaiters(t))
        placeNow(room, done);
}

void ServerRegistry::publish()
{
    emit serversChanged(liveCount(), m_servers.size());
}

} // namespace ic::balancer
