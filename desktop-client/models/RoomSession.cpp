#include "RoomSession.h"

#include "TextFormat.h"
#include "protocol/Codes.h"

#include <QDateTime>
#include <QRegularExpression>

namespace ic::desktop {

using proto::Command;

RoomSession::RoomSession(const QString &roomName, QObject *parent)
    : QObject(parent), m_messages(new MessageListModel(this)), m_users(new UserListModel(this)),
      m_roomName(roomName)
{
    m_messages->setUsers(m_users);
}

void RoomSession::setActive(bool active)
{
    // Leaving the room ends "new since you were last here"; the next message that arrives
    // while away starts it again. Coming back keeps it, so the user sees where to start.
    if (m_active && !active)
        m_messages->setFirstUnreadId(0);
    m_active = active;
    if (active)
        markRead();
}

void RoomSession::markRead()
{
    if (m_unread == 0 && m_mentions == 0)
        return;
    m_unread = 0;
    m_mentions = 0;
    emit unreadChanged(0, 0);
}

void RoomSession::connectionLost()
{
    m_seenBeforeRejoin = m_messages->highestId();
    if (m_joined) {
        m_joined = false;
        emit joinedChanged(false);
    }
}

void RoomSession::applyFrame(const proto::ServerFrame &frame)
{
    switch (frame.kind()) {
    case Command::MembersChanged:
        noteBuild(frame);
        applyMembers(frame);
        break;
    case Command::MemberDelta:
        applyMemberDelta(frame);
        break;
    case Command::Typing:
        if (frame.userId && *frame.userId != m_myUserId)
            emit typing(*frame.userId, m_users->nameOf(*frame.userId));
        break;
    case Command::AllMessages:
        noteBuild(frame);
        applyAllMessages(frame);
        break;
    case Command::ChangeDescription:
        applyDescription(frame);
        break;
    case Command::Reply:
        // Only the reply to a join (or authorise) carries the room id.
        if (frame.roomId)
            applyJoinReply(frame);
        break;
    case Command::TextMessage:
    case Command::DrawingMessage:
        applyNewMessage(frame);
        break;
    case Command::EditMessage:
        applyEdit(frame);
        break;
    case Command::DeleteMessage:
        applyDelete(frame);
        break;
    case Command::Vote:
        applyVote(frame);
        break;
    case Command::LimitApproaching: {
        const QString text = QStringLiteral(
            "This room is close to its message limit: the oldest messages will soon be dropped.");
        m_messages->appendNotice(text, proto::nowSeconds());
        emit limitNotice(text);
        break;
    }
    case Command::LimitReached:
        applyLimitReached(frame);
        break;
    case Command::Error:
        if (frame.errorCode() == proto::ErrorCode::SessionReplaced) {
            if (m_joined) {
                m_joined = false;
                emit joinedChanged(false);
            }
            emit replacedElsewhere();
        }
        break;
    default:
        break;
    }
}

ChatMessage RoomSession::toChatMessage(const proto::WireMessage &wire, bool isDrawingFrame) const
{
    ChatMessage m;
    m.id = wire.id.value_or(0);
    m.rawText = wire.text.value_or(QString());
    m.text = decodeText(m.rawText);
    m.authorId = wire.userId.value_or(QString());
    m.createdAt = wire.createdAt.value_or(proto::nowSeconds());
    m.editedAt = wire.lastEdited.value_or(0);
    m.votedAt = wire.lastVoted.value_or(0);
    m.support = wire.supportCount.value_or(0);
    m.reject = wire.rejectCount.value_or(0);
    m.replyUser = wire.replyUser;
    m.replyMessage = wire.replyMessage;
    // The marker decides, not the frame code: ALL_TM mixes drawings and texts.
    if (const auto drawing = parseDrawingText(m.text)) {
        m.kind = ChatMessage::Kind::Drawing;
        m.drawingName = drawing->fileName;
        m.drawingGroup = drawing->groupPrefix;
        m.text.clear();
    } else if (isDrawingFrame && m.text.startsWith(proto::drawingMarker)) {
        // A malformed pointer: still a drawing (shown as missing), never the raw marker.
        m.kind = ChatMessage::Kind::Drawing;
        m.drawingMissing = true;
        m.text.clear();
    }
    return m;
}

void RoomSession::applyMembers(const proto::ServerFrame &frame)
{
    if (!frame.users)
        return;
    const bool firstList = m_knownNames.isEmpty();
    const qint64 now = proto::nowSeconds();
    QStringList notices;
    for (const auto &u : *frame.users) {
        if (firstList) {
            m_knownNames.insert(u.id, decodeText(u.name));
            m_knownOnline.insert(u.id, u.online);
        } else {
            noteMember(u, notices);
        }
    }
    m_users->setUsers(*frame.users);
    for (const auto &text : std::as_const(notices))
        m_messages->appendNotice(text, now);
}

void RoomSession::applyMemberDelta(const proto::ServerFrame &frame)
{
    // Applied as it comes: a delta carries the user's whole entry, so even one that follows a
    // lost delta is right for its user; ChatClient notices the gap and fetches the full list,
    // whose R_M_CH then replaces everything.
    if (!frame.users || frame.users->size() != 1)
        return;
    const proto::WireUser &changed = frame.users->first();
    QStringList notices;
    noteMember(changed, notices);
    m_users->applyUser(changed);
    const qint64 now = proto::nowSeconds();
    for (const auto &text : std::as_const(notices))
        m_messages->appendNotice(text, now);
}

void RoomSession::noteMember(const proto::WireUser &u, QStringList &notices)
{
    if (u.id == proto::externalUserId)
        return;
    const QString name = decodeText(u.name);
    const auto known = m_knownNames.constFind(u.id);
    if (known == m_knownNames.cend()) {
        if (u.online)
            notices << QStringLiteral("%1 joined").arg(name);
    } else {
        if (*known != name)
            notices << QStringLiteral("%1 is now %2").arg(*known, name);
        const bool wasOnline = m_knownOnline.value(u.id);
        if (wasOnline != u.online)
            notices << (u.online ? QStringLiteral("%1 joined").arg(name)
                                 : QStringLiteral("%1 left").arg(name));
    }
    m_knownNames.insert(u.id, name);
    m_knownOnline.insert(u.id, u.online);
}

void RoomSession::applyAllMessages(const proto::ServerFrame &frame)
{
    QList<ChatMessage> list;
    if (frame.messages) {
        list.reserve(frame.messages->size());
        for (const auto &wire : *frame.messages) {
            if (wire.id)
                list.append(toChatMessage(wire, false));
        }
    }
    const bool rejoin = m_everLoaded;
    m_messages->setMessages(list);
    m_everLoaded = true;
    for (const auto &m : std::as_const(list)) {
        if (m_pending.contains(m.id))
            applyPending(m.id);
        if (m.kind == ChatMessage::Kind::Drawing && !m.drawingMissing) {
            const ChatMessage *kept = m_messages->messageById(m.id);
            if (kept && kept->drawing.isNull())
                requestDrawing(*kept);
        }
        // After a reconnect, what arrived while we were away is new to the user.
        if (rejoin && m.id > m_seenBeforeRejoin)
            countIncoming(m);
    }
    prunePending();
}

void RoomSession::applyNewMessage(const proto::ServerFrame &frame)
{
    if (!frame.messages)
        return;
    for (const auto &wire : *frame.messages) {
        if (!wire.id)
            continue;
        const ChatMessage m = toChatMessage(wire, frame.kind() == Command::DrawingMessage);
        // The divider goes on before the row exists: the view measures it once, and a list the
        // user has scrolled up in does not have to lay itself out again.
        const bool startsUnread = !m_active && m.authorId != m_myUserId &&
                                  (m_unread == 0 || m_messages->firstUnreadId() == 0) &&
                                  m_messages->rowForId(m.id) < 0;
        if (startsUnread)
            m_messages->setFirstUnreadId(m.id);
        if (!m_messages->appendMessage(m)) {
            if (startsUnread)
                m_messages->setFirstUnreadId(0);
            continue;
        }
        applyPending(m.id);
        countIncoming(m);
        requestDrawing(m);
    }
}

void RoomSession::applyEdit(const proto::ServerFrame &frame)
{
    if (!frame.messages)
        return;
    for (const auto &wire : *frame.messages) {
        if (!wire.id)
            continue;
        const qint64 id = *wire.id;
        const qint64 editedAt = wire.lastEdited.value_or(frame.time.value_or(1));
        if (const ChatMessage *m = m_messages->messageById(id)) {
            if (m->editedAt > editedAt)
                continue; // an older edit arriving late
            m_messages->applyEdit(id, wire.text.value_or(QString()), editedAt, wire.replyUser,
                                  wire.replyMessage);
        } else if (id > m_messages->highestId()) {
            // The message itself has not arrived yet: keep the newest edit for it.
            auto &pending = m_pending[id];
            if (!pending.edit || pending.edit->lastEdited.value_or(0) <= editedAt) {
                pending.edit = wire;
                pending.edit->lastEdited = editedAt;
            }
        }
    }
}

void RoomSession::applyDelete(const proto::ServerFrame &frame)
{
    if (!frame.messages)
        return;
    for (const auto &wire : *frame.messages) {
        if (!wire.id)
            continue;
        if (!m_messages->applyDelete(*wire.id) && *wire.id > m_messages->highestId())
            m_pending[*wire.id].deleted = true;
    }
}

void RoomSession::applyVote(const proto::ServerFrame &frame)
{
    if (!frame.messages)
        return;
    const qint64 at = frame.time.value_or(0);
    for (const auto &wire : *frame.messages) {
        if (!wire.id)
            continue;
        const qint64 id = *wire.id;
        const qint64 votedAt = wire.lastVoted.value_or(at);
        if (const ChatMessage *m = m_messages->messageById(id)) {
            if (votedAt && m->votedAt > votedAt)
                continue; // stale
            m_messages->applyVotes(id, wire.supportCount.value_or(m->support),
                                   wire.rejectCount.value_or(m->reject), votedAt);
        } else if (id > m_messages->highestId()) {
            auto &pending = m_pending[id];
            if (!pending.votes || pending.votedAt <= votedAt) {
                pending.votes = wire;
                pending.votedAt = votedAt;
            }
        }
    }
}

void RoomSession::applyPending(qint64 id)
{
    const auto it = m_pending.find(id);
    if (it == m_pending.end())
        return;
    const PendingUpdate pending = *it;
    m_pending.erase(it);
    const ChatMessage *m = m_messages->messageById(id);
    if (!m)
        return;
    if (pending.deleted) {
        m_messages->applyDelete(id);
        return;
    }
    if (pending.edit && pending.edit->lastEdited.value_or(0) > m->editedAt) {
        m_messages->applyEdit(id, pending.edit->text.value_or(QString()),
                              pending.edit->lastEdited.value_or(1), pending.edit->replyUser,
                              pending.edit->replyMessage);
    }
    m = m_messages->messageById(id);
    if (pending.votes && (pending.votedAt == 0 || pending.votedAt >= m->votedAt)) {
        m_messages->applyVotes(id, pending.votes->supportCount.value_or(m->support),
                               pending.votes->rejectCount.value_or(m->reject), pending.votedAt);
    }
}

void RoomSession::prunePending()
{
    // Updates for ids we have passed without seeing the message can never apply.
    const qint64 highest = m_messages->highestId();
    for (auto it = m_pending.begin(); it != m_pending.end();) {
        if (it.key() <= highest && !m_messages->messageById(it.key()))
            it = m_pending.erase(it);
        else
            ++it;
    }
}

void RoomSession::applyDescription(const proto::ServerFrame &frame)
{
    if (frame.creatorUserId && *frame.creatorUserId != m_creatorUserId) {
        m_creatorUserId = *frame.creatorUserId;
        m_users->setCreatorId(m_creatorUserId);
        m_messages->setCreatorId(m_creatorUserId);
        emit identityChanged();
    }
    if (frame.messages && !frame.messages->isEmpty()) {
        const QString text = decodeText(frame.messages->first().text.value_or(QString()));
        if (text != m_description) {
            m_description = text;
            emit descriptionChanged(text);
        }
    }
    if (frame.status && *frame.status != m_serverStatus) {
        m_serverStatus = *frame.status;
        emit serverStatusChanged(m_serverStatus);
    }
    noteBuild(frame);
}

void RoomSession::applyJoinReply(const proto::ServerFrame &frame)
{
    m_roomId = frame.roomId.value_or(m_roomId);
    if (frame.userId && *frame.userId != m_myUserId) {
        m_myUserId = *frame.userId;
        m_users->setMyId(m_myUserId);
        m_messages->setMyId(m_myUserId);
    }
    if (frame.time)
        m_createdAtNs = *frame.time;
    if (frame.details)
        m_passwordProtected = frame.details->contains(QStringLiteral("password=true"));
    noteBuild(frame);
    emit identityChanged();
    if (!m_joined) {
        m_joined = true;
        emit joinedChanged(true);
    }
}

void RoomSession::applyLimitReached(const proto::ServerFrame &frame)
{
    if (!frame.messages || frame.messages->isEmpty())
        return;
    bool ok = false;
    const qint64 lowest = frame.messages->first().text.value_or(QString()).toLongLong(&ok);
    if (!ok)
        return;
    const int dropped = m_messages->dropBelow(lowest);
    for (auto it = m_pending.begin(); it != m_pending.end();)
        it = it.key() < lowest ? m_pending.erase(it) : std::next(it);
    const QString text = QStringLiteral("Older messages were dropped: this room keeps only its "
                                        "newest messages (from #%1 on).")
                             .arg(lowest);
    m_messages->appendNotice(text, proto::nowSeconds());
    Q_UNUSED(dropped)
    emit limitNotice(text);
}

void RoomSession::noteBuild(const proto::ServerFrame &frame)
{
    if (!frame.build || frame.build->isEmpty())
        return;
    if (m_build.isEmpty()) {
        m_build = *frame.build;
    } else if (*frame.build != m_build) {
        m_build = *frame.build;
        emit newVersionAvailable(m_build);
    }
}

void RoomSession::countIncoming(const ChatMessage &message)
{
    if (message.kind == ChatMessage::Kind::Notice || message.authorId == m_myUserId)
        return;
    bool mention = !m_myUserId.isEmpty() && message.replyUser == m_myUserId;
    if (!mention && message.replyMessage) {
        const ChatMessage *quoted = m_messages->messageById(*message.replyMessage);
        mention = quoted && !m_myUserId.isEmpty() && quoted->authorId == m_myUserId;
    }
    if (!mention && message.kind == ChatMessage::Kind::Text)
        mention = highlights(message.text);
    if (!m_active) {
        if (m_unread == 0 || m_messages->firstUnreadId() == 0)
            m_messages->setFirstUnreadId(message.id);
        ++m_unread;
        if (mention)
            ++m_mentions;
        emit unreadChanged(m_unread, m_mentions);
    }
    emit messageArrived(message.id, mention);
}

bool RoomSession::highlights(const QString &text) const
{
    QStringList words = m_highlightWords;
    if (words.isEmpty())
        words << myName();
    else if (!myName().isEmpty())
        words << QLatin1Char('@') + myName(); // "@Me" addresses me whatever my own words are
    for (const QString &word : std::as_const(words)) {
        if (word.trimmed().isEmpty())
            continue;
        // A whole word: "Ann" is in "hi @Ann!" but not in "Annual".
        const QRegularExpression pattern(QStringLiteral("(?<![\\w])") +
                                             QRegularExpression::escape(word.trimmed()) +
                                             QStringLiteral("(?![\\w])"),
                                         QRegularExpression::CaseInsensitiveOption |
                                             QRegularExpression::UseUnicodePropertiesOption);
        if (pattern.match(text).hasMatch())
            return true;
    }
    return false;
}

void RoomSession::requestDrawing(const ChatMessage &message)
{
    if (message.kind == ChatMessage::Kind::Drawing && !message.drawingMissing &&
        !message.drawingName.isEmpty())
        emit drawingNeeded(message.drawingName, message.drawingGroup);
}

} // namespace ic::desktop
