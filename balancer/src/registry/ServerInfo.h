#pragma once
// What the balancer knows about one room server.

#include "registry/FailureDetector.h"

#include <QString>
#include <QtGlobal>

namespace ic::balancer {

struct LoadReport
{
    int connections = 0;
    int rooms = 0;
    int usersOnline = 0;
    int maxConnections = 0; // 0 = not reported
    double cpu = 0.0;       // % of the server process
    double rss = 0.0;
    double hostCpu = 0.0;
    double hostMem = 0.0;
};

struct ServerInfo
{
    QString id;      // gateway route id, e.g. "127.0.0.1-8081"
    QString address; // advertised host:port
    QString version;
    QString registeredFrom;   // source IP of the current registration; empty when none
    bool isStatic = false;    // from --servers: probed, never forgotten
    bool registered = false;  // sends heartbeats
    bool alive = false;       // in placement (unless drained)
    bool drained = false;     // gets no new rooms; moves its rooms away (handoff)
    bool stopping = false;    // drained by its own /internal/handoff/begin: undrained when it
                              // goes out (a restarted process starts in placement)
    bool roomsSynced = false; // its room list has been read since it (re)appeared
    bool syncInFlight = false;
    bool probeInFlight = false;
    int failedProbes = 0;
    qint64 lastHeartbeatMs = 0;
    qint64 lastContactMs = 0; // last successful probe or heartbeat
    qint64 nextProbeMs = 0;
    qint64 nextSyncMs = 0;
    qint64 diedAtMs = 0;
    FastProbe fastProbe = FastProbe::None; // since the last heartbeat (FailureDetector)
    qint64 fastProbeMs = 0;                // when it started
    LoadReport load;
};

} // namespace ic::balancer
