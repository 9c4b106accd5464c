#pragma once
// A room's whole state as bytes, for moving a room from one server's RAM to another's (handoff):
// messages with ids, edits and votes, users with their session's authorisation, name and
// anonymity, the creator, the password hash (never a password), the description, the id counter
// and the limit-notice state. The format is explicit and versioned (docs/architecture.md,
// "Room snapshots"). Decoding treats the bytes as untrusted: every field is checked against the
// receiving server's limits before anything is allocated for it, and any fault gives a sentence
// and no room.

#include "rooms/Room.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <memory>

namespace ic::server {

class RoomSnapshot
{
public:
    static constexpr char magic[4] = {'I', 'C', 'R', 'S'};
    // Version 1: the offline form (handoff, promotion). Version 2: the keep-online form (a
    // replica's Init), the same fields plus each online member's connection and pv >= 2 flag.
    static constexpr quint16 version = 1;
    static constexpr quint16 keepOnlineVersion = 2;

    enum class Form {
        Offline,    // members online now are restored offline (their sockets close for a move)
        KeepOnline, // members stay online with their connections: a replica mirrors the room
    };

    enum class Problem {
        None,
        Malformed,  // a field is missing, out of range or inconsistent (HTTP 400)
        OverBudget, // valid, but over this server's room or server byte budget (HTTP 413)
    };

    // The room as it is at `nowNs`. In the offline form, members online now are restored
    // offline, as if they had left at `nowNs` (their sockets are being closed while the room
    // moves); the keep-online form restores them online, with nothing changed.
    static QByteArray encode(const Room &room, qint64 nowNs, Form form = Form::Offline);

    // The room the bytes describe (either form), built with `settings` (this server's limits and budgets; the
    // room's messages are added to `settings.serverBytes`). Null, with `*error` set to one
    // English sentence, on any fault.
    static std::unique_ptr<Room> decode(QByteArrayView bytes, const RoomSettings &settings,
                                        QString *error, Problem *problem = nullptr);

    // The canonical room name the bytes start with, read without decoding the rest (to find the
    // worker that owns it); empty when the header is not a valid snapshot header.
    static QString roomName(QByteArrayView bytes, const RoomSettings &settings);

    // The largest snapshot a room within `settings` can produce: a bound derived from the room
    // byte budget, the user cap and the frame size (the import body limit).
    static qint64 maxBytes(const RoomSettings &settings);
};

} // namespace ic::server
