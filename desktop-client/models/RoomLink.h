#pragma once
// What the user may type or paste into "join": a room name, `instantchat://host[:port]/room`
// or `http(s)://host[:port]/<room>` (the web UI's room page).

#include "protocol/Codes.h"

#include <QString>
#include <QUrl>

namespace ic::desktop {

struct RoomLink
{
    QUrl server;  // balancer base URL when the input named one, else empty
    QString room; // canonical room name
    proto::ErrorCode error = proto::ErrorCode::None; // validation of the name
    bool isValid() const { return error == proto::ErrorCode::None && !room.isEmpty(); }
};

RoomLink parseRoomInput(const QString &input);
// The web page of a room, e.g. http://localhost:8080/my-room (what "copy link" puts on the
// clipboard; a browser opens it, the desktop app accepts it back).
QUrl roomPageUrl(const QUrl &server, const QString &room);
// A user-facing sentence for a room-name problem, empty when valid.
QString roomNameProblem(proto::ErrorCode error);

// The server address the user typed ("host", "host:port", "http(s)://host[:port]"): the base URL,
// or a sentence naming the input and what is wrong with it.
struct ServerAddress
{
    QUrl url;      // valid only when error is empty
    QString error; // e.g. "“ftp://x” is not a server address: …"
};
ServerAddress parseServerAddress(const QString &input);
// "host:port", the port always shown (two servers on one host are told apart).
QString serverLabel(const QUrl &server);

} // namespace ic::desktop
