#pragma once
// Where a room goes: its current live server, or the eligible server with the lowest placement
// score (PlacementScore), and the placements that have to wait - for the start-up warm-up and
// first room-list reads (no room placed twice after a balancer restart), or for a room in
// transit between two servers (bounded in number and time). Decisions only: the ServerRegistry
// says when to answer the waiting ones.

#include "limits/TokenBucket.h"
#include "registry/PlacementScore.h"
#include "registry/RoomMap.h"
#include "registry/ServerInfo.h"
#include "registry/ServerTable.h"

#include <QList>
#include <functional>
#include <utility>

namespace ic::balancer {

struct Placement
{
    enum class Kind { Existing, New, Failed } kind = Kind::Failed;
    ServerInfo server; // valid unless Failed
    QString error;     // English sentence when Failed
};

// Bounds of the handoff bookkeeping (docs/limits.md).
constexpr int maxTransitWaitMs = 5000;   // a placement waits this long for a room in transit
constexpr int maxTransitWaiters = 1000;  // placements waiting for rooms in transit, together
constexpr int maxRoomsInTransit = 10000; // rooms in transit, together
constexpr qint64 transitLimitMs = 60000; // a transit without done/failed ends (as failed)

class RoomPlacer
{
public:
    using Done = std::function<void(const Placement &)>;

    // `newRoomsPerSecond`: new rooms from everybody together, burst 10 s worth; 0 = no bound.
    RoomPlacer(double loadCeiling, double newRoomsPerSecond);

    void setWarm() { m_warm = true; }
    bool warm() const { return m_warm; }
    // New rooms may be placed: warm, and no server's first room list is being read.
    bool readyForNewRooms(const ServerTable &servers) const;

    // The room's live server (Existing), else a new placement recorded in `rooms` (New), else
    // Failed with a sentence (nobody eligible, or too many new rooms right now).
    Placement decide(const QString &room, const ServerTable &servers, RoomMap &rooms, qint64 nowMs);
    // The least-loaded live, undrained server other than `from` whose room list was read; the
    // load ceiling does not apply (the room exists and must go somewhere). Empty when none.
    QString handoffTarget(const QString &from, const ServerTable &servers,
                          const RoomMap &rooms) const;

    // Placements waiting for readiness (warm-up, room lists).
    void waitForReadiness(const QString &room, Done done);
    QList<std::pair<QString, Done>> takeReadinessWaiters() { return std::exchange(m_ready, {}); }
    bool hasReadinessWaiters() const { return !m_ready.isEmpty(); }

    // Placements waiting for a room in transit; false (and `done` not kept) when the bound of
    // waiting placements is reached.
    bool waitForTransit(const QString &room, Done done, qint64 nowMs);
    QList<Done> takeTransitWaiters(const QString &room);
    // Waiters that have waited maxTransitWaitMs.
    QList<std::pair<QString, Done>> takeOverdueTransitWaiters(qint64 nowMs);
    int transitWaiterCount() const { return m_transitWaiterCount; }

private:
    QList<PlacementCandidate> candidates(const ServerTable &servers, const RoomMap &rooms) const;

    struct Waiter
    {
        qint64 sinceMs = 0;
        Done done;
    };
    double m_loadCeiling;
    ic::limits::TokenBucket m_newRooms;
    bool m_warm = false;
    QList<std::pair<QString, Done>> m_ready;
    QHash<QString, QList<Waiter>> m_transitWaiters; // by room
    int m_transitWaiterCount = 0;
};

} // namespace ic::balancer
