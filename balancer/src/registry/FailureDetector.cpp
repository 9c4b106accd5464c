#include "registry/FailureDetector.h"

namespace ic::balancer {

Liveness judgeLiveness(qint64 heartbeatAgeMs, qint64 heartbeatIntervalMs, FastProbe probe,
                       qint64 probeAgeMs)
{
    const double lateAfterMs = fastProbeAfterIntervals * double(heartbeatIntervalMs);
    if (double(heartbeatAgeMs) <= lateAfterMs)
        return Liveness::Alive;
    switch (probe) {
    case FastProbe::None:
        return Liveness::ProbeNow;
    case FastProbe::InFlight:
        return Liveness::Alive; // its answer (or timeout) decides
    case FastProbe::Failed:
        return Liveness::Dead;
    case FastProbe::Answered:
        // Slow but there: asked again when another 1.25 intervals pass without a heartbeat.
        return double(probeAgeMs) >= lateAfterMs ? Liveness::ProbeNow : Liveness::Alive;
    }
    return Liveness::Alive;
}

} // namespace ic::balancer
