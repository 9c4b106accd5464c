#include "rooms/RoomSnapshot.h"

#include "rooms/BinaryFields.h"

#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QSet>
#include <algorithm>
#include <limits>
#include <map>

namespace ic::server {
namespace {

// Bits of a user's flags byte.
constexpr quint8 userAnonymous = 1;
constexpr quint8 userPasswordAuthorised = 2;
constexpr quint8 userEverJoined = 4;
constexpr quint8 userOnline = 8;
constexpr quint8 userFlagsKnown = 15;
// Bits of a message's reply byte.
constexpr quint8 replyHasUser = 1;
constexpr quint8 replyHasMessage = 2;
// An author index that names no session (a message sent over HTTP).
constexpr quint32 noSession = 0xFFFFFFFFu;
// Counters above this are refused: incrementing them can never overflow.
constexpr qint64 counterMax = qint64(1) << 62;
constexpr qsizetype saltMax = 64;
constexpr qsizetype passwordKeyBytes = 32;
// A URL-encoded character takes at most 12 bytes (%XX four times).
constexpr qsizetype encodedCharMax = 12;
// The smallest encodings of a user and of a message (empty strings), to bound a count by the
// bytes that are left before allocating for it.
constexpr qsizetype userEntryMin = 4 + 4 + 4 + 1 + 8;
constexpr qsizetype messageEntryMin = 8 + 4 + 4 + 4 + 8 * 4 + 1 + 4;
constexpr qsizetype voteEntryBytes = 5;

// Snapshots are big endian: version 1 is fixed, and servers of both versions meet in an upgrade.
FieldReader snapshotReader(QByteArrayView bytes)
{
    return FieldReader(bytes, ByteOrder::Big, QLatin1StringView("snapshot"));
}

qsizetype stringMax(const RoomSettings &settings)
{
    // Every text a room holds arrived in one client frame (or one HTTP request of the same
    // bound), and its UTF-8 is never longer than the frame's JSON.
    return qsizetype(settings.limits.frameMaxBytes);
}

// Magic, version and room name: the part `roomName` reads too.
QString readHeader(FieldReader &in, const RoomSettings &settings, quint16 *formVersion = nullptr)
{
    if (in.raw("magic", 4) != QByteArrayView(RoomSnapshot::magic, 4)) {
        in.fail(QStringLiteral("the body is not a room snapshot (wrong magic bytes)"));
        return {};
    }
    const quint16 version = in.u16("version");
    if (in.ok() && version != RoomSnapshot::version && version != RoomSnapshot::keepOnlineVersion) {
        in.fail(QStringLiteral("the snapshot has format version %1; this server reads versions "
                               "%2 and %3")
                    .arg(version)
                    .arg(RoomSnapshot::version)
                    .arg(RoomSnapshot::keepOnlineVersion));
        return {};
    }
    if (formVersion)
        *formVersion = version;
    const QString name = in.str("room name", 4 * settings.limits.roomNameMax);
    if (!in.ok())
        return {};
    if (validation::canonicalRoomName(name) != name ||
        validation::checkRoomName(name, settings.limits) != ErrorCode::None) {
        in.fail(QStringLiteral("the snapshot's room name is not a valid canonical room name"));
        return {};
    }
    return name;
}

// A stored user name (URL-encoded) as the room would have stored it: canonical encoding of a
// valid name.
bool validStoredName(const QString &stored, const proto::Limits &limits)
{
    bool decodable = false;
    const QString decoded = validation::urlDecode(stored, &decodable);
    return decodable && decoded == decoded.trimmed() && validation::urlEncode(decoded) == stored &&
           validation::checkUserName(decoded, limits) == ErrorCode::None;
}

} // namespace

QByteArray RoomSnapshot::encode(const Room &room, qint64 nowNs, Form form)
{
    const bool keepOnline = form == Form::KeepOnline;
    // Sessions are written once, in a table; users, authors and votes refer to them by index.
    // Order: users' sessions in user order, then authors and voters as first met, votes of a
    // message sorted by session, so equal rooms give equal bytes.
    QList<QUuid> sessions;
    QHash<QUuid, quint32> indexOf;
    const auto index = [&](const QUuid &session) {
        const auto it = indexOf.constFind(session);
        if (it != indexOf.cend())
            return *it;
        const quint32 next = quint32(sessions.size());
        sessions.append(session);
        indexOf.insert(session, next);
        return next;
    };
    for (const RoomUser &user : room.m_users)
        index(user.session);
    std::vector<std::vector<std::pair<quint32, bool>>> votes(room.m_messages.size());
    std::vector<quint32> authors(room.m_messages.size(), noSession);
    for (size_t m = 0; m < room.m_messages.size(); ++m) {
        const StoredMessage &message = room.m_messages[m];
        if (!message.authorSession.isNull())
            authors[m] = index(message.authorSession);
        std::map<QUuid, bool> sorted;
        for (auto it = message.votes.cbegin(); it != message.votes.cend(); ++it)
            sorted.emplace(it.key(), it.value());
        for (const auto &[session, support] : sorted)
            votes[m].emplace_back(index(session), support);
    }

    QByteArray bytes;
    FieldWriter out(bytes, ByteOrder::Big);
    for (char c : magic)
        out.u8(quint8(c));
    out.u16(keepOnline ? keepOnlineVersion : version);
    out.str(room.m_name);
    out.str(room.m_id);
    out.uuid(room.m_creator);
    out.blob(room.m_password.salt);
    out.blob(room.m_password.key);
    out.i64(room.m_createdAtNs);
    out.i64(room.m_lastActivityNs);
    out.i64(nowNs);
    out.str(room.m_description);
    out.i64(room.m_nextId);
    out.i64(room.m_dropped);
    out.u8(quint8(room.m_approachNoticesSent));
    out.i64(room.m_memberVersion);

    out.u32(quint32(sessions.size()));
    for (const QUuid &session : std::as_const(sessions))
        out.uuid(session);

    out.u32(quint32(room.m_users.size()));
    for (const RoomUser &user : room.m_users) {
        out.u32(indexOf.value(user.session));
        out.str(user.id);
        out.str(user.name);
        quint8 flags = 0;
        flags |= user.anonymous ? userAnonymous : 0;
        flags |= user.passwordAuthorised ? userPasswordAuthorised : 0;
        flags |= user.everJoined ? userEverJoined : 0;
        const auto member = room.m_members.constFind(user.session);
        flags |= member != room.m_members.cend() ? userOnline : 0;
        out.u8(flags);
        out.i64(user.lastSeenNs);
        if (keepOnline && member != room.m_members.cend()) {
            out.i64(qint64(*member));
            out.u8(room.m_extendedMembers.contains(*member) ? 1 : 0);
        }
    }

    out.u32(quint32(room.m_messages.size()));
    for (size_t m = 0; m < room.m_messages.size(); ++m) {
        const StoredMessage &message = room.m_messages[m];
        out.i64(message.id);
        out.str(message.text);
        out.str(message.userId);
        out.u32(authors[m]);
        out.i64(message.createdAtSeconds);
        out.i64(message.lastEditedNs);
        out.i64(message.lastVotedNs);
        out.u8((message.replyUser ? replyHasUser : 0) |
               (message.replyMessage ? replyHasMessage : 0));
        if (message.replyUser)
            out.str(*message.replyUser);
        if (message.replyMessage)
            out.i64(*message.replyMessage);
        out.u32(quint32(votes[m].size()));
        for (const auto &[session, support] : votes[m]) {
            out.u32(session);
            out.u8(support ? 1 : 0);
        }
    }
    return bytes;
}

QString RoomSnapshot::roomName(QByteArrayView bytes, const RoomSettings &settings)
{
    FieldReader in = snapshotReader(bytes);
    return readHeader(in, settings);
}

qint64 RoomSnapshot::maxBytes(const RoomSettings &settings)
{
    const proto::Limits &limits = settings.limits;
    const qint64 text = stringMax(settings);
    // Magic, version, name, room id, creator, password hash, times, description, counters.
    const qint64 header = 4 + 2 + (4 + 4 * qint64(limits.roomNameMax)) + (4 + 36) + 16 +
                          (4 + saltMax) + (4 + passwordKeyBytes) + 3 * 8 + (4 + text) + 8 + 8 + 1 +
                          8 + 3 * 4;
    // Per user: its session in the table, index, id, the longest stored name, flags, last seen,
    // and in the keep-online form its connection and pv flag.
    const qint64 user =
        16 + 4 + (4 + 36) + (4 + encodedCharMax * qint64(limits.userNameMax)) + 1 + 8 + 9;
    // A message's entry (its author and voters in the session table included) is at most the
    // memory its cost counts plus its ALL_TM entry (the UTF-8 text is never longer than the
    // JSON string), so it is at most twice its cost; the room budget bounds the sum of costs.
    const qint64 messages = 2 * std::max<qint64>(settings.roomBytesMax, 0);
    return header + user * std::max(0, limits.activeUsersMax) + messages;
}

std::unique_ptr<Room> RoomSnapshot::decode(QByteArrayView bytes, const RoomSettings &settings,
                                           QString *error, Problem *problem)
{
    const auto refuse = [&](Problem kind, const QString &sentence) -> std::unique_ptr<Room> {
        if (error)
            *error = sentence;
        if (problem)
            *problem = kind;
        return nullptr;
    };
    if (qint64(bytes.size()) > maxBytes(settings))
        return refuse(Problem::OverBudget,
                      QStringLiteral("the snapshot is %1 bytes, more than the %2 a room on this "
                                     "server can take")
                          .arg(bytes.size())
                          .arg(maxBytes(settings)));
    const proto::Limits &limits = settings.limits;
    const qsizetype textMax = stringMax(settings);
    FieldReader in = snapshotReader(bytes);
    const auto malformed = [&]() { return refuse(Problem::Malformed, in.error()); };

    quint16 formVersion = 0;
    const QString name = readHeader(in, settings, &formVersion);
    const bool keepOnline = formVersion == keepOnlineVersion;
    const QString roomId = in.str("room id", 36);
    if (in.ok() && (!validation::isUserId(roomId) || QUuid::fromString(roomId).isNull()))
        in.fail(QStringLiteral("the snapshot's room id is not a UUID"));
    const QUuid creator = in.uuid("creator");
    PasswordHash password;
    password.salt = in.blob("password salt", saltMax).toByteArray();
    password.key = in.blob("password key", passwordKeyBytes).toByteArray();
    if (in.ok() && (password.salt.isEmpty() != password.key.isEmpty() ||
                    (!password.key.isEmpty() && password.key.size() != passwordKeyBytes)))
        in.fail(QStringLiteral("the snapshot's password hash is incomplete"));
    const qint64 createdAtNs = in.i64("creation time");
    const qint64 lastActivityNs = in.i64("last activity time");
    const qint64 snapshotNs = in.i64("snapshot time");
    if (in.ok() && (createdAtNs < 0 || lastActivityNs < 0 || snapshotNs < 0))
        in.fail(QStringLiteral("the snapshot has a negative time"));
    const QString description = in.str("description", textMax);
    if (in.ok() && validation::checkDescription(description, limits) != ErrorCode::None)
        in.fail(QStringLiteral("the snapshot's description is longer than this server allows"));
    const qint64 nextId = in.i64("next message id");
    const qint64 dropped = in.i64("dropped message count");
    const quint8 approachSent = in.u8("limit notice state");
    const qint64 memberVersion = in.i64("member list version");
    if (in.ok() && (nextId < 1 || nextId > counterMax || dropped < 0 || dropped >= nextId ||
                    approachSent > 3 || memberVersion < 1 || memberVersion > counterMax))
        in.fail(QStringLiteral("the snapshot's counters are out of range"));
    if (!in.ok())
        return malformed();

    // The session table: as many entries as the bytes can hold, all different, none nil.
    const quint32 sessionCount = in.count("sessions", std::numeric_limits<qint32>::max(), 16);
    QList<QUuid> sessions;
    sessions.reserve(sessionCount);
    QSet<QUuid> seenSessions;
    for (quint32 i = 0; i < sessionCount && in.ok(); ++i) {
        const QUuid session = in.uuid("session table");
        if (session.isNull() || seenSessions.contains(session))
            in.fail(QStringLiteral("the snapshot's session table holds a nil or repeated "
                                   "session"));
        seenSessions.insert(session);
        sessions.append(session);
    }
    if (!in.ok())
        return malformed();

    auto room = std::make_unique<Room>(name, creator, password, settings, createdAtNs);
    Room &r = *room;
    r.m_id = roomId;
    r.m_lastActivityNs = lastActivityNs;
    r.m_description = description;

    const quint32 userCount = in.count("users", limits.activeUsersMax, userEntryMin);
    QSet<QString> userIds;
    qint64 online = 0;
    for (quint32 i = 0; i < userCount && in.ok(); ++i) {
        const quint32 sessionIndex = in.u32("user's session");
        const QString id = in.str("user id", 36);
        const QString stored = in.str("user name", encodedCharMax * limits.userNameMax);
        const quint8 flags = in.u8("user flags");
        const qint64 lastSeenNs = in.i64("user's last seen time");
        quint64 connection = 0;
        quint8 extended = 0;
        if (keepOnline && (flags & userOnline)) {
            connection = quint64(in.i64("member's connection"));
            extended = in.u8("member's protocol flag");
        }
        if (!in.ok())
            break;
        if (keepOnline && (flags & userOnline) &&
            (connection == 0 || extended > 1 || r.m_memberSessions.contains(connection)))
            return refuse(Problem::Malformed,
                          QStringLiteral("member %1 of the snapshot has a zero or repeated "
                                         "connection or an invalid protocol flag")
                              .arg(i + 1));
        if (sessionIndex >= quint32(sessions.size()) ||
            r.m_userIndex.contains(sessions.at(sessionIndex)))
            return refuse(Problem::Malformed,
                          QStringLiteral("user %1 of the snapshot names an unknown or repeated "
                                         "session")
                              .arg(i + 1));
        if (!validation::isUserId(id) || id == proto::externalUserId || userIds.contains(id))
            return refuse(
                Problem::Malformed,
                QStringLiteral("user %1 of the snapshot has an invalid or repeated id").arg(i + 1));
        if (!validStoredName(stored, limits))
            return refuse(Problem::Malformed,
                          QStringLiteral("user %1 of the snapshot has an invalid name").arg(i + 1));
        if (r.m_nameKeys.contains(validation::userNameKey(validation::urlDecode(stored))))
            return refuse(
                Problem::Malformed,
                QStringLiteral("user %1 of the snapshot has a name another user has").arg(i + 1));
        if ((flags & ~userFlagsKnown) != 0 || lastSeenNs < 0)
            return refuse(Problem::Malformed,
                          QStringLiteral("user %1 of the snapshot has unknown flags or a negative "
                                         "time")
                              .arg(i + 1));
        userIds.insert(id);
        RoomUser &user = r.addUser(sessions.at(sessionIndex), stored, flags & userAnonymous);
        user.id = id;
        user.passwordAuthorised = flags & userPasswordAuthorised;
        user.everJoined = flags & userEverJoined;
        user.lastSeenNs = lastSeenNs;
        if (keepOnline && (flags & userOnline)) {
            r.m_members.insert(user.session, connection);
            r.m_memberSessions.insert(connection, user.session);
            if (extended)
                r.m_extendedMembers.insert(connection);
        } else if (flags & userOnline) {
            // A member online when the room left goes offline as if it had left then: its
            // socket was closed for the move.
            user.everJoined = true;
            user.lastSeenNs = std::max(lastSeenNs, snapshotNs);
            ++online;
        }
    }
    if (!in.ok())
        return malformed();
    if (online > 0 && !keepOnline) {
        r.m_memberVersion = memberVersion + online;
        r.m_lastActivityNs = std::max(lastActivityNs, snapshotNs);
    } else {
        r.m_memberVersion = memberVersion;
    }

    const quint32 messageCount =
        in.count("messages", std::max(1, limits.messagesKept), messageEntryMin);
    qint64 previousId = 0;
    qint64 storedBytes = 0;
    for (quint32 i = 0; i < messageCount && in.ok(); ++i) {
        StoredMessage message;
        message.id = in.i64("message id");
        message.text = in.str("message text", textMax);
        message.userId = in.str("message author id", 36);
        const quint32 author = in.u32("message author");
        message.createdAtSeconds = in.i64("message creation time");
        message.lastEditedNs = in.i64("message edit time");
        message.lastVotedNs = in.i64("message vote time");
        const quint8 reply = in.u8("message reply flags");
        if (in.ok() && (reply & ~(replyHasUser | replyHasMessage)) != 0)
            in.fail(
                QStringLiteral("message %1 of the snapshot has unknown reply flags").arg(i + 1));
        if (reply & replyHasUser)
            message.replyUser = in.str("message reply user", 36);
        if (reply & replyHasMessage)
            message.replyMessage = in.i64("message reply id");
        const quint32 voteCount = in.count("votes", sessions.size(), voteEntryBytes);
        if (!in.ok())
            break;
        const QString which = QStringLiteral("message %1 of the snapshot").arg(i + 1);
        if (message.id <= previousId || message.id >= nextId)
            return refuse(Problem::Malformed,
                          which + QStringLiteral(" has an id that is not above the previous one "
                                                 "and below the next id"));
        previousId = message.id;
        if (validation::checkMessageText(message.text, limits) != ErrorCode::None)
            return refuse(Problem::Malformed,
                          which + QStringLiteral(" is longer than this server allows"));
        if (!validation::isUserId(message.userId) ||
            (message.replyUser && !validation::isUserId(*message.replyUser)))
            return refuse(Problem::Malformed, which + QStringLiteral(" names an invalid user id"));
        if (author != noSession && author >= quint32(sessions.size()))
            return refuse(Problem::Malformed, which + QStringLiteral(" names an unknown author"));
        if (author != noSession)
            message.authorSession = sessions.at(author);
        if (message.createdAtSeconds < 0 || message.lastEditedNs < 0 || message.lastVotedNs < 0)
            return refuse(Problem::Malformed, which + QStringLiteral(" has a negative time"));
        message.votes.reserve(voteCount);
        for (quint32 v = 0; v < voteCount && in.ok(); ++v) {
            const quint32 voter = in.u32("vote's session");
            const quint8 support = in.u8("vote");
            if (!in.ok())
                break;
            if (voter >= quint32(sessions.size()) || support > 1 ||
                message.votes.contains(sessions.at(voter)))
                return refuse(Problem::Malformed,
                              which + QStringLiteral(" has a vote by an unknown session, a "
                                                     "repeated vote or an invalid vote"));
            message.votes.insert(sessions.at(voter), support == 1);
            ++(support ? message.support : message.reject);
        }
        if (!in.ok())
            break;
        // The budget accounting is recomputed here, never read from the bytes.
        Room::price(message);
        storedBytes += message.cost;
        r.m_messages.push_back(std::move(message));
    }
    if (!in.ok())
        return malformed();
    if (in.remaining() != 0)
        return refuse(
            Problem::Malformed,
            QStringLiteral("the snapshot has %1 bytes after its end").arg(in.remaining()));
    if (storedBytes > settings.roomBytesMax)
        return refuse(Problem::OverBudget,
                      QStringLiteral("the room holds %1 counted bytes of messages, more than the "
                                     "%2 a room may hold on this server")
                          .arg(storedBytes)
                          .arg(settings.roomBytesMax));
    if (!r.serverAllows(storedBytes))
        return refuse(Problem::OverBudget,
                      QStringLiteral("this server holds as many messages as it may; the room's "
                                     "%1 counted bytes do not fit")
                          .arg(storedBytes));

    r.m_nextId = nextId;
    r.m_dropped = dropped;
    r.m_approachNoticesSent = approachSent;
    r.account(storedBytes);
    if (error)
        error->clear();
    if (problem)
        *problem = Problem::None;
    return room;
}

} // namespace ic::server
