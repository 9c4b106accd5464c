#include "registry/PlacementScore.h"

#include <algorithm>
#include <cmath>

namespace ic::balancer {

double placementScore(const PlacementCandidate &c)
{
    const double connectionShare =
        c.maxConnections > 0 ? double(c.connections) / c.maxConnections : 0.0;
    const double cpuAboveIdle = std::clamp(c.cpuPercent, 0.0, 100.0) - kIdleCpuPercent;
    return connectionShare + 0.05 * std::floor(std::max(cpuAboveIdle, 0.0) / 5.0) +
           c.rooms / 1000.0;
}

bool aboveCeiling(const PlacementCandidate &c, double loadCeiling)
{
    const double connectionShare =
        c.maxConnections > 0 ? double(c.connections) / c.maxConnections : 0.0;
    return connectionShare > loadCeiling ||
           std::clamp(c.cpuPercent, 0.0, 100.0) / 100.0 > loadCeiling;
}

QString chooseServer(const QList<PlacementCandidate> &candidates, double loadCeiling)
{
    const PlacementCandidate *best = nullptr;
    double bestScore = 0.0;
    for (const PlacementCandidate &c : candidates) {
        if (!c.eligible || aboveCeiling(c, loadCeiling))
            continue;
        const double score = placementScore(c);
        if (!best || score < bestScore - 1e-12 ||
            (std::abs(score - bestScore) <= 1e-12 && c.id < best->id)) {
            best = &c;
            bestScore = score;
        }
    }
    return best ? best->id : QString();
}

} // namespace ic::balancer
