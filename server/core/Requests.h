#pragma once
// What travels between a connection's thread and a room's thread.

#include "protocol/ClientFrame.h"
#include "rooms/Room.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUuid>
#include <optional>

namespace ic::server {

class Worker;

// A command for a room, executed on the room's thread.
struct CommandRequest
{
    Caller caller;
    Worker *home = nullptr; // worker of the connection's thread; answers go there
    QString room;           // canonical name
    QString address;        // client IP, for per-address limits
    proto::ClientFrame frame;
    qint64 receivedNs = 0;

    // Join continuation after slow password work on the pool.
    std::optional<PasswordHash> newPassword;
    std::optional<bool> passwordMatches;
    QString checkedRoomId; // the room passwordMatches refers to
};

// Bytes for one connection, and what they mean for its bookkeeping.
struct Delivery
{
    QList<QByteArray> bytes; // ready WebSocket frames or one HTTP response
    bool finished = false;   // the connection's current request is answered
    QString joined;          // now an active member of this room
    QString left;            // no longer a member of this room
    bool close = false;      // send a close frame (code) after the bytes
    quint16 closeCode = 1000;
    bool httpClose = false; // HTTP: close after the response
};

// A plain HTTP call that needs a room (universal access, room probes, admin calls).
struct HttpRoomRequest
{
    enum class Kind { Retrieve, Send, Exists, Delete };
    Kind kind = Kind::Retrieve;
    quint64 connection = 0;
    Worker *home = nullptr;
    QString room;
    QString password;
    QString text; // Send: the message as decoded from the query
    bool json = false;
    bool quiet = false;           // `quite=true`
    std::optional<qint64> last;   // l
    std::optional<qint64> fromId; // id
    bool keepAlive = true;
    QString address; // client IP, for per-address limits (password checks)

    std::optional<PasswordHash> newPassword;
    std::optional<bool> passwordMatches;
    QString checkedRoomId;
};

} // namespace ic::server
