#pragma once
// What a Connection needs from the worker thread it lives on. The connection layer owns this
// interface and app/Worker implements it, so a connection knows nothing of rooms, routes or the
// other workers: it hands checked commands and HTTP requests up and gets Deliveries back.

#include "core/AddressLimiter.h"
#include "protocol/ClientFrame.h"
#include "transport/HttpRequest.h"

#include <QByteArray>
#include <QSet>
#include <QString>
#include <QUuid>
#include <optional>

namespace ic::server {

class Connection;

// A client command that passed the connection's checks, for the room it names.
struct SessionCommand
{
    QUuid session;
    quint64 connection = 0;
    int protocolVersion = 1;
    QString room;    // canonical name
    QString address; // client IP, for per-address limits
    proto::ClientFrame frame;
    qint64 receivedNs = 0;
    // The connection's first join (it is in no room yet): it may move to the room's thread.
    bool mayMove = false;
};

class SessionHost
{
public:
    // Member commands per client address, on this thread only (see app/Worker).
    virtual AddressBuckets &memberLimiter() = 0;
    // The connection wrote for the first time since its last flush.
    virtual void scheduleFlush(quint64 connection) = 0;
    // Its next deadline moved earlier (it started closing).
    virtual void checkSoon(Connection *connection) = 0;
    // It closed or is moving to another thread: forget it.
    virtual void detach(Connection *connection) = 0;
    // Runs the command in its room, here or on the room's thread; the answer comes back as a
    // Delivery. May move the connection to the room's thread first (mayMove).
    virtual void command(Connection *connection, SessionCommand command) = 0;
    // A plain HTTP request: the response, or nullopt when it comes later as a Delivery.
    virtual std::optional<QByteArray> http(const HttpRequest &request, quint64 connection) = 0;
    // The body a request may carry beyond the default, decided from its head (the room import);
    // 0 for the default.
    virtual qsizetype bodyLimit(const HttpRequest &head, const QHostAddress &peer) const = 0;
    // The connection closed while a member of (or joining) these rooms.
    virtual void leftRooms(const QSet<QString> &rooms, quint64 connection) = 0;

protected:
    ~SessionHost() = default;
};

} // namespace ic::server
