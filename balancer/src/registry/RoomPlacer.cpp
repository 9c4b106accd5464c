#include "registry/RoomPlacer.h"

namespace ic::balancer {

RoomPlacer::RoomPlacer(double loadCeiling, double newRoomsPerSecond)
    : m_loadCeiling(loadCeiling), m_newRooms(newRoomsPerSecond, 10.0 * newRoomsPerSecond)
{
}

bool RoomPlacer::readyForNewRooms(const ServerTable &servers) const
{
    return m_warm && !servers.anyFirstSyncInFlight();
}

QList<PlacementCandidate> RoomPlacer::candidates(const ServerTable &servers,
                                                 const RoomMap &rooms) const
{
    QList<PlacementCandidate> list;
    for (const ServerInfo &server : servers.servers()) {
        PlacementCandidate c;
        c.id = server.id;
        c.connections = server.load.connections;
        c.maxConnections = server.load.maxConnections;
        // Only the server process's own CPU (from heartbeats) counts: the host's CPU is shared
        // with other programs (and with other servers on the same host).
        c.cpuPercent = server.registered ? server.load.cpu : 0.0;
        c.rooms = qMax(server.load.rooms, rooms.roomCount(server.id));
        c.eligible = server.alive && !server.drained && server.roomsSynced;
        list.append(c);
    }
    return list;
}

Placement RoomPlacer::decide(const QString &room, const ServerTable &servers, RoomMap &rooms,
                             qint64 nowMs)
{
    const QString holder = rooms.holder(room);
    if (!holder.isEmpty() && servers.isLive(holder))
        return Placement{Placement::Kind::Existing, *servers.find(holder), {}};
    const QString chosen = chooseServer(candidates(servers, rooms), m_loadCeiling);
    if (!chosen.isEmpty() && !m_newRooms.take(nowMs))
        return Placement{Placement::Kind::Failed,
                         {},
                         QStringLiteral("Too many new rooms are being opened right now. Please "
                                        "try again in a minute.")};
    if (chosen.isEmpty()) {
        const bool anyAlive = servers.liveCount() > 0;
        return Placement{
            Placement::Kind::Failed,
            {},
            anyAlive ? QStringLiteral(
                           "Every chat server is busy right now. Please try again in a minute.")
                     : QStringLiteral(
                           "No chat server is available right now. Please try again in a minute.")};
    }
    rooms.assign(room, chosen, nowMs);
    return Placement{Placement::Kind::New, *servers.find(chosen), {}};
}

QString RoomPlacer::handoffTarget(const QString &from, const ServerTable &servers,
                                  const RoomMap &rooms) const
{
    QList<PlacementCandidate> list = candidates(servers, rooms);
    for (PlacementCandidate &c : list)
        c.eligible = c.eligible && c.id != from;
    return chooseServer(list, 1e9);
}

void RoomPlacer::waitForReadiness(const QString &room, Done done)
{
    m_ready.append({room, std::move(done)});
}

bool RoomPlacer::waitForTransit(const QString &room, Done done, qint64 nowMs)
{
    if (m_transitWaiterCount >= maxTransitWaiters)
        return false;
    m_transitWaiters[room].append(Waiter{nowMs, std::move(done)});
    ++m_transitWaiterCount;
    return true;
}

QList<RoomPlacer::Done> RoomPlacer::takeTransitWaiters(const QString &room)
{
    QList<Done> done;
    for (Waiter &waiter : m_transitWaiters.take(room))
        done.append(std::move(waiter.done));
    m_transitWaiterCount -= int(done.size());
    return done;
}

QList<std::pair<QString, RoomPlacer::Done>> RoomPlacer::takeOverdueTransitWaiters(qint64 nowMs)
{
    QList<std::pair<QString, Done>> overdue;
    for (auto it = m_transitWaiters.begin(); it != m_transitWaiters.end();) {
        for (auto w = it->begin(); w != it->end();) {
            if (nowMs - w->sinceMs >= maxTransitWaitMs) {
                overdue.append({it.key(), std::move(w->done)});
                w = it->erase(w);
            } else {
                ++w;
            }
        }
        it = it->isEmpty() ? m_transitWaiters.erase(it) : std::next(it);
    }
    m_transitWaiterCount -= int(overdue.size());
    return overdue;
}

} // namespace ic::balancer
