#pragma once
// Client → server frames (docs/protocol.md §3.2, §4.1): the init frame and command frames.

#include "protocol/Codes.h"

#include <QByteArray>
#include <QString>
#include <optional>

namespace ic::proto {

struct ClientMessage
{
    std::optional<qint64> id;
    QString text;                       // `t`, URL-encoded by convention
    std::optional<QString> replyUser;   // `rU`
    std::optional<qint64> replyMessage; // `rM`
};

struct ClientFrame
{
    // `c`, decoded once where the frame is read (decodeClientFrame): what a server acts on.
    // Unknown for a code it does not know, a server-only code, or no `c`.
    Command kind = Command::Unknown;
    QString command;                      // `c` as sent; empty when absent
    std::optional<QString> requestId;     // `rq`
    bool hasRoom = false;                 // `r` present
    QString roomName;                     // `r.n`, as sent (not yet canonical)
    QString roomPassword;                 // `r.p`
    std::optional<QString> userName;      // `uN`, URL-encoded; nullopt for null or absent
    std::optional<ClientMessage> message; // `m`
    std::optional<bool> support;          // `srM`
    bool keepAlive = false;               // `{"kA":"OK"}`
};

enum class DecodeError {
    None,
    InvalidJson, // not JSON at all: the frame is dropped (v1 behaviour)
    NotObject,   // JSON, but not an object
    WrongType,   // an object whose known key has the wrong type → ER 103
};

struct DecodedClientFrame
{
    DecodeError error = DecodeError::None;
    ClientFrame frame; // with WrongType: whatever could be read (command, requestId) for the reply
    QString wrongKey;  // with WrongType: which key
};

DecodedClientFrame decodeClientFrame(const QByteArray &json);
// Writes `command` as `c`, or the code of `kind` when `command` is empty.
QByteArray encodeClientFrame(const ClientFrame &frame);

struct InitFrame
{
    bool accepted = false;   // a JSON object or null
    QString platform;        // `p`
    int protocolVersion = 1; // `pv`, 1 when absent or invalid
};

InitFrame decodeInitFrame(const QByteArray &json);
QByteArray encodeInitFrame(const QString &platform, int protocolVersion = 1);

QByteArray keepAliveFrame();

} // namespace ic::proto
