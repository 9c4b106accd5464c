#include "registry/RoomMap.h"

namespace ic::balancer {

QString RoomMap::holder(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it == m_rooms.constEnd() ? QString() : it->serverId;
}

void RoomMap::assign(const QString &room, const QString &serverId, qint64 nowMs)
{
    const auto it = m_rooms.find(room);
    if (it != m_rooms.end()) {
        --m_perServer[it->serverId];
        *it = Entry{serverId, nowMs};
    } else {
        m_rooms.insert(room, Entry{serverId, nowMs});
    }
    ++m_perServer[serverId];
}

void RoomMap::forget(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    --m_perServer[it->serverId];
    m_rooms.erase(it);
}

int RoomMap::dropServer(const QString &serverId)
{
    int dropped = 0;
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->serverId == serverId) {
            it = m_rooms.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    m_perServer.remove(serverId);
    return dropped;
}

void RoomMap::renameServer(const QString &from, const QString &to)
{
    for (Entry &room : m_rooms) {
        if (room.serverId == from)
            room.serverId = to;
    }
    for (Transit &transit : m_transit) {
        if (transit.from == from)
            transit.from = to;
        if (transit.to == from)
            transit.to = to;
    }
    m_perServer.insert(to, m_perServer.take(from));
}

void RoomMap::applyRoomList(const QString &serverId, const QSet<QString> &held, qint64 nowMs,
                            const std::function<bool(const QString &)> &isLive,
                            QStringList *conflicts)
{
    for (const QString &name : held) {
        auto it = m_rooms.find(name);
        if (it == m_rooms.end()) {
            m_rooms.insert(name, Entry{serverId, nowMs});
            ++m_perServer[serverId];
        } else if (it->serverId != serverId) {
            if (!isLive(it->serverId)) {
                --m_perServer[it->serverId];
                it->serverId = serverId;
                ++m_perServer[serverId];
            } else if (conflicts) {
                // Two servers hold the same name (after a split brain, or a moved room whose
                // source has not deleted its copy yet): the mapping clients use is kept.
                conflicts->append(name);
            }
        }
    }
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->serverId == serverId && !held.contains(it.key()) &&
            nowMs - it->placedMs > unconfirmedPlacementMs) {
            --m_perServer[serverId];
            it = m_rooms.erase(it);
        } else {
            ++it;
        }
    }
}

const RoomMap::Transit *RoomMap::transit(const QString &room) const
{
    const auto it = m_transit.constFind(room);
    return it == m_transit.constEnd() ? nullptr : &*it;
}

void RoomMap::beginTransit(const QString &room, const QString &from, const QString &to,
                           qint64 nowMs)
{
    m_transit.insert(room, Transit{from, to, nowMs});
}

QStringList RoomMap::transitsOf(const QString &serverId) const
{
    QStringList rooms;
    for (auto it = m_transit.constBegin(); it != m_transit.constEnd(); ++it) {
        if (it->from == serverId || it->to == serverId)
            rooms.append(it.key());
    }
    return rooms;
}

QStringList RoomMap::transitsOlderThan(qint64 nowMs, qint64 limitMs) const
{
    QStringList rooms;
    for (auto it = m_transit.constBegin(); it != m_transit.constEnd(); ++it) {
        if (nowMs - it->sinceMs > limitMs)
            rooms.append(it.key());
    }
    return rooms;
}

} // namespace ic::balancer
