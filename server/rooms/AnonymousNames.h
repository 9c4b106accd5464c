#pragma once
// Names for users who join without one: adjective + animal, written for this project. The
// choice is a function of the user's session and the room, so a room replayed on a replica
// (rooms/RoomReplication.h) gives every user the same name; the session is secret, so others
// cannot predict it.

#include <QString>
#include <QStringList>
#include <QUuid>

namespace ic::server {

// Every name the generator can produce (distinct, ASCII letters only, so they need no URL
// encoding and look the same in every client).
const QStringList &anonymousNames();
// The `attempt`-th candidate name for `session` in the room with id `roomId`.
QString anonymousName(const QUuid &session, const QString &roomId, int attempt);
// A user id (UUID text) for `session` in the room `roomId`: stable for both, unrelated across
// rooms, not revealing the session.
QString derivedUserId(const QUuid &session, const QString &roomId);

} // namespace ic::server
