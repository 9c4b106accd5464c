#include "rooms/Room.h"

#include "protocol/ServerFrame.h"
#include "protocol/VersionedError.h"
#include "rooms/AnonymousNames.h"
#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace ic::server {
namespace {

using proto::ServerFrame;
using proto::WireMessage;

// N_M_LIMIT_A thresholds, percent of the cap (or of the room budget, whichever is fuller).
constexpr std::array<int, 3> approachPercents{90, 95, 99};

// Memory one vote holds in a message's QHash (node, span slot, growth slack).
constexpr qint64 voteBytes = 48;
// Heap of a QString besides its characters (header, allocation).
constexpr qint64 stringOverhead = 32;

// Counted by size, not capacity: Room::price squeezes what a message keeps, so the two agree,
// and the count is the same for the same text however it was read (a replica's copy must count
// exactly what its primary counts).
qint64 stringBytes(const QString &text)
{
    return text.isNull() ? 0 : stringOverhead + 2 * qint64(text.size());
}

QString newUserId()
{
    return QUuid::createUuid().toString(QUuid::WithoutBraces);
}

WireMessage wireMessage(const StoredMessage &message)
{
    WireMessage wire;
    wire.id = message.id;
    wire.text = message.text;
    wire.supportCount = message.support;
    wire.rejectCount = message.reject;
    if (message.lastEditedNs)
        wire.lastEdited = message.lastEditedNs;
    if (message.lastVotedNs)
        wire.lastVoted = message.lastVotedNs;
    wire.replyUser = message.replyUser;
    wire.replyMessage = message.replyMessage;
    wire.userId = message.userId;
    wire.createdAt = message.createdAtSeconds;
    return wire;
}

QByteArray textNotice(proto::Command command, const QString &text, qint64 nowNs)
{
    ServerFrame frame;
    frame.command = proto::commandCode(command);
    WireMessage message;
    message.text = text;
    frame.messages = QList<WireMessage>{message};
    frame.time = nowNs;
    return proto::encodeServerFrame(frame);
}

// The broadcast of TM_E, TM_D and TM_S_R: one partial message object, with the frame time where
// the protocol gives one.
QByteArray singleMessageFrame(proto::Command command, const WireMessage &message,
                              std::optional<qint64> timeNs)
{
    ServerFrame frame;
    frame.command = proto::commandCode(command);
    frame.messages = QList<WireMessage>{message};
    frame.time = timeNs;
    return proto::encodeServerFrame(frame);
}

} // namespace

Room::Room(QString name, QUuid creatorSession, PasswordHash password, RoomSettings settings,
           qint64 nowNs)
    : m_name(std::move(name)), m_id(QUuid::createUuid().toString(QUuid::WithoutBraces)),
      m_creator(creatorSession), m_password(std::move(password)), m_settings(std::move(settings)),
      m_createdAtNs(nowNs), m_lastActivityNs(nowNs), m_status(proto::statusOnline)
{
}

Room::~Room()
{
    account(-m_storedBytes);
}

qint64 Room::messageCost(const StoredMessage &message)
{
    qint64 memory = qint64(sizeof(StoredMessage)) + stringBytes(message.text) +
                    stringBytes(message.userId) + voteBytes * message.votes.size();
    if (message.replyUser)
        memory += stringBytes(*message.replyUser);
    return std::max(memory, message.wireBytes);
}

// The entry with its counts and times at their widest, so votes and edits never make it larger.
static qint64 wireBound(const StoredMessage &message)
{
    WireMessage wire = wireMessage(message);
    constexpr qint64 widest = std::numeric_limits<qint64>::min();
    wire.supportCount = wire.rejectCount = widest;
    wire.lastEdited = wire.lastVoted = widest;
    wire.createdAt = widest;
    return proto::encodeMessage(wire).size() + 1; // + the comma between entries
}

void Room::price(StoredMessage &message)
{
    message.text.squeeze();
    message.userId.squeeze();
    if (message.replyUser)
        message.replyUser->squeeze();
    message.wireBytes = wireBound(message);
    message.cost = messageCost(message);
}

qint64 Room::membersFrameBound(const proto::Limits &limits)
{
    // The longest stored form of a name: each candidate character repeated to the limit.
    qint64 longestName = 0;
    for (const QString &unit :
         {QString(QChar(0x0800)), QString(QChar(0xFFFD)), QString(QChar(0x0001)),
          QStringLiteral("\""), QStringLiteral("\\"), QString::fromUtf8("\xF0\x9F\x98\x80")}) {
        // The limit counts characters (code points): a surrogate pair is one.
        const QString name = unit.repeated(limits.userNameMax);
        longestName = std::max(longestName, qint64(validation::urlEncode(name).size()));
    }
    ServerFrame frame;
    frame.command = proto::commandCode(proto::Command::MembersChanged);
    frame.users =
        QList<proto::WireUser>{{proto::externalUserId, proto::externalUserName, false, false}};
    frame.build = QString(256, u'b');
    // The widest cAt and mV a list can carry.
    frame.time = std::numeric_limits<qint64>::max();
    frame.memberVersion = std::numeric_limits<qint64>::max();
    const qint64 base = proto::encodeServerFrame(frame).size();
    // Ids are UUIDs; a name's characters after URL encoding are ASCII that JSON keeps as is.
    frame.users->append({newUserId(), QString(longestName, u'n'), false, false});
    const qint64 perUser = proto::encodeServerFrame(frame).size() - base;
    return base + perUser * limits.activeUsersMax;
}

qint64 Room::minimumRoomBytes(const proto::Limits &limits)
{
    // A frame's text stored as UTF-16 (two bytes a character) plus the message's other fields.
    return 2 * qint64(limits.frameMaxBytes) + 16 * 1024;
}

bool Room::serverAllows(qint64 growth) const
{
    if (growth <= 0 || !m_settings.serverBytes)
        return true;
    return m_settings.serverBytes->load(std::memory_order_relaxed) + growth <=
           m_settings.serverBytesMax;
}

void Room::account(qint64 delta)
{
    if (!delta)
        return;
    m_storedBytes += delta;
    if (m_settings.serverBytes)
        m_settings.serverBytes->fetch_add(delta, std::memory_order_relaxed);
}

int Room::expireUsers(qint64 nowNs)
{
    const qint64 offlineNs = m_settings.userExpirySeconds * 1000000000LL;
    const qint64 pendingNs = m_settings.authorisationExpirySeconds * 1000000000LL;
    const auto expired = [&](const RoomUser &candidate) {
        if (m_members.contains(candidate.session))
            return false;
        return nowNs - candidate.lastSeenNs >= (candidate.everJoined ? offlineNs : pendingNs);
    };
    const qsizetype before = m_users.size();
    for (const RoomUser &candidate : std::as_const(m_users)) {
        if (expired(candidate))
            m_nameKeys.remove(candidate.nameKey);
    }
    m_users.removeIf(expired);
    if (m_users.size() == before)
        return 0;
    m_userIndex.clear();
    for (qsizetype i = 0; i < m_users.size(); ++i)
        m_userIndex.insert(m_users.at(i).session, i);
    return int(before - m_users.size());
}

std::optional<quint64> Room::memberConnection(const QUuid &session) const
{
    const auto it = m_members.constFind(session);
    if (it == m_members.cend())
        return std::nullopt;
    return *it;
}

QString Room::userName(const QString &userId) const
{
    if (userId == proto::externalUserId)
        return proto::externalUserName;
    for (const RoomUser &candidate : m_users) {
        if (candidate.id == userId)
            return validation::urlDecode(candidate.name);
    }
    return QString();
}

RoomUser *Room::user(const QUuid &session)
{
    const auto it = m_userIndex.constFind(session);
    return it == m_userIndex.cend() ? nullptr : &m_users[*it];
}

const RoomUser *Room::user(const QUuid &session) const
{
    const auto it = m_userIndex.constFind(session);
    return it == m_userIndex.cend() ? nullptr : &m_users.at(*it);
}

RoomUser &Room::addUser(const QUuid &session, QString name, bool anonymous)
{
    RoomUser fresh;
    fresh.session = session;
    fresh.id = derivedUserId(session, m_id);
    if (m_settings.rateLimits) {
        fresh.bucket = TokenBucket(m_settings.messagesPerSecond, m_settings.messageBurst);
        fresh.renameBucket =
            TokenBucket(m_settings.renamesPerMinute / 60.0, m_settings.renameBurst);
        fresh.descriptionBucket =
            TokenBucket(m_settings.descriptionChangesPerMinute / 60.0, m_settings.descriptionBurst);
        fresh.voteBucket = TokenBucket(m_settings.votesPerMinute / 60.0, m_settings.voteBurst);
    }
    m_userIndex.insert(session, m_users.size());
    m_users.append(std::move(fresh));
    RoomUser &added = m_users.last();
    const QString key = validation::userNameKey(validation::urlDecode(name));
    setUserName(added, std::move(name), key, anonymous);
    return added;
}

void Room::setUserName(RoomUser &target, QString name, QString key, bool anonymous)
{
    if (!target.nameKey.isEmpty())
        m_nameKeys.remove(target.nameKey);
    target.name = std::move(name);
    target.nameKey = std::move(key);
    target.anonymous = anonymous;
    m_nameKeys.insert(target.nameKey, target.session);
}

ErrorCode Room::checkNewName(const QString &encoded, const QUuid &session, QString *stored,
                             QString *key) const
{
    bool decodable = false;
    const QString decoded = validation::urlDecode(encoded, &decodable).trimmed();
    if (!decodable)
        return ErrorCode::UserNameLength;
    const ErrorCode check = validation::checkUserName(decoded, m_settings.limits);
    if (check != ErrorCode::None)
        return check;
    *key = validation::userNameKey(decoded);
    const auto owner = m_nameKeys.constFind(*key);
    if (owner != m_nameKeys.cend() && *owner != session)
        return ErrorCode::UserNameTaken;
    *stored = validation::urlEncode(decoded);
    return ErrorCode::None;
}

QString Room::freeAnonymousName(const QUuid &session) const
{
    // Draws derived from the session first; the full list only when the room is crowded with
    // anonymous names. Never a global random generator: a replica replays this call.
    for (int attempt = 0; attempt < 16; ++attempt) {
        QString name = anonymousName(session, m_id, attempt);
        if (!m_nameKeys.contains(validation::userNameKey(name)))
            return name;
    }
    for (const QString &name : anonymousNames()) {
        if (!m_nameKeys.contains(validation::userNameKey(name)))
            return name;
    }
    // More than every listed name is taken: a numbered one is still unique.
    for (int n = 2;; ++n) {
        QString name = anonymousName(session, m_id, n) + QString::number(n);
        if (!m_nameKeys.contains(validation::userNameKey(name)))
            return name;
    }
}

RoomResult Room::error(const Caller &caller, ErrorCode code, qint64 nowNs)
{
    code = proto::errorForVersion(code, caller.protocolVersion);
    RoomResult result;
    result.error = code;
    result.toSender(proto::encodeErrorFrame(code, caller.requestId, nowNs));
    return result;
}

QByteArray Room::replyFrame(const Caller &caller, qint64 nowNs)
{
    ServerFrame frame;
    frame.command = proto::commandCode(proto::Command::Reply);
    frame.requestId = caller.requestId;
    frame.time = nowNs;
    return proto::encodeServerFrame(frame);
}

QByteArray Room::membersFrame(bool withBuild, qint64 nowNs, bool withVersion) const
{
    ServerFrame frame;
    frame.command = proto::commandCode(proto::Command::MembersChanged);
    frame.time = nowNs; // clients drop a member list older than the one they hold
    QList<proto::WireUser> users;
    users.reserve(m_users.size() + 1);
    users.append({proto::externalUserId, proto::externalUserName, false, false});
    for (const RoomUser &entry : m_users)
        users.append({entry.id, entry.name, entry.anonymous, m_members.contains(entry.session)});
    frame.users = std::move(users);
    if (withBuild)
        frame.build = m_settings.build;
    if (withVersion)
        frame.memberVersion = m_memberVersion;
    return proto::encodeServerFrame(frame);
}

QByteArray Room::memberDeltaFrame(const RoomUser &changed, QLatin1StringView action) const
{
    ServerFrame frame;
    frame.command = proto::commandCode(proto::Command::MemberDelta);
    frame.users = QList<proto::WireUser>{
        {changed.id, changed.name, changed.anonymous, m_members.contains(changed.session)}};
    frame.memberVersion = m_memberVersion;
    frame.memberAction = action;
    return proto::encodeServerFrame(frame);
}

void Room::announceMember(RoomResult &result, const RoomUser &changed, QLatin1StringView action,
                          RoomSend::To to, bool legacyToo, qint64 nowNs)
{
    ++m_memberVersion;
    if (m_members.isEmpty())
        return;
    const qsizetype extended = m_extendedMembers.size();
    const qsizetype legacy = m_memberSessions.size() - extended;
    if (legacyToo && legacy > 0)
        result.sends.append({to, 0, membersFrame(false, nowNs), false, RoomSend::Audience::Legacy});
    if (extended > 0)
        result.sends.append(
            {to, 0, memberDeltaFrame(changed, action), false, RoomSend::Audience::Extended});
}

QByteArray Room::allMessagesFrame(qint64 nowNs, bool withVoters) const
{
    ServerFrame frame;
    frame.command = proto::commandCode(proto::Command::AllMessages);
    frame.time = nowNs; // clients drop edits and votes older than this snapshot
    QList<WireMessage> list;
    list.reserve(qsizetype(m_messages.size()));
    QList<proto::WireVoters> voted;
    for (const StoredMessage &message : m_messages) {
        list.append(wireMessage(message));
        if (withVoters && !message.votes.isEmpty()) {
            proto::WireVoters entry = voters(message);
            if (!entry.support.isEmpty() || !entry.reject.isEmpty())
                voted.append(std::move(entry));
        }
    }
    frame.messages = std::move(list);
    frame.build = m_settings.build;
    if (!voted.isEmpty())
        frame.voters = std::move(voted);
    return proto::encodeServerFrame(frame);
}

proto::WireVoters Room::voters(const StoredMessage &message) const
{
    // Listed in the room's user order (who came first), so the names a client shows for a
    // message stay put as others vote; a voter whose user expired is counted, not named.
    struct Voter
    {
        qsizetype order;
        bool support;
    };
    std::vector<Voter> found;
    found.reserve(size_t(message.votes.size()));
    for (auto it = message.votes.cbegin(); it != message.votes.cend(); ++it) {
        const auto index = m_userIndex.constFind(it.key());
        if (index != m_userIndex.cend())
            found.push_back({*index, it.value()});
    }
    std::sort(found.begin(), found.end(),
              [](const Voter &a, const Voter &b) { return a.order < b.order; });
    proto::WireVoters entry;
    entry.id = message.id;
    for (const Voter &voter : found) {
        QStringList &side = voter.support ? entry.support : entry.reject;
        if (side.size() < proto::votersListed)
            side.append(m_users.at(voter.order).id);
    }
    return entry;
}

QByteArray Room::descriptionFrame(std::optional<qint64> joinNs) const
{
    ServerFrame frame;
    frame.command = proto::commandCode(proto::Command::ChangeDescription);
    WireMessage message;
    message.text = m_description;
    frame.messages = QList<WireMessage>{message};
    if (const RoomUser *creator = user(m_creator))
        frame.creatorUserId = creator->id;
    frame.time = joinNs; // only the join's copy carries cAt (docs/protocol.md §5.2)
    frame.status = m_status;
    return proto::encodeServerFrame(frame);
}

ErrorCode Room::precheckJoin(const QUuid &session, bool authoriseOnly, qint64 nowNs)
{
    // Every user, joined or only authorised, is listed in R_M_CH: the list is what the cap bounds.
    if (!user(session) && m_users.size() >= m_settings.limits.activeUsersMax &&
        (expireUsers(nowNs) == 0 || m_users.size() >= m_settings.limits.activeUsersMax))
        return ErrorCode::RoomFull;
    if (!authoriseOnly && !m_members.contains(session) &&
        m_members.size() >= m_settings.limits.activeUsersMax)
        return ErrorCode::RoomFull;
    return ErrorCode::None;
}

bool Room::needsPasswordCheck(const QUuid &session, bool passwordGiven) const
{
    if (passwordGiven)
        return true;
    if (!hasPassword())
        return false;
    const RoomUser *known = user(session);
    return !known || !known->passwordAuthorised;
}

RoomResult Room::join(const JoinRequest &request, qint64 nowNs)
{
    const Caller &caller = request.caller;
    if (const ErrorCode full = precheckJoin(caller.session, request.authoriseOnly, nowNs);
        full != ErrorCode::None)
        return error(caller, full, nowNs);
    if (needsPasswordCheck(caller.session, request.passwordGiven) && !request.passwordMatches)
        return error(caller, ErrorCode::InvalidPassword, nowNs);

    RoomUser *existing = user(caller.session);
    const bool wantsName = request.userName && !request.userName->trimmed().isEmpty();
    QString storedName, nameKey;
    if (wantsName) {
        const bool sameName = existing && validation::urlDecode(*request.userName).trimmed() ==
                                              validation::urlDecode(existing->name);
        if (!sameName) {
            const ErrorCode check =
                checkNewName(*request.userName, caller.session, &storedName, &nameKey);
            if (check != ErrorCode::None)
                return error(caller, check, nowNs);
        }
    }

    m_lastActivityNs = nowNs;
    RoomResult result;
    bool usersChanged = false;
    const bool added = !existing;
    if (!existing) {
        if (storedName.isEmpty())
            existing = &addUser(caller.session, freeAnonymousName(caller.session), true);
        else
            existing = &addUser(caller.session, storedName, false);
        usersChanged = true;
    } else if (!storedName.isEmpty()) {
        setUserName(*existing, storedName, nameKey, false);
        usersChanged = true;
    }
    if (request.passwordGiven || hasPassword())
        existing->passwordAuthorised = true;
    // Authorising again does not keep an authorisation that never joined alive.
    if (added)
        existing->lastSeenNs = nowNs;
    if (!request.authoriseOnly) {
        existing->everJoined = true;
        existing->lastSeenNs = nowNs;
    }

    ServerFrame reply;
    reply.command = proto::commandCode(proto::Command::Reply);
    reply.requestId = caller.requestId;
    reply.details =
        QStringLiteral("%1;password=%2")
            .arg(request.created ? QLatin1StringView("room_created")
                                 : QLatin1StringView("room_joined"),
                 hasPassword() ? QLatin1StringView("true") : QLatin1StringView("false"));
    reply.roomId = m_id;
    reply.userId = existing->id;
    reply.time = m_createdAtNs;

    if (request.authoriseOnly) {
        // v1 members see only a rename of a member; pv >= 2 members get every change, so their
        // delta-kept list stays equal to the full one.
        if (usersChanged)
            announceMember(result, *existing,
                           added ? proto::memberActionAdded : proto::memberActionRenamed,
                           RoomSend::To::Members, m_members.contains(caller.session), nowNs);
        result.toSender(proto::encodeServerFrame(reply));
        return result;
    }

    const auto previous = m_members.constFind(caller.session);
    if (previous != m_members.cend() && *previous != caller.connection) {
        const quint64 old = *previous;
        result.sends.append(
            {RoomSend::To::Connection, old,
             proto::encodeErrorFrame(ErrorCode::SessionReplaced, caller.requestId, nowNs), true});
        m_memberSessions.remove(old);
        m_extendedMembers.remove(old);
        result.removedConnections.append(old);
    }
    m_members.insert(caller.session, caller.connection);
    m_memberSessions.insert(caller.connection, caller.session);
    const bool extended = caller.protocolVersion >= proto::protocolVersionExtensions;
    if (extended)
        m_extendedMembers.insert(caller.connection);
    result.joined = true;

    announceMember(result, *existing, proto::memberActionJoined, RoomSend::To::Others, true, nowNs);
    result.toSender(membersFrame(true, nowNs, extended));
    result.toSender(allMessagesFrame(nowNs, extended));
    result.toSender(descriptionFrame(nowNs));
    reply.build = m_settings.build;
    result.toSender(proto::encodeServerFrame(reply));
    return result;
}

RoomResult Room::leave(quint64 connection, qint64 nowNs)
{
    RoomResult result;
    const auto it = m_memberSessions.constFind(connection);
    if (it == m_memberSessions.cend())
        return result;
    const QUuid session = *it;
    if (RoomUser *gone = user(session))
        gone->lastSeenNs = nowNs;
    m_members.remove(session);
    m_memberSessions.erase(it);
    m_extendedMembers.remove(connection);
    m_lastActivityNs = nowNs;
    result.removedConnections.append(connection);
    if (const RoomUser *gone = user(session))
        announceMember(result, *gone, proto::memberActionLeft, RoomSend::To::Members, true, nowNs);
    return result;
}

RoomResult Room::command(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs,
                         qint64 nowMs)
{
    const proto::Command kind = frame.kind;
    if (kind == proto::Command::ChangeUserName) {
        RoomUser *known = user(caller.session);
        if (!known)
            return error(caller, ErrorCode::NotAuthorised, nowNs);
        if (!known->bucket.take(nowMs) || !known->renameBucket.take(nowMs)) {
            RoomResult limited = error(caller, ErrorCode::RateLimited, nowNs);
            limited.rateLimited = true;
            return limited;
        }
        return rename(caller, frame, nowNs);
    }
    if (kind == proto::Command::Typing)
        return typing(caller, nowNs, nowMs);
    if (kind == proto::Command::MembersRequest)
        return membersRequest(caller, nowNs, nowMs);
    return memberCommand(caller, frame, nowNs, nowMs);
}

RoomResult Room::memberCommand(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs,
                               qint64 nowMs)
{
    const auto member = m_members.constFind(caller.session);
    if (member == m_members.cend())
        return error(caller, ErrorCode::NotAuthorised, nowNs);
    if (*member != caller.connection)
        return error(caller, ErrorCode::ConnectionError, nowNs);
    RoomUser *author = user(caller.session);
    const proto::Command kind = frame.kind;
    TokenBucket *extra = nullptr;
    if (author && kind == proto::Command::Vote)
        extra = &author->voteBucket;
    else if (author && kind == proto::Command::ChangeDescription)
        extra = &author->descriptionBucket;
    if (author && (!author->bucket.take(nowMs) || (extra && !extra->take(nowMs)))) {
        RoomResult limited = error(caller, ErrorCode::RateLimited, nowNs);
        limited.rateLimited = true;
        return limited;
    }
    m_lastActivityNs = nowNs;
    switch (kind) {
    case proto::Command::TextMessage:
    case proto::Command::DrawingMessage:
        return postMessage(caller, frame, nowNs);
    case proto::Command::EditMessage:
        return editMessage(caller, frame, nowNs);
    case proto::Command::DeleteMessage:
        return deleteMessage(caller, frame, nowNs);
    case proto::Command::Vote:
        return vote(caller, frame, nowNs);
    case proto::Command::ChangeDescription:
        return changeDescription(caller, frame, nowNs);
    default:
        return error(caller, ErrorCode::InvalidInput, nowNs);
    }
}

void Room::store(StoredMessage message, proto::Command command, RoomResult &result)
{
    message.id = m_nextId++;
    ServerFrame broadcast;
    broadcast.command = proto::commandCode(command);
    broadcast.messages = QList<WireMessage>{wireMessage(message)};
    account(message.cost);
    m_messages.push_back(std::move(message));
    result.toMembers(proto::encodeServerFrame(broadcast));
    trim(result, m_lastActivityNs);
}

void Room::trim(RoomResult &result, qint64 nowNs)
{
    const qint64 cap = std::max(1, m_settings.limits.messagesKept);
    const qint64 budget = std::max<qint64>(1, m_settings.roomBytesMax);
    const auto reaches = [&](int percent) {
        return qint64(m_messages.size()) * 100 >= cap * percent ||
               m_storedBytes * 100 >= budget * percent;
    };
    while (m_approachNoticesSent < int(approachPercents.size()) &&
           reaches(approachPercents[m_approachNoticesSent])) {
        ++m_approachNoticesSent;
        ServerFrame notice;
        notice.command = proto::commandCode(proto::Command::LimitApproaching);
        notice.messages = QList<WireMessage>{WireMessage{}};
        notice.time = nowNs;
        result.toMembers(proto::encodeServerFrame(notice));
    }
    const qint64 before = m_dropped;
    // The newest message always stays: the budget is at least one message of the largest frame.
    while (qint64(m_messages.size()) > cap || (m_storedBytes > budget && m_messages.size() > 1)) {
        account(-m_messages.front().cost);
        m_messages.pop_front();
        ++m_dropped;
    }
    // Once when dropping starts, then after every further tenth of the cap.
    const qint64 step = std::max<qint64>(1, cap / 10);
    const auto bucket = [step](qint64 dropped) { return dropped == 0 ? -1 : (dropped - 1) / step; };
    if (bucket(m_dropped) != bucket(before)) {
        result.toMembers(textNotice(proto::Command::LimitReached,
                                    QString::number(m_messages.front().id), nowNs));
    }
}

RoomResult Room::postMessage(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs)
{
    if (!frame.message)
        return error(caller, ErrorCode::InvalidInput, nowNs);
    const proto::ClientMessage &incoming = *frame.message;
    if (const ErrorCode check = validation::checkMessageText(incoming.text, m_settings.limits);
        check != ErrorCode::None)
        return error(caller, check, nowNs);
    if (incoming.replyUser && !validation::isUserId(*incoming.replyUser))
        return error(caller, ErrorCode::InvalidInput, nowNs);
    StoredMessage message;
    message.text = incoming.text;
    message.replyUser = incoming.replyUser;
    message.replyMessage = incoming.replyMessage;
    message.userId = user(caller.session)->id;
    message.authorSession = caller.session;
    message.createdAtSeconds = nowNs / 1000000000;
    price(message);
    if (!serverAllows(message.cost))
        return error(caller, ErrorCode::ServerError, nowNs);
    RoomResult result;
    store(std::move(message), frame.kind, result);
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::postExternal(const QString &encodedText, qint64 nowNs, qint64 *id)
{
    if (const ErrorCode check = validation::checkMessageText(encodedText, m_settings.limits);
        check != ErrorCode::None) {
        RoomResult result;
        result.error = check;
        return result;
    }
    StoredMessage message;
    message.text = encodedText;
    message.userId = proto::externalUserId;
    message.createdAtSeconds = nowNs / 1000000000;
    price(message);
    RoomResult result;
    if (!serverAllows(message.cost)) {
        result.error = ErrorCode::ServerError;
        return result;
    }
    m_lastActivityNs = nowNs;
    if (id)
        *id = m_nextId;
    store(std::move(message), proto::Command::TextMessage, result);
    return result;
}

std::deque<StoredMessage>::iterator Room::findMessageIt(qint64 id)
{
    const auto it =
        std::lower_bound(m_messages.begin(), m_messages.end(), id,
                         [](const StoredMessage &m, qint64 wanted) { return m.id < wanted; });
    if (it == m_messages.end() || it->id != id)
        return m_messages.end();
    return it;
}

StoredMessage *Room::findMessage(qint64 id)
{
    const auto it = findMessageIt(id);
    return it == m_messages.end() ? nullptr : &*it;
}

RoomResult Room::editMessage(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs)
{
    if (!frame.message || !frame.message->id)
        return error(caller, ErrorCode::InvalidInput, nowNs);
    const proto::ClientMessage &incoming = *frame.message;
    if (const ErrorCode check = validation::checkMessageText(incoming.text, m_settings.limits);
        check != ErrorCode::None)
        return error(caller, check, nowNs);
    StoredMessage *message = findMessage(*incoming.id);
    RoomResult result;
    if (!message) {
        result.toSender(replyFrame(caller, nowNs));
        return result;
    }
    if (message->authorSession != caller.session)
        return error(caller, ErrorCode::InvalidInput, nowNs);
    if (incoming.replyUser && !validation::isUserId(*incoming.replyUser))
        return error(caller, ErrorCode::InvalidInput, nowNs);
    StoredMessage edited = *message;
    edited.text = incoming.text;
    edited.replyUser = incoming.replyUser;
    edited.replyMessage = incoming.replyMessage;
    edited.lastEditedNs = nowNs;
    price(edited);
    if (!serverAllows(edited.cost - message->cost))
        return error(caller, ErrorCode::ServerError, nowNs);
    account(edited.cost - message->cost);
    *message = std::move(edited);

    WireMessage changed;
    changed.id = message->id;
    changed.text = message->text;
    changed.lastEdited = nowNs;
    changed.replyUser = message->replyUser;
    changed.replyMessage = message->replyMessage;
    result.toMembers(singleMessageFrame(proto::Command::EditMessage, changed, nowNs));
    trim(result, nowNs);
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::deleteMessage(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs)
{
    if (!frame.message || !frame.message->id)
        return error(caller, ErrorCode::InvalidInput, nowNs);
    const qint64 id = *frame.message->id;
    // A deque's blocks are not contiguous: the erase position must be an iterator, never a
    // difference of element addresses.
    const auto message = findMessageIt(id);
    RoomResult result;
    if (message == m_messages.end()) {
        result.toSender(replyFrame(caller, nowNs));
        return result;
    }
    if (message->authorSession != caller.session)
        return error(caller, ErrorCode::InvalidInput, nowNs);
    account(-message->cost);
    m_messages.erase(message);

    WireMessage removed;
    removed.id = id;
    result.toMembers(singleMessageFrame(proto::Command::DeleteMessage, removed, std::nullopt));
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::vote(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs)
{
    if (!frame.message || !frame.message->id || !frame.support)
        return error(caller, ErrorCode::InvalidInput, nowNs);
    StoredMessage *message = findMessage(*frame.message->id);
    RoomResult result;
    const bool ownMessage = message && message->authorSession == caller.session;
    if (!message || (ownMessage && !isCreator(caller.session))) {
        result.toSender(replyFrame(caller, nowNs));
        return result;
    }
    const bool support = *frame.support;
    qint64 &same = support ? message->support : message->reject;
    qint64 &opposite = support ? message->reject : message->support;
    const auto previous = message->votes.constFind(caller.session);
    if (previous == message->votes.cend()) {
        if (!serverAllows(voteBytes))
            return error(caller, ErrorCode::ServerError, nowNs);
        message->votes.insert(caller.session, support);
        ++same;
    } else if (*previous == support) {
        message->votes.remove(caller.session);
        --same;
    } else {
        message->votes.insert(caller.session, support);
        --opposite;
        ++same;
    }
    message->lastVotedNs = nowNs;
    const qint64 cost = messageCost(*message);
    account(cost - message->cost);
    message->cost = cost;

    WireMessage counts;
    counts.id = message->id;
    counts.supportCount = message->support;
    counts.rejectCount = message->reject;
    // v1 members get the counts as ever; pv >= 2 members also who voted (§7.3).
    const qsizetype extended = m_extendedMembers.size();
    if (extended < m_memberSessions.size())
        result.sends.append({RoomSend::To::Members, 0,
                             singleMessageFrame(proto::Command::Vote, counts, nowNs), false,
                             RoomSend::Audience::Legacy});
    if (extended > 0) {
        ServerFrame withVoters;
        withVoters.command = proto::commandCode(proto::Command::Vote);
        withVoters.messages = QList<WireMessage>{counts};
        withVoters.time = nowNs;
        withVoters.voters = QList<proto::WireVoters>{voters(*message)};
        result.sends.append({RoomSend::To::Members, 0, proto::encodeServerFrame(withVoters), false,
                             RoomSend::Audience::Extended});
    }
    trim(result, nowNs);
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::changeDescription(const Caller &caller, const proto::ClientFrame &frame,
                                   qint64 nowNs)
{
    if (!isCreator(caller.session))
        return error(caller, ErrorCode::InvalidInput, nowNs);
    const QString text = frame.message ? frame.message->text : QString();
    if (const ErrorCode check = validation::checkDescription(text, m_settings.limits);
        check != ErrorCode::None)
        return error(caller, check, nowNs);
    m_description = text;
    RoomResult result;
    result.toMembers(descriptionFrame(std::nullopt));
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::rename(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs)
{
    RoomUser *known = user(caller.session);
    const QString requested = frame.userName.value_or(QString());
    bool decodable = false;
    const QString decoded = validation::urlDecode(requested, &decodable).trimmed();
    if (!decodable)
        return error(caller, ErrorCode::UserNameLength, nowNs);
    if (decoded.isEmpty()) {
        const QString name = freeAnonymousName(caller.session);
        setUserName(*known, name, validation::userNameKey(name), true);
    } else {
        QString stored, key;
        if (const ErrorCode check = checkNewName(requested, caller.session, &stored, &key);
            check != ErrorCode::None)
            return error(caller, check, nowNs);
        setUserName(*known, stored, key, false);
    }
    if (known->everJoined)
        known->lastSeenNs = nowNs;
    m_lastActivityNs = nowNs;
    RoomResult result;
    announceMember(result, *known, proto::memberActionRenamed, RoomSend::To::Members, true, nowNs);
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::typing(const Caller &caller, qint64 nowNs, qint64 nowMs)
{
    RoomResult result;
    if (caller.protocolVersion < proto::protocolVersionExtensions)
        return result; // a code v1 does not know: no reply, as for any unknown code
    const auto member = m_members.constFind(caller.session);
    if (member == m_members.cend() || *member != caller.connection)
        return error(caller, ErrorCode::NotAuthorised, nowNs);
    RoomUser *typist = user(caller.session);
    // Never stored and never answered: a dropped signal costs nothing, the next one follows.
    if (typist->lastTypingMs >= 0 && nowMs - typist->lastTypingMs < m_settings.typingIntervalMs)
        return result;
    typist->lastTypingMs = nowMs;
    if (m_extendedMembers.size() > 1) {
        ServerFrame frame;
        frame.command = proto::commandCode(proto::Command::Typing);
        frame.userId = typist->id;
        result.sends.append({RoomSend::To::Others, 0, proto::encodeServerFrame(frame), false,
                             RoomSend::Audience::Extended});
    }
    return result;
}

RoomResult Room::membersRequest(const Caller &caller, qint64 nowNs, qint64 nowMs)
{
    if (caller.protocolVersion < proto::protocolVersionExtensions)
        return RoomResult(); // unknown to v1: no reply
    const auto member = m_members.constFind(caller.session);
    if (member == m_members.cend())
        return error(caller, ErrorCode::NotAuthorised, nowNs);
    if (*member != caller.connection)
        return error(caller, ErrorCode::ConnectionError, nowNs);
    // The full list is the largest frame a member can ask for: it costs a message token.
    if (!user(caller.session)->bucket.take(nowMs)) {
        RoomResult limited = error(caller, ErrorCode::RateLimited, nowNs);
        limited.rateLimited = true;
        return limited;
    }
    RoomResult result;
    result.toSender(membersFrame(false, nowNs, true));
    result.toSender(replyFrame(caller, nowNs));
    return result;
}

RoomResult Room::announceStatus(QLatin1StringView status)
{
    m_status = status;
    RoomResult result;
    if (!m_members.isEmpty())
        result.toMembers(descriptionFrame(std::nullopt));
    return result;
}

RoomResult Room::evictAll(ErrorCode code)
{
    RoomResult result;
    const qint64 nowNs = proto::nowNanoseconds();
    for (auto it = m_memberSessions.cbegin(); it != m_memberSessions.cend(); ++it) {
        result.sends.append({RoomSend::To::Connection, it.key(),
                             proto::encodeErrorFrame(code, std::nullopt, nowNs), true,
                             RoomSend::Audience::All, 1001}); // going away
        result.removedConnections.append(it.key());
    }
    m_members.clear();
    m_memberSessions.clear();
    m_extendedMembers.clear();
    return result;
}

} // namespace ic::server
