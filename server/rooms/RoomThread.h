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
    // The one way bytes reach a connection living on this thread, from any thread: a member's
    // broadcast frame, the sender's answer, an HTTP response. On this thread it is handed to
    // the connection at once; from another it is queued to this thread (in call order).
    virtual void deliver(quint64 connection, Delivery delivery) = 0;

protected:
    ~RoomThread() = default;
};

} // namespace ic::server
