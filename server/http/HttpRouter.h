#pragma once
// Plain HTTP routes of the server (docs/protocol.md §2.2, docs/interfaces.md internal routes).
// Routes that need a room are handed to the room's thread (http/RoomCalls); their reply arrives
// later as a Delivery to the connection.

#include "rooms/Requests.h"
#include "transport/HttpRequest.h"

#include <QByteArray>
#include <optional>

namespace ic::server {

class RoomDirectory;
class RoomThread;
class ServerContext;

class HttpRouter
{
public:
    HttpRouter(ServerContext &context, const RoomDirectory &rooms)
        : m_context(context), m_rooms(rooms)
    {
    }

    // The response, or nullopt when it will be delivered to `connection` on `home` later.
    std::optional<QByteArray> route(const HttpRequest &request, quint64 connection,
                                    RoomThread *home);
    // The body a request may carry beyond the default, from its head: a room snapshot for
    // POST /internal/rooms/import, a replica batch or a list of rooms for /internal/replica/*,
    // each only from a cluster member; 0 for everything else.
    qsizetype bodyLimit(const HttpRequest &head, const QHostAddress &peer) const;

private:
    std::optional<QByteArray> plainHttpCall(const HttpRequest &request, bool sending,
                                            quint64 connection, RoomThread *home);
    std::optional<QByteArray> roomList(const HttpRequest &request, quint64 connection,
                                       RoomThread *home);
    QByteArray maintenance(const HttpRequest &request);
    std::optional<QByteArray> deleteRoom(const HttpRequest &request, quint64 connection,
                                         RoomThread *home);
    std::optional<QByteArray> importRoom(const HttpRequest &request, quint64 connection,
                                         RoomThread *home);
    // Replicas held here for other servers' rooms (docs/interfaces.md "Replicas").
    std::optional<QByteArray> applyReplica(const HttpRequest &request, quint64 connection,
                                           RoomThread *home);
    // POST /internal/replica/promote and /internal/replica/drop: a list of rooms.
    std::optional<QByteArray> replicaList(const HttpRequest &request, bool promote,
                                          quint64 connection, RoomThread *home);
    // A cluster member: the right token, or without a token a peer in --internal-peers.
    bool internalAllowed(const HttpRequest &request) const;

    // Queues the call to the room's thread.
    void toRoom(const HttpRoomRequest &request) const;

    ServerContext &m_context;
    const RoomDirectory &m_rooms;
};

} // namespace ic::server
