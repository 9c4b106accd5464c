#pragma once
// What travels to a room's thread: a client command, or a plain HTTP call that needs a room.

#include "protocol/ClientFrame.h"
#include "rooms/Room.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QUuid>
#include <optional>

namespace ic::server {

class RoomThread;

// A command for a room, executed on the room's thread.
struct CommandRequest
{
    Caller caller;
    RoomThread *home = nullptr; // thread of the connection; answers go there
    QString room;               // canonical name
    QString address;            // client IP, for per-address limits
    proto::ClientFrame frame;
    qint64 receivedNs = 0;

    // Join continuation after slow password work on the pool.
    std::optional<PasswordHash> newPassword;
    std::optional<bool> passwordMatches;
    QString checkedRoomId; // the room passwordMatches refers to
};

// A plain HTTP call that needs a room (/direct_retrieval and /direct_sending, room probes, admin calls).
struct HttpRoomRequest
{
    enum class Kind { Retrieve, Send, Exists, Delete };
    Kind kind = Kind::Retrieve;
    quint64 connection = 0;
    RoomThread *home = nullptr;
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
