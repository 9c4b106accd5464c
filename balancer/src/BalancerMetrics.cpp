#include "BalancerMetrics.h"

namespace ic::balancer {

BalancerMetrics::BalancerMetrics()
{
    m_requests = &prometheus::BuildCounter()
                      .Name("instantchat_balancer_requests_total")
                      .Help("HTTP requests answered by the balancer, by route and status.")
                      .Register(m_registry.registry());
    const char *results[] = {"existing", "new", "failed"};
    for (int i = 0; i < 3; ++i)
        m_placements[i] = &m_registry.counter(
            "instantchat_balancer_placements_total",
            "Placement decisions: a room's existing server, a new placement, or none possible.",
            {{"result", results[i]}});
    m_pickLatency = &m_registry.histogram("instantchat_balancer_pick_latency_seconds",
                                          "Time to answer a placement (/pick_backend, /r/, /s/).",
                                          ic::metrics::latencyBuckets());
    m_serversUp =
        &m_registry.gauge("instantchat_balancer_servers_up", "Room servers in placement (alive).");
    m_serversKnown = &m_registry.gauge("instantchat_balancer_servers_known",
                                       "Room servers known (static and registered).");
    const char *refusedHelp = "Client connections refused by --max-connections-per-address "
                              "(address) or --max-connections (total).";
    m_refusedByAddress = &m_registry.counter("instantchat_balancer_connections_refused_total",
                                             refusedHelp, {{"reason", "address"}});
    m_refusedInTotal = &m_registry.counter("instantchat_balancer_connections_refused_total",
                                           refusedHelp, {{"reason", "total"}});
    m_roomsMoved = &m_registry.counter("instantchat_balancer_rooms_moved_total",
                                       "Rooms handed off from a drained or stopping server to "
                                       "another one (handoff done).");
    m_handoffFailures = &m_registry.counter(
        "instantchat_balancer_handoff_failures_total",
        "Room moves that failed, or whose source or target went away, or that got no answer.");
    m_roomsLost = &m_registry.counter(
        "instantchat_balancer_rooms_lost_total",
        "Rooms dropped from the room map because their server died or deregistered while "
        "holding them and no copy was promoted (rooms the server had confirmed; placements "
        "nobody used are not counted).");
    m_roomsInTransit = &m_registry.gauge("instantchat_balancer_rooms_in_transit",
                                         "Rooms being moved from one server to another now.");
    m_failovers = &m_registry.counter(
        "instantchat_balancer_failovers_total",
        "Server deaths whose rooms were promoted on the servers holding their replicas.");
    m_roomsFailedOver =
        &m_registry.counter("instantchat_balancer_rooms_failed_over_total",
                            "Rooms promoted on their replica's server after their server died.");
    m_lastFailoverSeconds =
        &m_registry.gauge("instantchat_balancer_last_failover_seconds",
                          "The last failover's duration: from the server's death being noticed to "
                          "the last promotion answer.");
    m_replicatedRooms = &m_registry.gauge("instantchat_balancer_replicated_rooms",
                                          "Rooms in the room map whose copy is on another server.");
}

void BalancerMetrics::countConnectionRefused(const char *reason)
{
    (qstrcmp(reason, "address") == 0 ? m_refusedByAddress : m_refusedInTotal)->Increment();
}

void BalancerMetrics::countRequest(const QString &route, int status)
{
    const QString key = route + u' ' + QString::number(status);
    auto it = m_requestCounters.find(key);
    if (it == m_requestCounters.end())
        it = m_requestCounters.insert(key, &m_requests->Add({{"route", route.toStdString()},
                                                             {"status", std::to_string(status)}}));
    (*it)->Increment();
}

void BalancerMetrics::countPlacement(Placement result)
{
    m_placements[int(result)]->Increment();
}

void BalancerMetrics::observePickLatency(double seconds)
{
    m_pickLatency->Observe(seconds);
}

void BalancerMetrics::setServers(int up, int known)
{
    m_serversUp->Set(up);
    m_serversKnown->Set(known);
}

} // namespace ic::balancer
