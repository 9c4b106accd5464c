// RoomHost's part of a handoff (docs/interfaces.md "Handoff"): freezing a room and taking its
// snapshot on the source, adopting a restored room on the target. The procedure that drives it
// runs on the main thread (app/Handoff); the import route is http/RoomCalls.

#include "core/ServerContext.h"
#include "net/WebSocketFrame.h"
#include "protocol/ServerFrame.h"
#include "rooms/RoomHost.h"
#include "rooms/RoomSnapshot.h"

#include <QDateTime>

namespace ic::server {
namespace {

// How long joins for a room that moved away are still closed with 1012 instead of creating it
// again here: a client told this server before the move reconnects through the balancer.
constexpr qint64 movedMemoryMs = 60000;

} // namespace

QStringList RoomHost::roomNames() const
{
    QStringList names;
    names.reserve(qsizetype(m_rooms.size()));
    for (const auto &[name, entry] : m_rooms) {
        if (!entry->frozen)
            names.append(name);
    }
    return names;
}

bool RoomHost::refuseMoving(const CommandRequest &request, Entry *entry)
{
    // A name held here only as a replica's copy is a room of another server.
    if (entry ? !entry->frozen
              : !m_movedAway.contains(request.room) && m_copies.count(request.room) == 0)
        return false;
    // Not processed, not answered: the client resends after it rejoined the room's new home.
    Delivery delivery;
    delivery.finished = true;
    delivery.close = true;
    delivery.closeCode = ws::CloseRoomMoved;
    request.home->deliver(request.caller.connection, std::move(delivery));
    return true;
}

QByteArray RoomHost::freezeAndSnapshot(const QString &room)
{
    Entry *entry = this->entry(room);
    if (!entry || entry->frozen)
        return {};
    // What the room held back for its replica goes out first: the snapshot carries the room
    // on, and every member's close must follow its frames.
    releaseAll(*entry);
    entry->frozen = true;
    const qint64 nowNs = proto::nowNanoseconds();
    // Online members are recorded online; the target restores them offline as of now.
    QByteArray snapshot = RoomSnapshot::encode(*entry->room, nowNs);
    // Each member's deliveries are queued in order on its thread, so the close follows every
    // frame already sent to it.
    for (auto it = entry->homes.cbegin(); it != entry->homes.cend(); ++it) {
        Delivery delivery;
        delivery.close = true;
        delivery.closeCode = ws::CloseRoomMoved;
        delivery.left = room;
        it.value()->deliver(it.key(), std::move(delivery));
    }
    entry->homes.clear();
    const qint64 online = entry->room->memberCount();
    entry->room->evictAll(ErrorCode::RoomNotFound); // its frames are dropped: the close says it
    updateOnline(-online);
    return snapshot;
}

void RoomHost::unfreeze(const QString &room)
{
    if (Entry *entry = this->entry(room))
        entry->frozen = false;
}

void RoomHost::dropMoved(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    updateOnline(-it->second->room->memberCount());
    eraseRoom(room);
    m_movedAway.insert(room, QDateTime::currentMSecsSinceEpoch());
}

void RoomHost::forgetMoved(qint64 nowMs)
{
    m_movedAway.removeIf(
        [nowMs](const auto &moved) { return nowMs - moved.value() > movedMemoryMs; });
}

bool RoomHost::isMoving(const QString &room) const
{
    const auto it = m_rooms.find(room);
    if (it != m_rooms.end())
        return it->second->frozen;
    return m_movedAway.contains(room) || m_copies.count(room) > 0;
}

void RoomHost::adopt(std::unique_ptr<Room> room)
{
    m_movedAway.remove(room->name());
    addLive(std::move(room));
    m_context.metrics().roomsReceived.Increment();
}

} // namespace ic::server
