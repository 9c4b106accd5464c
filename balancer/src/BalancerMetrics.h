#pragma once
// The balancer's metrics of docs/interfaces.md, on top of the shared registry (which adds the
// process_* metrics).

#include "metrics/MetricsRegistry.h"

#include <QHash>
#include <QString>

namespace ic::balancer {

class BalancerMetrics
{
public:
    BalancerMetrics();

    void countRequest(const QString &route, int status);
    enum class Placement { Existing, New, Failed };
    void countPlacement(Placement result);
    void observePickLatency(double seconds);
    void setServers(int up, int known);
    // A connection refused by a connection cap ("address" or "total").
    void countConnectionRefused(const char *reason);
    // Handoff: a room moved, a move that failed, rooms dropped with their server, rooms moving.
    void countRoomMoved() { m_roomsMoved->Increment(); }
    void countHandoffFailure() { m_handoffFailures->Increment(); }
    void countRoomsLost(int count) { m_roomsLost->Increment(count); }
    void setRoomsInTransit(int count) { m_roomsInTransit->Set(count); }
    // Failover: one per server death whose rooms were promoted on their replicas' servers.
    void countFailover(int promoted, double seconds)
    {
        m_failovers->Increment();
        m_roomsFailedOver->Increment(promoted);
        m_lastFailoverSeconds->Set(seconds);
    }
    void setReplicatedRooms(int count) { m_replicatedRooms->Set(count); }

    QByteArray serialize() const { return m_registry.serialize(); }

private:
    ic::metrics::MetricsRegistry m_registry;
    prometheus::Family<prometheus::Counter> *m_requests = nullptr;
    QHash<QString, prometheus::Counter *>
        m_requestCounters; // by "route status", avoids label lookups
    prometheus::Counter *m_placements[3] = {};
    prometheus::Histogram *m_pickLatency = nullptr;
    prometheus::Gauge *m_serversUp = nullptr;
    prometheus::Gauge *m_serversKnown = nullptr;
    prometheus::Counter *m_refusedByAddress = nullptr;
    prometheus::Counter *m_refusedInTotal = nullptr;
    prometheus::Counter *m_roomsMoved = nullptr;
    prometheus::Counter *m_handoffFailures = nullptr;
    prometheus::Counter *m_roomsLost = nullptr;
    prometheus::Gauge *m_roomsInTransit = nullptr;
    prometheus::Counter *m_failovers = nullptr;
    prometheus::Counter *m_roomsFailedOver = nullptr;
    prometheus::Gauge *m_lastFailoverSeconds = nullptr;
    prometheus::Gauge *m_replicatedRooms = nullptr;
};

} // namespace ic::balancer
