#include "core/ServerMetrics.h"

namespace ic::server {
ServerMetrics::ServerMetrics(int maxConnections)
    : messagesReceived(m_registry.counter("instantchat_messages_received_total",
                                          "WebSocket frames received from clients.")),
      framesDelivered(m_registry.counter("instantchat_frames_delivered_total",
                                         "Frames queued to client sockets.")),
      slowClientsDropped(
          m_registry.counter("instantchat_slow_clients_dropped_total",
                             "Clients disconnected because their outbound queue was full.")),
      broadcastLatency(m_registry.histogram("instantchat_broadcast_latency_seconds",
                                            "Frame received to broadcast queued to every member.",
                                            metrics::latencyBuckets())),
      roomsHandedOff(m_registry.counter("instantchat_rooms_handed_off_total",
                                        "Rooms moved to another server (drain or stop).")),
      roomsReceived(m_registry.counter("instantchat_rooms_received_total",
                                       "Rooms taken over from another server.")),
      handoffFailures(m_registry.counter(
          "instantchat_handoff_failures_total",
          "Rooms whose move to another server failed (no target, import refused, timeout).")),
      roomsLostOnShutdown(m_registry.counter(
          "instantchat_rooms_lost_on_shutdown_total",
          "Rooms deleted by a stop because they could not be moved to another server.")),
      handoffLastDuration(
          m_registry.gauge("instantchat_handoff_last_duration_seconds",
                           "Duration of the last hand-off of all rooms, start to last room done.")),
      replicaLag(m_registry.histogram(
          "instantchat_replica_lag_seconds",
          "A batch of room changes shipped to the room's copy until the copy acknowledged it.",
          metrics::latencyBuckets())),
      replicaResyncs(m_registry.counter(
          "instantchat_replica_resyncs_total",
          "Batches the copy refused as missing or diverged (the whole room is sent next).")),
      replicaFailures(m_registry.counter(
          "instantchat_replica_failures_total",
          "Batches without an answer from a copy (no target, timeout, network error, refusal): "
          "the room went on unreplicated.")),
      replicaBacklogInits(m_registry.counter(
          "instantchat_replica_backlog_inits_total",
          "Times a room's records waiting for its next batch passed 1 MiB: they were dropped and "
          "the next batch is the whole room.")),
      replicaHeldOverflows(m_registry.counter(
          "instantchat_replica_held_overflows_total",
          "Times the frames a room held for its replica passed 8 MiB: they went out at once and "
          "the room went on unreplicated until its next copy.")),
      roomsPromoted(m_registry.counter("instantchat_rooms_promoted_total",
                                       "Copies of rooms made live rooms here (failover).")),
      m_connections(m_registry.gauge("instantchat_connections", "Open WebSocket connections.")),
      m_rooms(m_registry.gauge("instantchat_rooms", "Rooms held in memory.")),
      m_usersOnline(m_registry.gauge("instantchat_users_online", "Active room members.")),
      m_outboundQueued(m_registry.gauge("instantchat_outbound_queued_bytes",
                                        "Bytes waiting in socket outbound queues.")),
      m_maxConnections(m_registry.gauge("instantchat_max_connections",
                                        "Configured maximum of WebSocket connections.")),
      m_registered(m_registry.gauge(
          "instantchat_server_registered",
          "1 while registered with --balancer (or none is configured), 0 while not.")),
      m_storedMessages(m_registry.gauge(
          "instantchat_stored_message_bytes",
          "Counted bytes of all rooms' stored messages (budget --message-memory).")),
      m_largestRoom(m_registry.gauge(
          "instantchat_largest_room_message_bytes",
          "Counted bytes of the fullest room's stored messages (budget --room-memory).")),
      m_replicatedRooms(m_registry.gauge(
          "instantchat_replicated_rooms",
          "Rooms of this server whose copy on another server acknowledged the last batch.")),
      m_replicaCopies(m_registry.gauge("instantchat_replica_copies",
                                       "Copies of other servers' rooms held here."))
{
    m_maxConnections.Set(maxConnections);
    m_registered.Set(1);
    for (const char *reason : {"unreachable", "token", "refused"}) {
        m_registrationFailures.insert(
            QByteArray(reason),
            &m_registry.counter("instantchat_server_registration_failures_total",
                                "Heartbeats to --balancer that failed, by reason.",
                                {{"reason", reason}}));
    }
    for (int code :
         {101, 102, 103, 201, 202, 203, 204, 205, 206, 207, 208, 209, 301, 302, 303, 304, 429}) {
        m_errors.insert(code, &m_registry.counter("instantchat_errors_total",
                                                  "Error replies sent, by code.",
                                                  {{"code", std::to_string(code)}}));
    }
    for (const char *kind : {"message", "join", "create", "http", "address", "connections", "rooms",
                             "rename", "description", "vote", "password", "typing"}) {
        m_rateLimited.insert(QByteArray(kind),
                             &m_registry.counter("instantchat_rate_limited_total",
                                                 "Requests refused by a rate limit, by kind.",
                                                 {{"kind", kind}}));
    }
}

void ServerMetrics::countError(proto::ErrorCode code)
{
    if (prometheus::Counter *counter = m_errors.value(int(code)))
        counter->Increment();
}

void ServerMetrics::countRateLimited(const char *kind)
{
    if (prometheus::Counter *counter =
            m_rateLimited.value(QByteArray::fromRawData(kind, qstrlen(kind))))
        counter->Increment();
}

void ServerMetrics::setRegistered(bool registered)
{
    m_registered.Set(registered ? 1 : 0);
}

void ServerMetrics::countRegistrationFailure(const char *reason)
{
    if (prometheus::Counter *counter =
            m_registrationFailures.value(QByteArray::fromRawData(reason, qstrlen(reason))))
        counter->Increment();
}

QByteArray ServerMetrics::scrape()
{
    m_connections.Set(double(connections.load(std::memory_order_relaxed)));
    m_rooms.Set(double(rooms.load(std::memory_order_relaxed)));
    m_usersOnline.Set(double(usersOnline.load(std::memory_order_relaxed)));
    m_outboundQueued.Set(
        double(std::max<qint64>(0, outboundQueuedBytes.load(std::memory_order_relaxed))));
    m_storedMessages.Set(double(storedMessageBytes.load(std::memory_order_relaxed)));
    qint64 largest = 0;
    for (const std::atomic<qint64> &worker : largestRoomBytes)
        largest = std::max(largest, worker.load(std::memory_order_relaxed));
    m_largestRoom.Set(double(largest));
    m_replicatedRooms.Set(double(replicatedRooms.load(std::memory_order_relaxed)));
    qint64 copies = 0;
    for (const std::atomic<qint64> &worker : replicaCopies)
        copies += worker.load(std::memory_order_relaxed);
    m_replicaCopies.Set(double(copies));
    return m_registry.serialize();
}

} // namespace ic::server
