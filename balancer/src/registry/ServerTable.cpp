#include "registry/ServerTable.h"

#include <QLoggingCategory>
#include <QRegularExpression>
#include <algorithm>
#include <cmath>

Q_LOGGING_CATEGORY(lcServers, "balancer")

namespace ic::balancer {
namespace {

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

QString ServerTable::addStatic(const QString &address)
{
    ServerInfo info;
    info.address = address;
    info.id = idForAddress(address);
    info.isStatic = true;
    m_servers.insert(info.id, info);
    return info.id;
}

ServerInfo *ServerTable::find(const QString &id)
{
    auto it = m_servers.find(id);
    return it == m_servers.end() ? nullptr : &*it;
}

const ServerInfo *ServerTable::find(const QString &id) const
{
    auto it = m_servers.constFind(id);
    return it == m_servers.constEnd() ? nullptr : &*it;
}

ServerInfo *ServerTable::findByAddress(const QString &address)
{
    for (ServerInfo &server : m_servers) {
        if (server.address == address)
            return &server;
    }
    return nullptr;
}

std::optional<RegistryRefusal>
ServerTable::heartbeat(const QJsonObject &body, const QString &source, HeartbeatOutcome *outcome)
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
        qCWarning(lcServers, "heartbeat for server %s from %s refused: registered from %s",
                  qPrintable(id), qPrintable(source), qPrintable(server->registeredFrom));
        return RegistryRefusal{
            409, QStringLiteral("server id %1 is registered from another address; it can be "
                                "taken over only after its registration expires")
                     .arg(id)};
    }
    *outcome = HeartbeatOutcome{id, {}, false};
    if (!server) {
        // A static entry for the same address takes the id the server calls itself, unless a
        // registration from elsewhere currently holds that entry.
        ServerInfo *byAddress = findByAddress(address);
        if (byAddress && byAddress->registered && byAddress->registeredFrom != source)
            return RegistryRefusal{
                409, QStringLiteral("the address %1 is registered by another server").arg(address)};
        if (byAddress) {
            ServerInfo moved = *byAddress;
            outcome->renamedFrom = moved.id;
            m_servers.remove(moved.id);
            moved.id = id;
            server = &*m_servers.insert(id, moved);
        } else {
            ServerInfo info;
            info.id = id;
            server = &*m_servers.insert(id, info);
            qCInfo(lcServers, "server %s registered at %s from %s", qPrintable(id),
                   qPrintable(address), qPrintable(source));
        }
    }
    if (server->address != address && !server->address.isEmpty())
        qCInfo(lcServers, "server %s moved to %s", qPrintable(id), qPrintable(address));
    server->address = address;
    server->version = body.value(QLatin1StringView("version")).toString().left(64);
    server->registered = true;
    server->registeredFrom = source;
    server->lastHeartbeatMs = now();
    server->lastContactMs = now();
    server->fastProbe = FastProbe::None;
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
        setAlive(id);
        outcome->cameUp = true;
    }
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerTable::checkDeregister(const QString &id,
                                                            const QString &source) const
{
    const ServerInfo *server = find(id);
    if (!server)
        return RegistryRefusal{404, QStringLiteral("this server is not known")};
    // Only the registration's own source may end it; a server that is not registered (static,
    // or expired) is not registered by anybody, so nobody may take it out this way.
    if (!server->registered || server->registeredFrom != source) {
        qCWarning(lcServers, "deregistration of server %s from %s refused", qPrintable(id),
                  qPrintable(source));
        return RegistryRefusal{
            403, QStringLiteral("only the address that registered this server may deregister it")};
    }
    return std::nullopt;
}

std::optional<RegistryRefusal> ServerTable::checkCaller(const QString &id,
                                                        const QString &source) const
{
    const ServerInfo *server = find(id);
    if (!server)
        return RegistryRefusal{404, QStringLiteral("this server is not known")};
    if (!server->registered || server->registeredFrom != source) {
        qCWarning(lcServers, "handoff call for server %s from %s refused", qPrintable(id),
                  qPrintable(source));
        return RegistryRefusal{
            403, QStringLiteral("only the address that registered this server may act for it")};
    }
    return std::nullopt;
}

void ServerTable::endRegistration(const QString &id)
{
    ServerInfo *server = find(id);
    if (!server)
        return;
    server->registered = false;
    server->registeredFrom.clear();
    if (!server->isStatic)
        m_servers.remove(id);
}

void ServerTable::setAlive(const QString &id)
{
    ServerInfo *server = find(id);
    if (!server)
        return;
    server->alive = true;
    server->roomsSynced = false;
    server->nextSyncMs = 0;
    qCInfo(lcServers, "server %s at %s is up", qPrintable(id), qPrintable(server->address));
}

void ServerTable::setDead(const QString &id)
{
    ServerInfo *server = find(id);
    if (!server)
        return;
    server->alive = false;
    server->roomsSynced = false;
    server->diedAtMs = now();
    if (server->stopping) {
        server->stopping = false;
        server->drained = false;
    }
}

ServerTable::Due ServerTable::due(qint64 heartbeatLimitMs, qint64 forgetDeadAfterMs,
                                  const FastDetection &fast)
{
    const qint64 t = now();
    Due due;
    for (ServerInfo &server : m_servers) {
        if (server.registered && t - server.lastHeartbeatMs > heartbeatLimitMs) {
            // The registration expires (also for a server already out after failed probes):
            // its id may then be registered from another address.
            server.registered = false;
            server.registeredFrom.clear();
            if (server.alive && !server.isStatic) {
                setDead(server.id);
                due.died.append(server.id);
            }
        }
        if (!server.alive && !server.isStatic && !server.registered && forgetDeadAfterMs > 0 &&
            t - server.diedAtMs > forgetDeadAfterMs)
            due.forget.append(server.id);
        if (!server.probeInFlight && t >= server.nextProbeMs &&
            (server.isStatic || server.registered || server.alive))
            due.probe.append(server.id);
        if (server.alive && !server.syncInFlight && t >= server.nextSyncMs)
            due.sync.append(server.id);
        if (server.alive && server.registered && fast.watched && fast.watched(server.id)) {
            const Liveness verdict =
                judgeLiveness(t - server.lastHeartbeatMs, fast.heartbeatIntervalMs,
                              server.fastProbe, t - server.fastProbeMs);
            if (verdict == Liveness::ProbeNow)
                due.fastProbe.append(server.id);
        }
    }
    return due;
}

ServerTable::Due ServerTable::due(qint64 heartbeatLimitMs, qint64 forgetDeadAfterMs)
{
    return due(heartbeatLimitMs, forgetDeadAfterMs, FastDetection{});
}

void ServerTable::fastProbeStarted(const QString &id)
{
    if (ServerInfo *server = find(id)) {
        server->fastProbe = FastProbe::InFlight;
        server->fastProbeMs = now();
    }
}

bool ServerTable::fastProbeFinished(const QString &id, bool ok, qint64 heartbeatIntervalMs)
{
    ServerInfo *server = find(id);
    if (!server || server->fastProbe != FastProbe::InFlight)
        return false;
    server->fastProbe = ok ? FastProbe::Answered : FastProbe::Failed;
    if (ok)
        server->lastContactMs = now();
    const Liveness verdict = judgeLiveness(now() - server->lastHeartbeatMs, heartbeatIntervalMs,
                                           server->fastProbe, now() - server->fastProbeMs);
    if (verdict != Liveness::Dead || !server->alive)
        return false;
    setDead(id);
    return true;
}

void ServerTable::probeStarted(const QString &id, int probeIntervalMs)
{
    if (ServerInfo *server = find(id)) {
        server->probeInFlight = true;
        server->nextProbeMs = now() + probeIntervalMs;
    }
}

ServerTable::ProbeOutcome ServerTable::probeFinished(const QString &id, bool ok,
                                                     const QJsonObject &hw, int probeIntervalMs)
{
    ServerInfo *server = find(id);
    if (!server)
        return ProbeOutcome::None;
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
        if (!server->alive && (server->isStatic || server->registered)) {
            setAlive(id);
            return ProbeOutcome::CameUp;
        }
        return ProbeOutcome::None;
    }
    ++server->failedProbes;
    // A failed probe is repeated after half an interval: a killed server is out within about
    // two probe intervals instead of three.
    server->nextProbeMs = now() + probeIntervalMs / 2;
    if (server->alive && server->failedProbes >= 3) {
        setDead(id);
        return ProbeOutcome::WentDown;
    }
    return ProbeOutcome::None;
}

void ServerTable::syncStarted(const QString &id, int resyncIntervalMs)
{
    if (ServerInfo *server = find(id)) {
        server->syncInFlight = true;
        server->nextSyncMs = now() + resyncIntervalMs;
    }
}

void ServerTable::syncFinished(const QString &id, bool ok)
{
    ServerInfo *server = find(id);
    if (!server)
        return;
    server->syncInFlight = false;
    if (!server->alive)
        return;
    if (ok)
        server->roomsSynced = true;
    else
        server->nextSyncMs = now() + 1000;
}

QList<ServerInfo> ServerTable::servers() const
{
    QList<ServerInfo> list = m_servers.values();
    std::sort(list.begin(), list.end(),
              [](const ServerInfo &a, const ServerInfo &b) { return a.id < b.id; });
    return list;
}

bool ServerTable::isLive(const QString &id) const
{
    const ServerInfo *server = find(id);
    return server && server->alive;
}

int ServerTable::liveCount() const
{
    int live = 0;
    for (const ServerInfo &server : m_servers)
        live += server.alive ? 1 : 0;
    return live;
}

bool ServerTable::anyFirstSyncInFlight() const
{
    for (const ServerInfo &server : m_servers) {
        if (server.alive && server.syncInFlight && !server.roomsSynced)
            return true;
    }
    return false;
}

bool ServerTable::setDrained(const QString &id, bool drained)
{
    ServerInfo *server = find(id);
    if (!server)
        return false;
    server->drained = drained;
    server->stopping = false; // an admin's drain outlives a restart
    qCInfo(lcServers, "server %s %s", qPrintable(id), drained ? "drained" : "back in placement");
    return true;
}

bool ServerTable::markStopping(const QString &id)
{
    ServerInfo *server = find(id);
    if (!server)
        return false;
    if (!server->drained)
        server->stopping = true;
    server->drained = true;
    return hasHandoffTarget(id);
}

bool ServerTable::hasHandoffTarget(const QString &id) const
{
    for (const ServerInfo &server : m_servers) {
        if (server.id != id && server.alive && !server.drained)
            return true;
    }
    return false;
}

bool ServerTable::shouldHandOff(const QString &id) const
{
    const ServerInfo *server = find(id);
    return server && server->drained && hasHandoffTarget(id);
}

std::optional<QString> ServerTable::checkForget(const QString &id) const
{
    const ServerInfo *server = find(id);
    if (!server)
        return QStringLiteral("this server is not known");
    if (server->isStatic)
        return QStringLiteral("this server is in --servers; remove it there");
    // A server out after failed probes may still hold its registration until the heartbeat limit
    // passes; it is dead all the same (a live one registers again at its next heartbeat).
    if (server->alive)
        return QStringLiteral("this server is alive; stop it first (it deregisters itself)");
    return std::nullopt;
}

} // namespace ic::balancer
