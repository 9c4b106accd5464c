#include "rooms/RoomHost.h"

#include "core/ServerContext.h"
#include "net/WebSocketFrame.h"
#include "protocol/ServerFrame.h"
#include "protocol/VersionedError.h"
#include "rooms/PasswordHasher.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QSet>
#include <QThreadPool>

Q_LOGGING_CATEGORY(lcRooms, "rooms")

namespace ic::server {

using proto::Command;

namespace {

// Whether a broadcast meant for one class of sessions (v1 or pv >= 2) goes to this member.
bool reaches(const Room &room, const RoomSend &item, quint64 connection)
{
    if (item.audience == RoomSend::Audience::All)
        return true;
    return room.isExtendedMember(connection) == (item.audience == RoomSend::Audience::Extended);
}

} // namespace

RoomHost::RoomHost(ServerContext &context, RoomThread *thread, QObject *parent)
    : QObject(parent), m_context(context), m_thread(thread),
      // PBKDF2 is slow by design; 1 guess a second (burst 10) per address and room keeps the
      // pool free for everybody else. Lifted by --rate-limits off like every per-client limit.
      m_passwordChecks(context.settings().rateLimits ? 1.0 : 0.0, 10.0),
      m_replicaSettings(RoomReplication::replicaSettings(context.settings().room, &m_replicaBytes))
{
}

bool RoomHost::allowPasswordCheck(const QString &address, const QString &room)
{
    return m_passwordChecks.allow(address + u'\n' + room, QDateTime::currentMSecsSinceEpoch());
}

RoomHost::~RoomHost() = default;

RoomHost::Entry *RoomHost::entry(const QString &room)
{
    const auto it = m_rooms.find(room);
    return it == m_rooms.end() ? nullptr : it->second.get();
}

Room *RoomHost::find(const QString &room)
{
    Entry *found = entry(room);
    return found ? found->room.get() : nullptr;
}

Room &RoomHost::create(const QString &name, const QUuid &creator, PasswordHash password)
{
    return *createEntry(name, creator, std::move(password)).room;
}

bool RoomHost::allowHttpSend(const QString &room, qint64 nowMs)
{
    Entry *found = entry(room);
    return found && found->httpSends.take(nowMs);
}

void RoomHost::broadcast(const QString &room, RoomResult result, qint64 receivedNs)
{
    if (Entry *found = entry(room))
        route(*found, std::move(result), receivedNs);
}

void RoomHost::touch(const QString &room, qint64 nowNs)
{
    Entry *found = entry(room);
    if (!found)
        return;
    found->room->touch(nowNs);
    record(*found, [&](QByteArray &out, quint64 seq) {
        RoomReplication::appendTouch(out, seq, nowNs, *found->room);
    });
}

RoomResult RoomHost::postExternal(const QString &room, const QString &encodedText, qint64 nowNs,
                                  qint64 *id)
{
    Entry *found = entry(room);
    if (!found) {
        RoomResult missing;
        missing.error = ErrorCode::RoomNotFound;
        return missing;
    }
    RoomResult result = found->room->postExternal(encodedText, nowNs, id);
    if (result.error == ErrorCode::None) {
        record(*found, [&](QByteArray &out, quint64 seq) {
            RoomReplication::appendExternal(out, seq, encodedText, nowNs, *found->room);
        });
    }
    return result;
}

RoomHost::Entry &RoomHost::createEntry(const QString &name, const QUuid &creator,
                                       PasswordHash password)
{
    RoomSettings settings = m_context.settings().room;
    settings.serverBytes = &m_context.metrics().storedMessageBytes;
    Entry &created = addLive(std::make_unique<Room>(name, creator, std::move(password),
                                                    std::move(settings), proto::nowNanoseconds()));
    qCDebug(lcRooms) << "room created on worker" << m_thread->index();
    return created;
}

RoomHost::Entry &RoomHost::addLive(std::unique_ptr<Room> room)
{
    auto entry = std::make_unique<Entry>();
    entry->room = std::move(room);
    entry->room->setServerStatus(m_context.status());
    if (m_context.settings().rateLimits)
        entry->httpSends = TokenBucket(20, 40);
    Entry &added = *entry;
    const QString name = added.room->name();
    // A live room here makes any copy of the same name stale (the room moved here by handoff).
    m_copies.erase(name);
    m_rooms.emplace(name, std::move(entry));
    m_context.metrics().rooms.fetch_add(1, std::memory_order_relaxed);
    // A new room's first answers wait for its replica's copy.
    if (m_channel)
        startReplication(added);
    return added;
}

void RoomHost::updateOnline(qint64 delta)
{
    if (delta)
        m_context.metrics().usersOnline.fetch_add(delta, std::memory_order_relaxed);
}

void RoomHost::replyError(const CommandRequest &request, ErrorCode code)
{
    code = proto::errorForVersion(code, request.caller.protocolVersion);
    m_context.metrics().countError(code);
    Delivery delivery;
    delivery.finished = true;
    delivery.bytes.append(
        ws::encodeFrame(ws::Opcode::Text, proto::encodeErrorFrame(code, request.caller.requestId,
                                                                  proto::nowNanoseconds())));
    request.home->deliver(request.caller.connection, std::move(delivery));
}

void RoomHost::execute(CommandRequest request)
{
    const Command kind = request.frame.kind;
    if (kind == Command::RoomCreateJoin || kind == Command::RoomJoin ||
        kind == Command::RoomCreate || kind == Command::RoomCreateJoinAuthorise) {
        join(std::move(request));
        return;
    }
    // Typing signals are the first thing a busy worker sheds: they are never stored and the
    // client repeats them, so dropping one loses nothing (no answer either way).
    if (kind == Command::Typing && m_thread->overloaded()) {
        m_context.metrics().countRateLimited("typing");
        return;
    }
    Entry *entry = this->entry(request.room);
    if (refuseMoving(request, entry))
        return;
    if (!entry) {
        replyError(request, ErrorCode::RoomNotFound);
        return;
    }
    const qint64 before = entry->room->memberCount();
    const qint64 nowNs = proto::nowNanoseconds();
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    RoomResult result = entry->room->command(request.caller, request.frame, nowNs, nowMs);
    updateOnline(entry->room->memberCount() - before);
    if (result.rateLimited)
        m_context.metrics().countRateLimited("message");
    if (entry->replication && RoomReplication::records(request.frame, result)) {
        record(*entry, [&](QByteArray &out, quint64 seq) {
            RoomReplication::appendCommand(out, seq, request.caller, request.frame, nowNs, nowMs,
                                           *entry->room);
        });
    }
    route(*entry, std::move(result), request.receivedNs, &request);
}

void RoomHost::join(CommandRequest request)
{
    const Command kind = request.frame.kind;
    const QString &password = request.frame.roomPassword;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    Entry *entry = this->entry(request.room);
    if (refuseMoving(request, entry))
        return;
    bool created = false;
    if (!entry) {
        if (kind == Command::RoomJoin) {
            replyError(request, ErrorCode::RoomNotFound);
            return;
        }
        // A relaxed read may let a few concurrent creations past the cap on other threads;
        // the cap bounds memory, it need not be exact, and it takes no lock on the room path.
        if (m_context.metrics().rooms.load(std::memory_order_relaxed) >=
            m_context.settings().maxRooms) {
            m_context.metrics().countRateLimited("rooms");
            replyError(request, ErrorCode::RoomFull); // 208: the clearest existing "no room here"
            return;
        }
        if (!request.newPassword && !m_context.createLimiter().allow(request.address, nowMs)) {
            m_context.metrics().countRateLimited("create");
            replyError(request, ErrorCode::RateLimited);
            return;
        }
        if (!password.isEmpty() && !request.newPassword) {
            hashNewPassword(password, [this, request](PasswordHash hash) mutable {
                request.newPassword = std::move(hash);
                join(std::move(request));
            });
            return;
        }
        entry = &createEntry(request.room, request.caller.session,
                             request.newPassword.value_or(PasswordHash()));
        created = true;
    } else {
        if (kind == Command::RoomCreate) {
            replyError(request, ErrorCode::RoomExists);
            return;
        }
        const bool authoriseOnly = kind == Command::RoomCreateJoinAuthorise;
        const qint64 users = entry->room->userCount();
        const qint64 precheckNs = proto::nowNanoseconds();
        const ErrorCode full =
            entry->room->precheckJoin(request.caller.session, authoriseOnly, precheckNs);
        // A full room let expired users go: the copy lets the same users go.
        if (entry->room->userCount() != users) {
            record(*entry, [&](QByteArray &out, quint64 seq) {
                RoomReplication::appendExpire(out, seq, precheckNs, *entry->room);
            });
        }
        if (full != ErrorCode::None) {
            replyError(request, full);
            return;
        }
        const bool checked = request.passwordMatches && request.checkedRoomId == entry->room->id();
        if (entry->room->needsPasswordCheck(request.caller.session, !password.isEmpty()) &&
            !checked) {
            if (!entry->room->hasPassword()) {
                request.passwordMatches = false;
                request.checkedRoomId = entry->room->id();
            } else {
                if (!allowPasswordCheck(request.address, request.room)) {
                    m_context.metrics().countRateLimited("password");
                    replyError(request, ErrorCode::RateLimited);
                    return;
                }
                const QString roomId = entry->room->id();
                verifyPassword(password, entry->room->password(),
                               [this, request, roomId](bool ok) mutable {
                                   request.passwordMatches = ok;
                                   request.checkedRoomId = roomId;
                                   join(std::move(request));
                               });
                return;
            }
        }
    }

    Room::JoinRequest joinRequest;
    joinRequest.caller = request.caller;
    joinRequest.userName = request.frame.userName;
    joinRequest.passwordGiven = !password.isEmpty();
    joinRequest.passwordMatches = created || (request.passwordMatches.value_or(false) &&
                                              request.checkedRoomId == entry->room->id());
    joinRequest.authoriseOnly =
        kind == Command::RoomCreateJoinAuthorise || kind == Command::RoomCreate;
    joinRequest.created = created;
    const qint64 before = entry->room->memberCount();
    const qint64 nowNs = proto::nowNanoseconds();
    RoomResult result = entry->room->join(joinRequest, nowNs);
    updateOnline(entry->room->memberCount() - before);
    record(*entry, [&](QByteArray &out, quint64 seq) {
        RoomReplication::appendJoin(out, seq, joinRequest, nowNs, *entry->room);
    });
    route(*entry, std::move(result), request.receivedNs, &request);
}

void RoomHost::send(Entry &entry, quint64 connection, const QByteArray &frame, bool close,
                    quint16 code)
{
    RoomThread *home = entry.homes.value(connection);
    if (!home)
        return;
    if (!close && holding(entry)) {
        // The common held entry, a plain frame, stays small (no Delivery of its own).
        hold(entry, {entry.replication->lastRecorded, home, connection, frame, nullptr});
        return;
    }
    Delivery delivery(frame);
    delivery.close = close;
    delivery.closeCode = code;
    if (close)
        delivery.left = entry.room->name();
    deliver(entry, home, connection, std::move(delivery));
}

void RoomHost::deliver(Entry &entry, RoomThread *home, quint64 connection, Delivery delivery)
{
    if (holding(entry)) {
        auto rest = std::make_unique<Held::Rest>();
        rest->delivery = std::move(delivery);
        hold(entry,
             {entry.replication->lastRecorded, home, connection, QByteArray(), std::move(rest)});
        return;
    }
    home->deliver(connection, std::move(delivery));
}

void RoomHost::route(Entry &entry, RoomResult result, qint64 receivedNs,
                     const CommandRequest *request)
{
    if (request && result.error != ErrorCode::None)
        m_context.metrics().countError(
            proto::errorForVersion(result.error, request->caller.protocolVersion));
    // A connection a frame is addressed to is forgotten after that frame, not before.
    QSet<quint64> addressed;
    for (const RoomSend &item : std::as_const(result.sends)) {
        if (item.to == RoomSend::To::Connection)
            addressed.insert(item.connection);
    }
    for (quint64 removed : std::as_const(result.removedConnections)) {
        if (!addressed.contains(removed))
            entry.homes.remove(removed);
    }

    // Connection ids start at 1: without a request, 0 is nobody's.
    const quint64 sender = request ? request->caller.connection : 0;
    // The sender's frames go in one delivery after every member's (it finishes the request).
    Delivery toSender;
    toSender.finished = true;
    double delivered = 0;
    bool broadcastReachedSomeone = false; // only then is its latency observed
    for (const RoomSend &item : std::as_const(result.sends)) {
        if (item.to == RoomSend::To::Sender && !request)
            continue;
        const QByteArray frame = ws::encodeFrame(ws::Opcode::Text, item.json);
        switch (item.to) {
        case RoomSend::To::Sender:
            toSender.bytes.append(frame);
            break;
        case RoomSend::To::Members:
        case RoomSend::To::Others:
            for (auto it = entry.homes.cbegin(); it != entry.homes.cend(); ++it) {
                if (!reaches(*entry.room, item, it.key()))
                    continue;
                if (it.key() == sender) {
                    if (item.to == RoomSend::To::Members) {
                        toSender.bytes.append(frame);
                        broadcastReachedSomeone = true;
                    }
                    continue;
                }
                send(entry, it.key(), frame, false, 0);
                ++delivered;
                broadcastReachedSomeone = true;
            }
            break;
        case RoomSend::To::Connection:
            send(entry, item.connection, frame, item.closeAfter, item.closeCode);
            ++delivered;
            entry.homes.remove(item.connection);
            break;
        }
    }
    if (request) {
        if (result.joined) {
            entry.homes.insert(sender, request->home);
            toSender.joined = entry.room->name();
        }
        delivered += toSender.bytes.size();
        deliver(entry, request->home, sender, std::move(toSender));
    }
    ServerMetrics &metrics = m_context.metrics();
    metrics.framesDelivered.Increment(delivered);
    if (broadcastReachedSomeone && receivedNs)
        metrics.broadcastLatency.Observe(double(proto::nowNanoseconds() - receivedNs) / 1e9);
}

void RoomHost::leave(const QString &room, quint64 connection)
{
    Entry *entry = this->entry(room);
    if (!entry)
        return;
    const qint64 before = entry->room->memberCount();
    const qint64 nowNs = proto::nowNanoseconds();
    RoomResult result = entry->room->leave(connection, nowNs);
    updateOnline(entry->room->memberCount() - before);
    if (!result.removedConnections.isEmpty()) {
        record(*entry, [&](QByteArray &out, quint64 seq) {
            RoomReplication::appendLeave(out, seq, connection, nowNs, *entry->room);
        });
    }
    entry->homes.remove(connection);
    route(*entry, std::move(result), 0);
}

QList<RoomSummary> RoomHost::summaries() const
{
    QList<RoomSummary> list;
    list.reserve(qsizetype(m_rooms.size()));
    for (const auto &[name, entry] : m_rooms) {
        const Room &room = *entry->room;
        list.append({name, room.userCount(), room.memberCount(), room.messageCount(),
                     room.createdAtNs(), room.lastActivityNs()});
    }
    return list;
}

void RoomHost::announceStatus(QLatin1StringView status)
{
    for (auto &[name, entry] : m_rooms)
        route(*entry, entry->room->announceStatus(status), 0);
}

bool RoomHost::deleteRoom(const QString &room)
{
    const auto it = m_rooms.find(room);
    if (it == m_rooms.end())
        return false;
    Entry &entry = *it->second;
    releaseAll(entry); // nothing to keep safe any more: the evictions follow what was held
    const qint64 before = entry.room->memberCount();
    RoomResult result = entry.room->evictAll(ErrorCode::RoomNotFound);
    updateOnline(-before);
    route(entry, std::move(result), 0);
    eraseRoom(room);
    return true;
}

void RoomHost::housekeep()
{
    const qint64 nowNs = proto::nowNanoseconds();
    const qint64 lifetimeNs = m_context.settings().roomLifetimeSeconds * 1000000000LL;
    // Expired users go every few seconds: a full room lets them go at once anyway.
    const qint64 nowMs = nowNs / 1000000;
    const bool expireUsers = nowMs - m_lastHousekeepMs >= 5000;
    if (expireUsers)
        m_lastHousekeepMs = nowMs;
    forgetMoved(nowMs);
    qint64 largest = 0;
    QStringList expired;
    for (auto &[name, entry] : m_rooms) {
        Room &room = *entry->room;
        if (room.memberCount() == 0 && nowNs - room.lastActivityNs() >= lifetimeNs &&
            !entry->frozen) {
            expired.append(name);
            continue;
        }
        if (expireUsers && room.expireUsers(nowNs) > 0) {
            record(*entry, [&](QByteArray &out, quint64 seq) {
                RoomReplication::appendExpire(out, seq, nowNs, room);
            });
        }
        largest = std::max(largest, room.storedBytes());
    }
    for (const QString &name : std::as_const(expired))
        eraseRoom(name);
    if (m_channel)
        retryReplication(nowMs);
    expireCopies(nowMs);
    m_context.metrics().largestRoomBytes[size_t(m_thread->index()) % 256].store(
        largest, std::memory_order_relaxed);
}

void RoomHost::hashNewPassword(const QString &password, std::function<void(PasswordHash)> done)
{
    m_context.passwordPool().start([this, password, done = std::move(done)]() {
        PasswordHash hash = hashPassword(password);
        QMetaObject::invokeMethod(
            this, [done, hash]() { done(hash); }, Qt::QueuedConnection);
    });
}

void RoomHost::verifyPassword(const QString &password, const PasswordHash &hash,
                              std::function<void(bool)> done)
{
    m_context.passwordPool().start([this, password, hash, done = std::move(done)]() {
        const bool ok = passwordMatches(password, hash);
        QMetaObject::invokeMethod(
            this, [done, ok]() { done(ok); }, Qt::QueuedConnection);
    });
}

} // namespace ic::server
