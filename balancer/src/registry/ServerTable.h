#pragma once
// The room servers the balancer knows and their health: registration (bound to the address it
// came from), load reports, liveness, drains and expiry. Pure state: no timers, no network; the
// ServerRegistry probes and reads room lists and feeds the answers in.
//
// Liveness: a registered server is out when 3 heartbeat intervals pass without a heartbeat; any
// server is out after 3 failed /hw probes in a row (a failed probe is repeated after half an
// interval). A dead self-registered server is forgotten after `forgetDeadAfterMs`. A registered
// server the caller watches closely (it holds rooms with replicas) is probed as soon as its
// heartbeat is late and is out when that probe fails (FailureDetector).

#include "registry/ServerInfo.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QStringList>
#include <functional>
#include <optional>

namespace ic::balancer {

// Why a call of a server was refused: the HTTP status and an English sentence.
struct RegistryRefusal
{
    int status = 400;
    QString sentence;
};

class ServerTable
{
public:
    explicit ServerTable(std::function<qint64()> clock) : m_clock(std::move(clock)) {}

    // A server from --servers (probed, never forgotten); its id is derived from the address.
    QString addStatic(const QString &address);

    struct HeartbeatOutcome
    {
        QString id;
        QString renamedFrom; // a static entry for the same address took the server's own id
        bool cameUp = false; // was not alive before: its room list must be read
    };
    // Registers or refreshes; loads are clamped to sane ranges. Refused: 400 malformed, 409 id or
    // address registered from another source.
    std::optional<RegistryRefusal> heartbeat(const QJsonObject &body, const QString &source,
                                             HeartbeatOutcome *outcome);
    // Only the registration's own source may end it (403), known ids only (404).
    std::optional<RegistryRefusal> checkDeregister(const QString &id, const QString &source) const;
    // A registered server acting for itself (handoff calls): 404 unknown, 403 another source.
    std::optional<RegistryRefusal> checkCaller(const QString &id, const QString &source) const;
    // Ends the registration after checkDeregister; a self-registered server is removed.
    void endRegistration(const QString &id);

    void setAlive(const QString &id);
    // Out of placement; a server drained by its own stop (markStopping) is undrained.
    void setDead(const QString &id);

    // What is due at `now`: registrations that expired (their servers must be set dead when
    // alive and self-registered), dead servers to forget, probes and room-list reads.
    struct Due
    {
        QStringList died;
        QStringList forget;
        QStringList probe;
        QStringList sync;
        QStringList fastProbe; // late heartbeat of a watched server: probe now
    };
    // Fast failure detection: `watched` says which live registered servers get it.
    struct FastDetection
    {
        qint64 heartbeatIntervalMs = 0;
        std::function<bool(const QString &)> watched;
    };
    Due due(qint64 heartbeatLimitMs, qint64 forgetDeadAfterMs, const FastDetection &fast);
    Due due(qint64 heartbeatLimitMs, qint64 forgetDeadAfterMs); // without fast detection
    void fastProbeStarted(const QString &id);
    // True when the server is dead now (the probe failed and no heartbeat came meanwhile); it
    // is then marked dead. A result for a probe a heartbeat made stale is ignored.
    bool fastProbeFinished(const QString &id, bool ok, qint64 heartbeatIntervalMs);

    enum class ProbeOutcome { None, CameUp, WentDown };
    void probeStarted(const QString &id, int probeIntervalMs);
    ProbeOutcome probeFinished(const QString &id, bool ok, const QJsonObject &hw,
                               int probeIntervalMs);
    void syncStarted(const QString &id, int resyncIntervalMs);
    // `ok`: the room list was read; otherwise it is read again in a second.
    void syncFinished(const QString &id, bool ok);

    ServerInfo *find(const QString &id);
    const ServerInfo *find(const QString &id) const;
    QList<ServerInfo> servers() const; // sorted by id
    QStringList ids() const { return m_servers.keys(); }
    int size() const { return int(m_servers.size()); }
    bool isLive(const QString &id) const;
    int liveCount() const;
    // A server's room list is being read for the first time since it appeared.
    bool anyFirstSyncInFlight() const;

    // Admin drain (outlives a restart of the server).
    bool setDrained(const QString &id, bool drained);
    // Drained by its own stop (until it goes out); true when another server can take its rooms.
    bool markStopping(const QString &id);
    // A live, undrained server other than `id` exists.
    bool hasHandoffTarget(const QString &id) const;
    // Drained, and another live, undrained server exists.
    bool shouldHandOff(const QString &id) const;

    // An error sentence when the server may not be forgotten (unknown, alive, static).
    std::optional<QString> checkForget(const QString &id) const;
    void remove(const QString &id) { m_servers.remove(id); }

private:
    ServerInfo *findByAddress(const QString &address);
    qint64 now() const { return m_clock(); }

    std::function<qint64()> m_clock;
    QHash<QString, ServerInfo> m_servers; // by id
};

} // namespace ic::balancer
