#pragma once
// The worker thread as the rooms see it: where a RoomHost runs and where each member's
// connection lives. Rooms reach connections only through this (app/Worker implements it), so
// they know nothing of sockets or of the connection class.

#include "connection/Delivery.h"

#include <QByteArray>
#include <QtGlobal>

namespace ic::server {

class RoomThread
{
public:
    // Which worker this is (per-worker metrics slots).
    virtual int index() const = 0;
    // Busy most of its time lately: optional work (typing signals) is dropped then.
    virtual bool overloaded() const = 0;
    // A ready WebSocket frame for a member living on this thread; called on this thread. The
    // common case of a broadcast: one call per member, no copy of the bytes.
    virtual void sendFrame(quint64 connection, const QByteArray &frame) = 0;
    // Bytes and bookkeeping for a connection of this thread, from any thread (directly when
    // already on it, else queued).
    virtual void deliverFromAnywhere(quint64 connection, Delivery delivery) = 0;

protected:
    ~RoomThread() = default;
};

} // namespace ic::server
