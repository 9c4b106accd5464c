#pragma once
// Bytes for one connection, and what they mean for its bookkeeping: how everything a room or an
// HTTP call sends reaches a connection (RoomThread::deliver, then Connection::deliver), a
// broadcast frame for one member as much as the sender's whole answer.

#include <QByteArray>
#include <QString>
#include <QVarLengthArray>

namespace ic::server {

struct Delivery
{
    Delivery() = default;
    // One ready frame: a broadcast's shared bytes for one member.
    explicit Delivery(const QByteArray &frame) { bytes.append(frame); }

    // Ready WebSocket frames or one HTTP response. One is held inline: most deliveries are a
    // broadcast's single frame, and they need no allocation then.
    QVarLengthArray<QByteArray, 1> bytes;
    bool finished = false; // the connection's current request is answered
    QString joined;        // now an active member of this room
    QString left;          // no longer a member of this room
    bool close = false;    // send a close frame (code) after the bytes
    quint16 closeCode = 1000;
    bool httpClose = false; // HTTP: close after the response
};

} // namespace ic::server
