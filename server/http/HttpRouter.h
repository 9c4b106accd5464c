#pragma once
// Plain HTTP routes of the server (docs/protocol.md §2.2, docs/interfaces.md internal routes).
// Routes that need a room are handed to the room's worker; their reply arrives later as a
// Delivery to the connection.

#include "net/HttpRequest.h"

#include <QByteArray>
#include <optional>

namespace ic::server {

class ServerContext;
class Worker;

class HttpRouter
{
public:
    explicit HttpRouter(ServerContext &context) : m_context(context) {}

    // The response, or nullopt when it will be delivered to `connection` on `home` later.
    std::optional<QByteArray> route(const HttpRequest &request, quint64 connection, Worker *home);
    // The body a request may carry beyond the default, from its head: a room snapshot for
    // POST /internal/rooms/import from a cluster member; 0 for everything else.
    qsizetype bodyLimit(const HttpRequest &head, const QHostAddress &peer) const;

private:
    std::optional<QByteArray> universalAccess(const HttpRequest &request, bool sending,
                                              quint64 connection, Worker *home);
    std::optional<QByteArray> roomList(const HttpRequest &request, quint64 connection,
                                       Worker *home);
    QByteArray maintenance(const HttpRequest &request);
    std::optional<QByteArray> deleteRoom(const HttpRequest &request, quint64 connection,
                                         Worker *home);
    std::optional<QByteArray> importRoom(const HttpRequest &request, quint64 connection,
                                         Worker *home);
    // A cluster member: the right token, or without a token a peer in --internal-peers.
    bool internalAllowed(const HttpRequest &request) const;

    ServerContext &m_context;
};

} // namespace ic::server
