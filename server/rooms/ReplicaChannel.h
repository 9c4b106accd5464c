#pragma once
// Where a RoomHost sends its rooms' replication batches (rooms/RoomReplication.h). The rooms
// layer knows nothing of the network: app/ implements this over HTTP. Every call happens on the
// RoomHost's thread, and every answer comes back there through RoomHost's replica* calls.

#include <QByteArray>
#include <QString>

namespace ic::server {

class ReplicaChannel
{
public:
    virtual ~ReplicaChannel() = default;
    // Sends one batch for `room`; at most one batch per room is in flight. The channel finds
    // (or asks for) the target itself and answers with exactly one of RoomHost::replicaAcked,
    // replicaResync, replicaLost or replicaFenced for this batch, possibly before returning.
    virtual void ship(const QString &room, QByteArray batch, quint64 lastSeq) = 0;
    // The room is gone here (deleted, expired, moved away): the copy should go. Best effort.
    virtual void drop(const QString &room) = 0;
};

} // namespace ic::server
