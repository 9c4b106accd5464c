#pragma once
// The plain-HTTP calls that need a room (/direct_retrieval, /direct_sending, /hw, room
// deletion), run on the room's thread against its RoomHost. HttpRouter parses and checks the
// request and queues it here; the answer goes back to the connection as a Delivery.

#include "rooms/Requests.h"

namespace ic::server {

class RoomHost;

// Call on `host`'s thread. Password work continues later on the same thread.
void answerRoomCall(RoomHost &host, HttpRoomRequest request);
// POST /internal/rooms/import: restores the snapshot as a room of `host` (which owns
// `request.room`, the name the snapshot starts with) and answers.
void importRoom(RoomHost &host, const QByteArray &snapshot, const HttpRoomRequest &request);
// POST /internal/replica/apply: applies a replica batch to the copy `host` keeps of
// `request.room` and answers 200 {"acked"}, 409 resync, 410 promoted, 400 or 413.
void applyReplicaBatch(RoomHost &host, const QByteArray &batch, const HttpRoomRequest &request);

} // namespace ic::server
