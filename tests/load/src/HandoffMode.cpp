// The handoff scenario's side of the engine: users that behave as real clients do when their
// room moves to another server (close 1012) or their server restarts, and the bookkeeping that
// tells afterwards whether anything acknowledged was lost or duplicated and whether users,
// creators and passwords survived.
//
// Client rules (the same for web, desktop and ChatClient): on close 1012 or any unexpected close,
// reconnect at once (0-300 ms jitter) through /pick_backend with the same session cookie, rejoin
// with join-only R_J, the same name and the room's password; a TM that got no RP before the close
// is sent again once after the rejoin; one that got its RP never is. ER 202 on a rejoin means the
// room is really gone: the user stops (a real client asks before re-creating it).

#include "Engine.h"
#include "EngineUser.h"

#include "protocol/ClientFrame.h"
#include "protocol/ServerFrame.h"

#include <QJsonArray>
#include <QRandomGenerator>
#include <cmath>

namespace ic::load {

namespace {

constexpr qint64 msNs = 1000000;
// A user that has not rejoined this long after its close stops (counted as gave up): far above
// the handoff bound, so it only fires when a room is truly unreachable.
constexpr qint64 reconnectDeadlineNs = 30000 * msNs;
// One reconnect attempt: /pick_backend may hold a request for a room in transit up to 5 s.
constexpr qint64 attemptTimeoutNs = 10000 * msNs;
const QString withoutPasswordRequestId = QStringLiteral("np");

// Spreads a share evenly over items: item i is picked when floor((i+1)s) > floor(is), so 0.2 of
// 30 rooms is exactly 6 rooms, every fifth one.
bool picked(int index, double share)
{
    return std::floor((index + 1) * share) > std::floor(index * share);
}

// A TM's request id is "t<seq>"; -1 for any other request id.
qint64 messageSeq(const std::optional<QString> &requestId)
{
    if (!requestId || !requestId->startsWith(QLatin1Char('t')))
        return -1;
    bool ok = false;
    const qint64 seq = requestId->mid(1).toLongLong(&ok);
    return ok ? seq : -1;
}

QHash<QString, QString> namesById(const QList<proto::WireUser> &users)
{
    QHash<QString, QString> names;
    for (const proto::WireUser &user : users)
        names.insert(user.id, user.name);
    return names;
}

double round2(double value)
{
    return std::round(value * 100) / 100;
}

} // namespace

void Engine::configureHandoff()
{
    for (size_t r = 0; r < m_rooms.size(); ++r) {
        if (picked(int(r), m_options.passwordRoomShare))
            m_rooms[r].track.password =
                QStringLiteral("pw%1x%2")
                    .arg(QRandomGenerator::global()->generate() & 0xFFFFFF, 0, 16)
                    .arg(r);
    }
    for (auto &user : m_users) {
        user->track.name = QStringLiteral("user%1").arg(user->index);
        user->track.protocolVersion = picked(user->index, m_options.v1Share) ? 1 : 2;
    }
    m_rejoinTimer.start();
}

QByteArray Engine::handoffJoinFrame(User &user)
{
    const RoomTrack &room = m_rooms[user.room].track;
    proto::ClientFrame join;
    join.hasRoom = true;
    join.roomName = m_rooms[user.room].name;
    join.requestId = QString::fromLatin1(joinRequestId);
    if (user.track.observer) {
        join.command = QStringLiteral("R_J");
        // First a join without the password: a password room must refuse it (ER 203).
        if (!room.password.isEmpty() && !user.track.triedWithoutPassword)
            join.requestId = withoutPasswordRequestId;
        else
            join.roomPassword = room.password;
        return proto::encodeClientFrame(join);
    }
    // The first join creates the room (with its password); every later one is join-only, so a
    // lost room is never re-created by a reconnect.
    join.command = user.track.everJoined ? QStringLiteral("R_J") : QStringLiteral("R_C_J");
    // A rejoin relies on the session's stored authorisation, as clients do: that is what a
    // move must carry over (and it spares the server a slow password hash per member).
    if (!user.track.everJoined || user.track.passwordOnRejoin)
        join.roomPassword = room.password;
    join.userName = user.track.name;
    return proto::encodeClientFrame(join);
}

void Engine::sendHandoffMessage(User &user, qint64 seq, const QString &token)
{
    proto::ClientFrame frame;
    frame.command = QStringLiteral("TM");
    frame.requestId = QStringLiteral("t%1").arg(seq);
    frame.hasRoom = true;
    frame.roomName = m_rooms[user.room].name;
    proto::ClientMessage message;
    message.text = token; // [a-z0-9] only: URL-encoding leaves it as it is
    frame.message = std::move(message);
    sendBytes(user, ws::encodeFrame(ws::Opcode::Text, proto::encodeClientFrame(frame), true));
}

void Engine::onHandoffPayload(User &user, const QByteArray &payload)
{
    ++m_framesSeen;
    const std::optional<proto::ServerFrame> frame = proto::decodeServerFrame(payload);
    if (!frame)
        return;
    UserTrack &track = user.track;
    RoomTrack &room = m_rooms[user.room].track;
    const bool joining = user.phase == Phase::Joining;
    switch (frame->kind()) {
    case proto::Command::MembersChanged:
        if (joining && frame->users)
            track.members = namesById(*frame->users);
        break;
    case proto::Command::AllMessages:
        if (!joining || !frame->messages)
            break;
        if (track.observer) {
            room.finalTokens.clear();
            for (const proto::WireMessage &message : *frame->messages)
                room.finalTokens.append(message.text.value_or(QString()));
            room.firstFinalId =
                frame->messages->isEmpty() ? 0 : frame->messages->first().id.value_or(0);
        } else {
            track.joinHistory.clear();
            for (const proto::WireMessage &message : *frame->messages) {
                track.seen.insert(message.text.value_or(QString()));
                track.joinHistory.insert(message.text.value_or(QString()));
            }
            track.joinHistoryFirstId =
                frame->messages->isEmpty() ? 0 : frame->messages->first().id.value_or(0);
        }
        break;
    case proto::Command::ChangeDescription:
        if (joining)
            track.creator = frame->creatorUserId.value_or(QString());
        break;
    case proto::Command::TextMessage:
        if (!frame->messages || frame->messages->isEmpty() || track.observer)
            break;
        ++m_receivedEver;
        ++m_window.received;
        {
            const QString token = frame->messages->first().text.value_or(QString());
            if (track.seenLive.contains(token)) {
                ++m_handoff.deliveryDuplicates;
                if (m_handoff.events.size() < 10)
                    m_handoff.events.append(
                        QStringLiteral("user%1 got %2 twice").arg(user.index).arg(token));
            }
            track.seenLive.insert(token);
            track.seen.insert(token);
        }
        break;
    case proto::Command::Reply: {
        if (joining && frame->requestId == withoutPasswordRequestId) {
            room.openedWithoutPassword = true; // a password room let a stranger in
            track.triedWithoutPassword = true;
            onHandoffJoined(user, frame->userId.value_or(QString()));
            break;
        }
        if (joining && frame->requestId == QLatin1StringView(joinRequestId)) {
            onHandoffJoined(user, frame->userId.value_or(QString()));
            break;
        }
        const qint64 seq = messageSeq(frame->requestId);
        const auto it = track.unacked.find(seq);
        if (it == track.unacked.end()) {
            ++m_handoff.unexpectedReplies;
            break;
        }
        track.acked.insert(it->second);
        track.unacked.erase(it);
        ++m_window.replies;
        break;
    }
    case proto::Command::Error: {
        const int code = int(frame->errorCode());
        ++m_errorCodes[code];
        if (joining && frame->requestId == withoutPasswordRequestId) {
            track.triedWithoutPassword = true;
            if (code == int(proto::ErrorCode::InvalidPassword)) {
                room.refusedWithoutPassword = true;
                sendBytes(user, ws::encodeFrame(ws::Opcode::Text, handoffJoinFrame(user), true));
                break;
            }
        }
        if (joining && (frame->requestId == withoutPasswordRequestId ||
                        frame->requestId == QLatin1StringView(joinRequestId))) {
            if (track.observer && code == int(proto::ErrorCode::RoomNotFound))
                room.missing = true;
            if (!track.observer && track.everJoined &&
                code == int(proto::ErrorCode::InvalidPassword) && !track.passwordOnRejoin) {
                // The room forgot this session's authorisation: counted, then the user
                // rejoins with the password it kept.
                ++m_handoff.authorisationsLost;
                track.passwordOnRejoin = true;
                if (m_handoff.events.size() < 10)
                    m_handoff.events.append(
                        QStringLiteral("user%1: rejoin without password refused").arg(user.index));
            }
            fail(user, QStringLiteral("join-ER-%1").arg(code));
            break;
        }
        // A refused TM is answered and will not be sent again.
        const qint64 seq = messageSeq(frame->requestId);
        if (track.unacked.erase(seq) > 0)
            ++m_handoff.tmRefused;
        break;
    }
    default:
        break;
    }
}

void Engine::onHandoffJoined(User &user, const QString &userId)
{
    UserTrack &track = user.track;
    RoomTrack &room = m_rooms[user.room].track;
    const qint64 now = monotonicNs();
    if (track.observer) {
        room.observed = true;
        room.finalCreator = track.creator;
        room.finalNames = track.members;
        onJoined(user);
        leaveUser(user.index); // it has read what it came for
        return;
    }
    auto note = [&](const QString &event) {
        if (m_handoff.events.size() < 10)
            m_handoff.events.append(event);
    };
    // The same user, under the same name, in a room with the same creator, as before the close.
    if (!track.everJoined) {
        track.userId = userId;
    } else if (userId != track.userId) {
        ++m_handoff.userIdChanges;
        note(QStringLiteral("user%1: uId %2 -> %3").arg(user.index).arg(track.userId, userId));
    }
    const auto name = track.members.constFind(userId);
    if (name == track.members.constEnd()) {
        ++m_handoff.nameMissing;
    } else if (*name != track.name) {
        ++m_handoff.nameChanges;
        note(QStringLiteral("user%1: name %2 -> %3").arg(user.index).arg(track.name, *name));
    }
    if (room.creator.isEmpty()) {
        room.creator = track.creator;
    } else if (track.creator != room.creator) {
        ++m_handoff.creatorChanges;
        note(QStringLiteral("user%1 (room %2): creator %3 -> %4")
                 .arg(user.index)
                 .arg(user.room)
                 .arg(room.creator, track.creator));
    }
    if (!track.rejoining) {
        track.everJoined = true;
        onJoined(user);
        return;
    }
    // A rejoin: not a setup join, so the setup counters stay as they are.
    track.rejoining = false;
    ++m_handoff.rejoins;
    m_handoff.gaps.add((now - track.closedNs) / 1000);
    if (track.killAffected && !track.backAfterKill) {
        track.backAfterKill = true;
        ++m_handoff.backAfterKill;
        m_handoff.killToBack.add((now - m_killNs) / 1000);
    }
    // Everything this user got an RP for before the close must be in the history it rejoined
    // to (unless the message cap dropped old messages, which this run's servers prevent).
    if (track.joinHistoryFirstId <= 1) {
        for (const QString &token : std::as_const(track.acked)) {
            if (track.joinHistory.contains(token))
                continue;
            ++m_handoff.missingAtRejoin;
            note(QStringLiteral("user%1: acknowledged %2 missing after its rejoin")
                     .arg(user.index)
                     .arg(token));
        }
    }
    user.phase = Phase::Joined;
    ++m_rooms[user.room].members;
    m_rooms[user.room].counted += user.counted;
    // Messages that got no RP before the close: the server did not process them (a frozen room
    // answers nothing), so they are sent once more; acknowledged ones never are.
    for (const auto &[seq, token] : track.unacked) {
        sendHandoffMessage(user, seq, token);
        ++m_handoff.resent;
    }
}

bool Engine::retryRejoin(User &user, const QString &reason)
{
    UserTrack &track = user.track;
    if (!track.everJoined || track.observer || m_stopping)
        return false;
    if (user.phase == Phase::Joining)
        --m_connected;
    closeSocket(user);
    user.phase = Phase::Closed;
    ++m_handoff.rejoinFailures[reason];
    const qint64 now = monotonicNs();
    if (reason == QLatin1StringView("join-ER-202")) {
        // The room is really gone. A real client says so and asks before creating it again;
        // this one stops, and its acknowledged messages count as lost.
        track.gone = true;
        track.rejoining = false;
        ++m_handoff.usersRoomGone;
        return true;
    }
    if (now - track.closedNs > reconnectDeadlineNs) {
        track.gone = true;
        track.rejoining = false;
        ++m_handoff.usersGaveUp;
        return true;
    }
    // A join refused with 1012 (the room is frozen for its move) is retried at once like any
    // 1012; a server that is not there yet is asked again a little later.
    const qint64 jitter = qint64(QRandomGenerator::global()->bounded(300)) * msNs;
    scheduleRejoin(
        user, reason == QLatin1StringView("ws-closed-before-join") ? jitter : 250 * msNs + jitter);
    return true;
}

void Engine::scheduleRejoin(User &user, qint64 delayNs)
{
    user.track.retryAtNs = monotonicNs() + qMax<qint64>(1, delayNs);
}

void Engine::startRejoin(User &user)
{
    // The same session cookie: straight to /pick_backend, which names the room's holder now.
    user.phase = Phase::Http;
    user.httpStep = 1;
    user.pickRetried = false;
    user.peerClosed = false;
    user.startNs = monotonicNs();
    if (!connectTo(user, m_balancer))
        fail(user, QStringLiteral("http-connect"));
}

void Engine::rejoinTick()
{
    const qint64 now = monotonicNs();
    const bool checkTimeouts = ++m_rejoinTicks % 25 == 0;
    for (auto &pointer : m_users) {
        User &user = *pointer;
        if (!user.track.rejoining)
            continue;
        if (user.track.retryAtNs != 0 && now >= user.track.retryAtNs) {
            user.track.retryAtNs = 0;
            startRejoin(user);
        } else if (checkTimeouts &&
                   (user.phase == Phase::Http || user.phase == Phase::WebSocket ||
                    user.phase == Phase::Joining) &&
                   now - user.startNs > attemptTimeoutNs) {
            fail(user, QStringLiteral("timeout-rejoin"));
        }
    }
}

void Engine::dropRandomUser()
{
    std::vector<User *> candidates;
    for (auto &user : m_users) {
        if (user->phase == Phase::Joined && !user->track.observer && user->track.unacked.empty())
            candidates.push_back(user.get());
    }
    if (!candidates.empty())
        lose(*candidates[QRandomGenerator::global()->bounded(quint32(candidates.size()))]);
}

bool Engine::handoffSettled() const
{
    for (const auto &user : m_users) {
        if (user->track.gone || user->phase == Phase::Failed)
            continue;
        if (user->track.rejoining || !user->track.unacked.empty())
            return false;
    }
    return true;
}

void Engine::startObservers()
{
    for (size_t r = 0; r < m_rooms.size(); ++r) {
        const int index = addUserToRoom(int(r), false);
        m_users[size_t(index)]->track.observer = true;
    }
    startSetup();
}

QJsonObject Engine::failoverReport(bool *clean)
{
    LatencySamples &back = m_handoff.killToBack;
    // A failover run that killed nothing, or whose victim held nobody, tested nothing.
    *clean = m_killNs != 0 && m_handoff.killAffected > 0 &&
             m_handoff.backAfterKill == m_handoff.killAffected;
    return QJsonObject{
        {QStringLiteral("killed"), m_killNs != 0},
        {QStringLiteral("affected_users"), m_handoff.killAffected},
        {QStringLiteral("back_in_room"), m_handoff.backAfterKill},
        {QStringLiteral("not_back"), m_handoff.killAffected - m_handoff.backAfterKill},
        {QStringLiteral("kill_to_back_ms"),
         QJsonObject{{QStringLiteral("count"), back.count()},
                     {QStringLiteral("p50"), round2(back.percentileMs(50))},
                     {QStringLiteral("p99"), round2(back.percentileMs(99))},
                     {QStringLiteral("max"), round2(back.maxMs())}}},
    };
}

QString Engine::handoffProgress() const
{
    qint64 rejoining = 0, unacked = 0, acked = 0;
    for (const auto &user : m_users) {
        rejoining += user->track.rejoining;
        unacked += qint64(user->track.unacked.size());
        acked += user->track.acked.size();
    }
    return QStringLiteral("acked %1 unacked %2 | rejoining %3 rejoined %4 gone %5")
        .arg(acked)
        .arg(unacked)
        .arg(rejoining)
        .arg(m_handoff.rejoins)
        .arg(m_handoff.usersRoomGone + m_handoff.usersGaveUp);
}

QJsonObject Engine::handoffReport(bool *clean)
{
    qint64 users = 0, v1Users = 0, acked = 0, unacked = 0, lost = 0, duplicates = 0;
    qint64 passwordRooms = 0, opened = 0, refused = 0, missing = 0, unobserved = 0, truncated = 0;
    qint64 finalNameChanges = 0, finalCreatorChanges = 0, neverJoined = 0;
    std::vector<QHash<QString, int>> finalCounts(m_rooms.size());
    for (size_t r = 0; r < m_rooms.size(); ++r) {
        const RoomTrack &room = m_rooms[r].track;
        for (const QString &token : room.finalTokens)
            ++finalCounts[r][token];
        for (auto it = finalCounts[r].cbegin(); it != finalCounts[r].cend(); ++it)
            duplicates += it.value() - 1;
        if (!room.password.isEmpty()) {
            ++passwordRooms;
            opened += room.openedWithoutPassword;
            refused += room.refusedWithoutPassword;
        }
        missing += room.missing;
        unobserved += !room.observed && !room.missing;
        truncated += room.firstFinalId > 1;
        // The final state, read by a fresh session: the creator every member saw at its join.
        if (room.observed && !room.creator.isEmpty() && room.finalCreator != room.creator) {
            ++finalCreatorChanges;
            if (m_handoff.events.size() < 10)
                m_handoff.events.append(QStringLiteral("room %1: final creator %2, first %3")
                                            .arg(r)
                                            .arg(room.finalCreator, room.creator));
        }
    }
    for (const auto &pointer : m_users) {
        const User &user = *pointer;
        const UserTrack &track = user.track;
        if (track.observer)
            continue;
        ++users;
        v1Users += track.protocolVersion == 1;
        neverJoined += !track.everJoined;
        acked += track.acked.size();
        unacked += qint64(track.unacked.size());
        const RoomTrack &room = m_rooms[size_t(user.room)].track;
        for (const QString &token : track.acked)
            lost += !finalCounts[size_t(user.room)].contains(token);
        if (room.observed && track.everJoined &&
            room.finalNames.value(track.userId) != track.name) {
            ++finalNameChanges;
            if (m_handoff.events.size() < 10)
                m_handoff.events.append(
                    QStringLiteral("user%1: final name %2")
                        .arg(user.index)
                        .arg(room.finalNames.value(track.userId, QStringLiteral("(absent)"))));
        }
    }
    QJsonObject closes;
    for (const auto &[code, count] : m_handoff.closeCodes)
        closes.insert(QString::number(code), count);
    QJsonObject rejoinFailures;
    for (auto it = m_handoff.rejoinFailures.cbegin(); it != m_handoff.rejoinFailures.cend(); ++it)
        rejoinFailures.insert(it.key(), it.value());
    LatencySamples &gaps = m_handoff.gaps;
    const qint64 nameChanges = m_handoff.nameChanges + finalNameChanges;
    const qint64 creatorChanges = m_handoff.creatorChanges + finalCreatorChanges;
    *clean = lost == 0 && duplicates == 0 && m_handoff.deliveryDuplicates == 0 &&
             m_handoff.userIdChanges == 0 && m_handoff.authorisationsLost == 0 &&
             nameChanges == 0 && m_handoff.nameMissing == 0 && creatorChanges == 0 && opened == 0 &&
             refused == passwordRooms && missing == 0 && unobserved == 0 && neverJoined == 0 &&
             m_handoff.usersGaveUp == 0 && m_handoff.usersRoomGone == 0 &&
             m_handoff.missingAtRejoin == 0;
    return QJsonObject{
        {QStringLiteral("rooms"), qint64(m_rooms.size())},
        {QStringLiteral("password_rooms"), passwordRooms},
        {QStringLiteral("users"), users},
        {QStringLiteral("v1_users"), v1Users},
        {QStringLiteral("pv2_users"), users - v1Users},
        {QStringLiteral("users_never_joined"), neverJoined},
        {QStringLiteral("messages_sent"), m_handoff.tmSent},
        {QStringLiteral("acknowledged"), acked},
        {QStringLiteral("resent"), m_handoff.resent},
        {QStringLiteral("refused"), m_handoff.tmRefused},
        {QStringLiteral("unacknowledged_at_end"), unacked},
        {QStringLiteral("unexpected_replies"), m_handoff.unexpectedReplies},
        {QStringLiteral("acknowledged_lost"), lost},
        {QStringLiteral("acknowledged_missing_at_rejoin"), m_handoff.missingAtRejoin},
        {QStringLiteral("duplicates"), duplicates},
        {QStringLiteral("delivery_duplicates"), m_handoff.deliveryDuplicates},
        {QStringLiteral("rooms_missing_at_end"), missing},
        {QStringLiteral("rooms_not_observed"), unobserved},
        {QStringLiteral("rooms_truncated_by_cap"), truncated},
        {QStringLiteral("user_id_changes"), m_handoff.userIdChanges},
        {QStringLiteral("authorisations_lost"), m_handoff.authorisationsLost},
        {QStringLiteral("name_changes"), nameChanges},
        {QStringLiteral("names_not_listed"), m_handoff.nameMissing},
        {QStringLiteral("creator_changes"), creatorChanges},
        {QStringLiteral("password_rooms_opened"), opened},
        {QStringLiteral("password_rooms_refusing_strangers"), refused},
        {QStringLiteral("er_202"), m_errorCodes.value(int(proto::ErrorCode::RoomNotFound))},
        {QStringLiteral("closes"), closes},
        {QStringLiteral("rejoins"), m_handoff.rejoins},
        {QStringLiteral("rejoin_failures"), rejoinFailures},
        {QStringLiteral("users_room_gone"), m_handoff.usersRoomGone},
        {QStringLiteral("users_gave_up"), m_handoff.usersGaveUp},
        {QStringLiteral("gap_ms"),
         QJsonObject{{QStringLiteral("count"), gaps.count()},
                     {QStringLiteral("p50"), round2(gaps.percentileMs(50))},
                     {QStringLiteral("p99"), round2(gaps.percentileMs(99))},
                     {QStringLiteral("max"), round2(gaps.maxMs())}}},
        {QStringLiteral("events"), QJsonArray::fromStringList(m_handoff.events)},
    };
}

} // namespace ic::load
