// RoomHost's part of replication (docs/architecture.md "Replication batches"): on the primary,
// records shipped per room with one batch in flight (those gathered meanwhile bounded in bytes,
// an Init of the whole room past the bound) and every produced frame held until the replica
// acknowledged the records up to it; on the replica, copies of other servers' rooms
// kept apart from the live ones, updated by batches and promoted to live rooms on failover.
// The network side is a ReplicaChannel (app/).

#include "core/ServerContext.h"
#include "net/WebSocketFrame.h"
#include "protocol/ServerFrame.h"
#include "rooms/RoomHost.h"
#include "rooms/RoomSnapshot.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <limits>

Q_DECLARE_LOGGING_CATEGORY(lcRooms)

namespace ic::server {
namespace {

// After a lost replica the first new copy is tried this soon, then less and less often.
constexpr qint64 retryFirstMs = 1000;
constexpr qint64 retryMaxMs = 30000;

} // namespace

void RoomHost::setReplicaChannel(ReplicaChannel *channel)
{
    m_channel = channel;
    for (auto &[name, entry] : m_rooms) {
        if (channel && !entry->replication) {
            startReplication(*entry);
        } else if (!channel && entry->replication) {
            releaseAll(*entry);
            entry->replication.reset();
        }
    }
}

void RoomHost::startReplication(Entry &entry)
{
    entry.replication = std::make_unique<Replication>();
    recordInit(entry);
}

void RoomHost::recordInit(Entry &entry)
{
    const qint64 nowNs = proto::nowNanoseconds();
    // Records are empty here (a new replication, a resync, a retry): the Init is their head and
    // is not counted against the backlog bound.
    record(entry, [&](QByteArray &out, quint64 seq) {
        RoomReplication::appendInit(out, seq, *entry.room, nowNs);
        if (entry.replication)
            entry.replication->initBytes = out.size();
    });
}

void RoomHost::scheduleShip(const QString &room)
{
    m_toShip.insert(room);
    if (m_shipScheduled)
        return;
    m_shipScheduled = true;
    QMetaObject::invokeMethod(this, &RoomHost::shipPending, Qt::QueuedConnection);
}

void RoomHost::shipPending()
{
    m_shipScheduled = false;
    const QSet<QString> rooms = std::exchange(m_toShip, {});
    for (const QString &room : rooms)
        ship(room);
}

void RoomHost::ship(const QString &room)
{
    Entry *found = entry(room);
    if (!found || !m_channel || !found->replication)
        return;
    Replication &replication = *found->replication;
    if (replication.lost || replication.inFlight)
        return;
    if (replication.initPending) {
        // Made now, between events: the room is in a consistent state, and the Init carries
        // every change whose record was dropped. Its seq is above every held frame's.
        replication.initPending = false;
        replication.records.clear();
        RoomReplication::appendInit(replication.records, ++replication.lastRecorded, *found->room,
                                    proto::nowNanoseconds());
        replication.count = 1;
    }
    if (replication.count == 0)
        return;
    QByteArray batch = RoomReplication::batch(room, replication.count, replication.records);
    replication.records.clear();
    replication.count = 0;
    replication.initBytes = 0;
    replication.inFlight = replication.lastRecorded;
    // The channel may answer before returning, and an answer may remove the room.
    m_channel->ship(room, std::move(batch), replication.inFlight);
}

void RoomHost::hold(Entry &entry, Held item)
{
    Replication &replication = *entry.replication;
    // Members' copies of one broadcast frame share its bytes and are held one after the other.
    const bool sharedFrame = !replication.held.empty() && !item.frame.isEmpty() &&
                             replication.held.back().frame.constData() == item.frame.constData();
    item.bytes = qsizetype(sizeof(Held)) + (sharedFrame ? 0 : item.frame.size());
    if (item.rest) {
        item.bytes += qsizetype(sizeof(Held::Rest));
        for (const QByteArray &bytes : std::as_const(item.rest->delivery.bytes))
            item.bytes += bytes.size();
    }
    replication.heldBytes += item.bytes;
    replication.held.push_back(std::move(item));
    if (replication.heldBytes > maxReplicaHeldBytes) {
        m_context.metrics().replicaHeldOverflows.Increment();
        qCWarning(lcRooms) << "room" << entry.room->name() << "held more than"
                           << maxReplicaHeldBytes << "bytes for its replica";
        // As a lost replica: released now, a new copy tried after the back-off (by then the
        // batch in flight has been answered or has timed out).
        replicaLost(entry.room->name());
    }
}

void RoomHost::countBacklogInit()
{
    m_context.metrics().replicaBacklogInits.Increment();
}

void RoomHost::release(Entry &entry, quint64 upTo)
{
    std::deque<Held> &held = entry.replication->held;
    while (!held.empty() && held.front().seq <= upTo) {
        Held item = std::move(held.front());
        held.pop_front();
        entry.replication->heldBytes -= item.bytes;
        if (!item.rest)
            item.home->deliver(item.connection, Delivery(item.frame));
        else if (item.rest->done)
            item.rest->done(true);
        else
            item.home->deliver(item.connection, std::move(item.rest->delivery));
    }
}

void RoomHost::releaseAll(Entry &entry)
{
    Replication *replication = entry.replication.get();
    if (!replication)
        return;
    // Unreplicated from here on: nothing is recorded or held until the next Init.
    replication->lost = true;
    replication->inFlight = 0;
    replication->records.clear();
    replication->count = 0;
    replication->initBytes = 0;
    replication->initPending = false;
    replication->acked = replication->lastRecorded;
    replication->retryAtMs = QDateTime::currentMSecsSinceEpoch() + replication->backoffMs;
    release(entry, std::numeric_limits<quint64>::max());
}

void RoomHost::whenReplicated(const QString &room, std::function<void(bool replicated)> done)
{
    Entry *found = entry(room);
    if (!found || !holding(*found)) {
        done(true);
        return;
    }
    auto rest = std::make_unique<Held::Rest>();
    rest->done = std::move(done);
    hold(*found, {found->replication->lastRecorded, nullptr, 0, QByteArray(), std::move(rest)});
}

void RoomHost::replicaAcked(const QString &room, quint64 seq)
{
    Entry *found = entry(room);
    if (!found || !found->replication || found->replication->lost)
        return;
    Replication &replication = *found->replication;
    seq = std::min(seq, replication.lastRecorded);
    replication.acked = std::max(replication.acked, seq);
    if (replication.inFlight && seq >= replication.inFlight)
        replication.inFlight = 0;
    replication.backoffMs = 0;
    release(*found, replication.acked);
    if (replication.count > 0 || replication.initPending)
        scheduleShip(room);
}

void RoomHost::replicaResync(const QString &room)
{
    Entry *found = entry(room);
    if (!found || !found->replication || found->replication->lost)
        return;
    Replication &replication = *found->replication;
    replication.inFlight = 0;
    // The Init captures every change the dropped records carried.
    replication.records.clear();
    replication.count = 0;
    replication.initBytes = 0;
    replication.initPending = false;
    recordInit(*found);
}

void RoomHost::replicaLost(const QString &room)
{
    Entry *found = entry(room);
    if (!found || !found->replication || found->replication->lost)
        return;
    Replication &replication = *found->replication;
    replication.backoffMs =
        replication.backoffMs ? std::min(2 * replication.backoffMs, retryMaxMs) : retryFirstMs;
    releaseAll(*found);
    qCInfo(lcRooms) << "room" << room << "has no replica; next try in" << replication.backoffMs
                    << "ms";
}

void RoomHost::retryReplication(qint64 nowMs)
{
    for (auto &[name, entry] : m_rooms) {
        Replication *replication = entry->replication.get();
        if (!replication || !replication->lost || entry->frozen || nowMs < replication->retryAtMs)
            continue;
        replication->lost = false;
        recordInit(*entry);
    }
}

void RoomHost::replicaFenced(const QString &room)
{
    Entry *found = entry(room);
    if (!found)
        return;
    qCWarning(lcRooms) << "room" << room << "was promoted on another server; dropping it here";
    // Its held frames were never on two servers: nobody may see them; an HTTP sender waiting
    // is told its message is not safe.
    if (found->replication) {
        std::deque<Held> held = std::exchange(found->replication->held, {});
        found->replication->heldBytes = 0;
        for (Held &item : held) {
            if (item.rest && item.rest->done)
                item.rest->done(false);
        }
    }
    for (auto it = found->homes.cbegin(); it != found->homes.cend(); ++it) {
        Delivery delivery;
        delivery.close = true;
        delivery.closeCode = ws::CloseRoomMoved;
        delivery.left = room;
        it.value()->deliver(it.key(), std::move(delivery));
    }
    updateOnline(-found->room->memberCount());
    eraseRoom(room, true);
    m_movedAway.insert(room, QDateTime::currentMSecsSinceEpoch());
}

qsizetype RoomHost::replicaHeldBytes(const QString &room)
{
    const Entry *found = entry(room);
    return found && found->replication ? found->replication->heldBytes : 0;
}

qsizetype RoomHost::replicaBacklogBytes(const QString &room)
{
    const Entry *found = entry(room);
    return found && found->replication ? found->replication->records.size() : 0;
}

void RoomHost::eraseRoom(const QString &room, bool keepCopy)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return;
    const bool replicated = it->second->replication != nullptr;
    releaseAll(*it->second);
    m_rooms.erase(it);
    m_context.metrics().rooms.fetch_sub(1, std::memory_order_relaxed);
    if (replicated && m_channel && !keepCopy)
        m_channel->drop(room);
}

RoomHost::ReplicaApplied RoomHost::applyReplica(QByteArrayView bytes)
{
    ReplicaApplied applied;
    bool overBudget = false;
    std::optional<RoomReplication::Batch> batch =
        RoomReplication::decode(bytes, m_replicaSettings, &applied.error, &overBudget);
    if (!batch) {
        applied.status = overBudget ? ReplicaApplied::OverBudget : ReplicaApplied::Malformed;
        return applied;
    }
    if (m_rooms.count(batch->room)) {
        applied.status = ReplicaApplied::Promoted;
        applied.error = QStringLiteral("this server holds the room as a live room");
        return applied;
    }
    auto it = m_copies.find(batch->room);
    if (it == m_copies.end()) {
        const bool startsCopy =
            !batch->records.isEmpty() && batch->records.first().kind == RoomReplication::Kind::Init;
        if (!startsCopy) {
            applied.status = batch->records.isEmpty() ? ReplicaApplied::Ok : ReplicaApplied::Resync;
            return applied;
        }
        if (qint64(m_copies.size()) >= m_context.settings().maxRooms) {
            applied.status = ReplicaApplied::OverBudget;
            applied.error = QStringLiteral("this server holds as many room copies as it may");
            return applied;
        }
        it = m_copies.emplace(batch->room, std::make_unique<Copy>()).first;
    }
    Copy &copy = *it->second;
    copy.lastBatchMs = QDateTime::currentMSecsSinceEpoch();
    const RoomReplication::Applied outcome =
        RoomReplication::apply(copy.state, *batch, m_replicaSettings, &applied.error);
    applied.seq = copy.state.lastSeq;
    if (!copy.state.room)
        m_copies.erase(it);
    switch (outcome) {
    case RoomReplication::Applied::Ok:
        applied.status = ReplicaApplied::Ok;
        break;
    case RoomReplication::Applied::Resync:
        applied.status = ReplicaApplied::Resync;
        break;
    case RoomReplication::Applied::Malformed:
        applied.status = ReplicaApplied::Malformed;
        break;
    case RoomReplication::Applied::OverBudget:
        applied.status = ReplicaApplied::OverBudget;
        break;
    }
    return applied;
}

bool RoomHost::promoteReplica(const QString &room)
{
    const auto it = m_copies.find(room);
    if (it == m_copies.end() || !it->second->state.room)
        return false;
    if (m_rooms.count(room)) {
        m_copies.erase(it);
        return true;
    }
    // Through the offline form: members come back offline as of now (their sockets were on
    // the dead server), and the room gets this server's live settings and budget.
    const QByteArray bytes = RoomSnapshot::encode(*it->second->state.room, proto::nowNanoseconds());
    m_copies.erase(it);
    RoomSettings settings = m_context.settings().room;
    settings.serverBytes = &m_context.metrics().storedMessageBytes;
    QString error;
    std::unique_ptr<Room> live = RoomSnapshot::decode(bytes, settings, &error);
    if (!live) {
        qCWarning(lcRooms) << "room" << room << "could not be promoted:" << error;
        return false;
    }
    m_movedAway.remove(room);
    addLive(std::move(live));
    return true;
}

bool RoomHost::dropReplica(const QString &room)
{
    return m_copies.erase(room) > 0;
}

QStringList RoomHost::replicaNames() const
{
    QStringList names;
    names.reserve(qsizetype(m_copies.size()));
    for (const auto &[name, copy] : m_copies)
        names.append(name);
    return names;
}

void RoomHost::expireCopies(qint64 nowMs)
{
    const qint64 lifetimeMs = m_context.settings().roomLifetimeSeconds * 1000;
    std::erase_if(m_copies,
                  [&](const auto &copy) { return nowMs - copy.second->lastBatchMs >= lifetimeMs; });
}

} // namespace ic::server
