#pragma once
// Fast failure detection of a registered server that holds rooms with replicas: a server whose
// heartbeat is late by a quarter of an interval is asked GET /hw at once (1 s timeout); no answer
// (refused, reset, timeout) means it is dead now, so its rooms can be promoted on their replicas'
// servers within seconds of a crash. A server that answers is slow, not dead: it stays in
// placement and, while its heartbeats stay away, is asked again every 1.25 intervals (the
// 3-missed-heartbeats rule still ends it). Pure decision; ServerTable keeps the state and the
// ServerRegistry makes the probes.

#include <QtGlobal>

namespace ic::balancer {

// A heartbeat later than this many intervals triggers the probe.
constexpr double fastProbeAfterIntervals = 1.25;
constexpr int fastProbeTimeoutMs = 1000;

// The probe made since the server's last heartbeat (a heartbeat resets it to None).
enum class FastProbe { None, InFlight, Answered, Failed };

enum class Liveness {
    Alive,    // nothing to do
    ProbeNow, // start a probe
    Dead,     // out of placement now
};

// `heartbeatAgeMs`: since the last heartbeat; `probeAgeMs`: since the probe in `probe` started.
Liveness judgeLiveness(qint64 heartbeatAgeMs, qint64 heartbeatIntervalMs, FastProbe probe,
                       qint64 probeAgeMs);

} // namespace ic::balancer
