#pragma once
// The placement score (lower = better) and the choice of a server for a new room. Pure
// functions, so the rule is unit-tested and documented in one place:
//
//   score = connections / maxConnections          (0 when maxConnections is unknown)
//         + 0.05 * floor(max(cpu% - 20, 0) / 5)   (the server process's CPU from its heartbeats,
//                                                  a ten-second average; up to 20 % counts as
//                                                  idle - timers, probes, heartbeats - so it
//                                                  does not outweigh rooms; above that in 5 %
//                                                  steps. 0 for servers without heartbeats: /hw
//                                                  reports the host's CPU, which other programs
//                                                  share)
//         + rooms / 1000                          (rooms held, counting placements not yet
//                                                  reported, so a burst of new rooms spreads)
//
// A server is not eligible when it is dead, drained, its room list has not been read yet, or
// connections / maxConnections or cpu / 100 is above the load ceiling. Ties go to the lowest id.

#include <QList>
#include <QString>

namespace ic::balancer {

// CPU up to this share of a core is what an idle server spends; it does not count as load.
inline constexpr double kIdleCpuPercent = 20.0;

struct PlacementCandidate
{
    QString id;
    int connections = 0;
    int maxConnections = 0;
    double cpuPercent = 0.0;
    int rooms = 0;
    bool eligible = true; // alive, not drained, rooms synced
};

double placementScore(const PlacementCandidate &candidate);
bool aboveCeiling(const PlacementCandidate &candidate, double loadCeiling);
// The id of the best eligible candidate under the ceiling; empty when there is none.
QString chooseServer(const QList<PlacementCandidate> &candidates, double loadCeiling);

} // namespace ic::balancer
