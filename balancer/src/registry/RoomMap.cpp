#include "registry/RoomMap.h"

namespace ic::balancer {

QString RoomMap::holder(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it == m_rooms.constEnd() ? QString() : it->serverId;
}

void RoomMap::assign(const QString &room, const QString &serverId, qint64 nowMs, bool confirmed)
{
    const auto it = m_rooms.find(room);
    if (it != m_rooms.end()) {
        --m_perServer[it->serverId];
        if (it->serverId != serverId)
            setReplicaOf(*it, QString());
        it->serverId = serverId;
        it->placedMs = nowMs;
        it->confirmed = confirmed;
    } else {
        m_rooms.insert(room, Entry{serverId, nowMs, {}, confirmed});
    }
    ++m_perServer[serverId];
}

void RoomMap::confirm(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it != m_rooms.end())
        it->confirmed = true;
}

bool RoomMap::confirmed(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it != m_rooms.constEnd() && it->confirmed;
}

void RoomMap::forget(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    --m_perServer[it->serverId];
    setReplicaOf(*it, QString());
    m_rooms.erase(it);
}

int RoomMap::dropServer(const QString &serverId)
{
    int dropped = 0;
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->serverId == serverId) {
            setReplicaOf(*it, QString());
            it = m_rooms.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    m_perServer.remove(serverId);
    clearReplicasOn(serverId);
    return dropped;
}

QStringList RoomMap::roomsOf(const QString &serverId) const
{
    QStringList rooms;
    for (auto it = m_rooms.constBegin(); it != m_rooms.constEnd(); ++it) {
        if (it->serverId == serverId)
            rooms.append(it.key());
    }
    return rooms;
}

QString RoomMap::replica(const QString &room) const
{
    const auto it = m_rooms.constFind(room);
    return it == m_rooms.constEnd() ? QString() : it->replica;
}

void RoomMap::setReplicaOf(Entry &entry, const QString &serverId)
{
    if (entry.replica == serverId)
        return;
    if (!entry.replica.isEmpty()) {
        --m_replicated;
        if (--m_perReplica[entry.replica] <= 0)
            m_perReplica.remove(entry.replica);
        if (--m_replicatedHere[entry.serverId] <= 0)
            m_replicatedHere.remove(entry.serverId);
    }
    entry.replica = serverId;
    if (!serverId.isEmpty()) {
        ++m_replicated;
        ++m_perReplica[serverId];
        ++m_replicatedHere[entry.serverId];
    }
}

bool RoomMap::setReplica(const QString &room, const QString &serverId)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end() || it->serverId == serverId)
        return false;
    setReplicaOf(*it, serverId);
    return true;
}

void RoomMap::clearReplica(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it != m_rooms.end())
        setReplicaOf(*it, QString());
}

int RoomMap::clearReplicasOn(const QString &serverId)
{
    for (auto it = m_copyHints.begin(); it != m_copyHints.end();)
        it = *it == serverId ? m_copyHints.erase(it) : std::next(it);
    if (!m_perReplica.contains(serverId))
        return 0;
    int cleared = 0;
    for (Entry &entry : m_rooms) {
        if (entry.replica == serverId) {
            setReplicaOf(entry, QString());
            ++cleared;
        }
    }
    return cleared;
}

void RoomMap::applyReplicaList(const QString &serverId, const QSet<QString> &copies)
{
    for (auto it = m_copyHints.begin(); it != m_copyHints.end();)
        it = *it == serverId ? m_copyHints.erase(it) : std::next(it);
    for (const QString &name : copies) {
        const auto it = m_rooms.find(name);
        if (it == m_rooms.end())
            m_copyHints.insert(name, serverId);
        else if (it->replica.isEmpty() && it->serverId != serverId) {
            setReplicaOf(*it, serverId);
            it->confirmed = true; // only a room that exists is copied
        }
    }
}

void RoomMap::renameServer(const QString &from, const QString &to)
{
    for (Entry &room : m_rooms) {
        if (room.serverId == from)
            room.serverId = to;
        if (room.replica == from)
            room.replica = to;
    }
    for (QString &hint : m_copyHints) {
        if (hint == from)
            hint = to;
    }
    if (m_perReplica.contains(from))
        m_perReplica.insert(to, m_perReplica.take(from));
    if (m_replicatedHere.contains(from))
        m_replicatedHere.insert(to, m_replicatedHere.take(from));
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
            it = m_rooms.insert(name, Entry{serverId, nowMs, {}, true});
            ++m_perServer[serverId];
            // A copy reported before its room (a balancer restart reads the lists in any order).
            const QString copy = m_copyHints.take(name);
            if (!copy.isEmpty() && copy != serverId)
                setReplicaOf(*it, copy);
        } else if (it->serverId != serverId) {
            if (!isLive(it->serverId)) {
                --m_perServer[it->serverId];
                setReplicaOf(*it, QString()); // whatever copy there was belonged to the old holder
                it->serverId = serverId;
                it->confirmed = true;
                ++m_perServer[serverId];
            } else if (conflicts) {
                // Two servers hold the same name (after a split brain, or a moved room whose
                // source has not deleted its copy yet): the mapping clients use is kept.
                conflicts->append(name);
            }
        } else {
            it->confirmed = true;
        }
    }
    for (auto it = m_rooms.begin(); it != m_rooms.end();) {
        if (it->serverId == serverId && !held.contains(it.key()) &&
            nowMs - it->placedMs > unconfirmedPlacementMs) {
            --m_perServer[serverId];
            setReplicaOf(*it, QString());
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
                           qint64 nowMs, bool failover)
{
    m_transit.insert(room, Transit{from, to, nowMs, failover});
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
