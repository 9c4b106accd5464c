#pragma once
// The server's metrics (docs/interfaces.md). Hot paths touch only atomics and prometheus-cpp
// counters; gauges are copied from the atomics when /metrics is scraped.

#include "metrics/MetricsRegistry.h"
#include "protocol/Codes.h"

#include <QByteArray>
#include <QHash>
#include <array>
#include <atomic>

namespace ic::server {

class ServerMetrics
{
    // First member: the references below are bound to metrics it owns.
    metrics::MetricsRegistry m_registry;

public:
    explicit ServerMetrics(int maxConnections);

    std::atomic<qint64> connections{0};
    std::atomic<qint64> rooms{0};
    std::atomic<qint64> usersOnline{0};
    std::atomic<qint64> outboundQueuedBytes{0};
    // Counted bytes of every room's stored messages (RoomSettings::serverBytes).
    std::atomic<qint64> storedMessageBytes{0};
    // Per worker (index ≤ 256, see --workers): its fullest room's counted bytes, at housekeeping.
    std::array<std::atomic<qint64>, 256> largestRoomBytes{};
    // Replicas (app/ReplicaLinks, http replica routes). Rooms of this server whose copy
    // elsewhere acknowledged its last batch; per worker, copies of other servers' rooms held
    // here (set every second).
    std::atomic<qint64> replicatedRooms{0};
    std::array<std::atomic<qint64>, 256> replicaCopies{};

    prometheus::Counter &messagesReceived;
    prometheus::Counter &framesDelivered;
    prometheus::Counter &slowClientsDropped;
    prometheus::Histogram &broadcastLatency;
    // Handoff (app/Handoff, http/RoomCalls import).
    prometheus::Counter &roomsHandedOff;
    prometheus::Counter &roomsReceived;
    prometheus::Counter &handoffFailures;
    prometheus::Counter &roomsLostOnShutdown;
    prometheus::Gauge &handoffLastDuration;
    prometheus::Histogram &replicaLag;
    prometheus::Counter &replicaResyncs;
    prometheus::Counter &replicaFailures;
    prometheus::Counter &replicaBacklogInits;
    prometheus::Counter &replicaHeldOverflows;
    prometheus::Counter &roomsPromoted;

    void countError(proto::ErrorCode code);
    // kind: message, join, create, http
    void countRateLimited(const char *kind);
    // Registration with --balancer: 1 registered (or no balancer configured), 0 not.
    void setRegistered(bool registered);
    // reason: unreachable, token, refused
    void countRegistrationFailure(const char *reason);

    QByteArray scrape();

private:
    prometheus::Gauge &m_connections;
    prometheus::Gauge &m_rooms;
    prometheus::Gauge &m_usersOnline;
    prometheus::Gauge &m_outboundQueued;
    prometheus::Gauge &m_maxConnections;
    prometheus::Gauge &m_registered;
    prometheus::Gauge &m_storedMessages;
    prometheus::Gauge &m_largestRoom;
    prometheus::Gauge &m_replicatedRooms;
    prometheus::Gauge &m_replicaCopies;
    // Filled in the constructor and read-only afterwards, so threads share them without locks.
    QHash<int, prometheus::Counter *> m_errors;
    QHash<QByteArray, prometheus::Counter *> m_rateLimited;
    QHash<QByteArray, prometheus::Counter *> m_registrationFailures;
};

} // namespace ic::server
