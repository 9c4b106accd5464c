#pragma once
// The engine's per-user state, shared by Engine.cpp and HandoffMode.cpp (private to the engine).

#include "Engine.h"

#include "net/WebSocketFrame.h"

namespace ic::load {

enum class Engine::Phase : quint8 {
    Pending,   // not started
    Http,      // GET / then GET /pick_backend on the balancer
    WebSocket, // TCP to the room's server and the upgrade handshake
    Joining,   // init frame and R_C_J sent, waiting for the RP
    Joined,
    Failed, // setup failed (counted in failures)
    Closed, // was joined, connection ended
};

struct Engine::User
{
    int index = 0;
    int room = 0;
    int fd = -1;
    Phase phase = Phase::Pending;
    bool connecting = false; // TCP connect in progress
    bool wantWrite = false;  // EPOLLOUT registered
    bool peerClosed = false;
    quint8 httpStep = 0; // 0: GET /, 1: GET /pick_backend
    bool pickRetried = false;
    quint32 generation = 0; // bumped per new socket: a reconnect may reuse the fd number
    qint64 startNs = 0;     // start of its HTTP GET: join latency runs from here
    qint64 lastId = 0;      // last TM id seen (loss detection by id gaps)
    bool counted = true;    // its deliveries are expected (see addUserToRoom)
    QByteArray in;          // HTTP / handshake bytes not parsed yet
    QByteArray out;         // bytes the kernel did not take yet
    QByteArray cookie;
    QByteArray expectedAccept;
    QString backend; // bA
    std::unique_ptr<ws::FrameParser> parser;
    UserTrack track; // the handoff scenario's record of this user (unused otherwise)
};

} // namespace ic::load
