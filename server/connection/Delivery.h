#pragma once
// Bytes for one connection, and what they mean for its bookkeeping: how a room's or an HTTP
// call's answer reaches a connection (Connection::deliver), possibly from another thread.

#include <QByteArray>
#include <QList>
#include <QString>

namespace ic::server {

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

} // namespace ic::server
