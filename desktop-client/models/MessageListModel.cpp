#include "MessageListModel.h"

#include "TextFormat.h"
#include "UserListModel.h"

#include <QDateTime>
#include <QLocale>

namespace ic::desktop {
namespace {

// Consecutive cards of one author are grouped when they are this close in time.
constexpr qint64 groupingWindowSeconds = 5 * 60;

QDate localDate(qint64 seconds)
{
    return QDateTime::fromSecsSinceEpoch(seconds).date();
}

QString dayLabel(const QDate &day)
{
    const QDate today = QDate::currentDate();
    if (day == today)
        return QStringLiteral("Today");
    if (day == today.addDays(-1))
        return QStringLiteral("Yesterday");
    return QLocale().toString(day, QStringLiteral("dddd d MMMM yyyy"));
}

} // namespace

MessageListModel::MessageListModel(QObject *parent) : QAbstractListModel(parent) {}

int MessageListModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

QVariant MessageListModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    return messageData(index.row(), m_rows.at(index.row()), role);
}

QString MessageListModel::authorName(const QString &id) const
{
    const QString name = m_users ? m_users->nameOf(id) : QString();
    return name.isEmpty() ? QStringLiteral("unknown user") : name;
}

QVariant MessageListModel::messageData(int row, const ChatMessage &m, int role) const
{
    using Kind = ChatMessage::Kind;
    switch (role) {
    case Qt::DisplayRole:
    case TextRole:
        if (m.kind == Kind::Drawing)
            return role == Qt::DisplayRole ? QStringLiteral("[drawing]") : QString();
        return m.deleted ? QString() : m.text;
    case Qt::AccessibleTextRole:
    case Qt::ToolTipRole:
        if (m.kind == Kind::Notice)
            return m.text;
        return QStringLiteral("#%1 %2: %3")
            .arg(m.id)
            .arg(authorName(m.authorId),
                 m.deleted ? QStringLiteral("(deleted)")
                           : (m.kind == Kind::Drawing ? QStringLiteral("(drawing)") : m.text));
    case KindRole:
        return int(m.kind);
    case IdRole:
        return m.id;
    case AuthorIdRole:
        return m.authorId;
    case AuthorNameRole:
        return authorName(m.authorId);
    case AuthorAnonymousRole:
        return m_users && m_users->isAnonymous(m.authorId);
    case AuthorIsCreatorRole:
        return !m_creatorId.isEmpty() && m.authorId == m_creatorId;
    case IsMineRole:
        return !m_myId.isEmpty() && m.authorId == m_myId;
    case CreatedAtRole:
        return QDateTime::fromSecsSinceEpoch(m.createdAt);
    case EditedRole:
        return m.editedAt != 0;
    case SupportRole:
        return m.support;
    case RejectRole:
        return m.reject;
    case MyVoteRole:
        return m_myVotes.value(m.id, 0);
    case ReplyUserRole:
        return m.replyUser.value_or(QString());
    case ReplyUserNameRole:
        return m.replyUser ? authorName(*m.replyUser) : QString();
    case ReplyMessageRole:
        return m.replyMessage ? QVariant(*m.replyMessage) : QVariant();
    case QuoteAvailableRole:
    case QuoteAuthorRole:
    case QuoteSnippetRole: {
        const ChatMessage *q = m.replyMessage ? messageById(*m.replyMessage) : nullptr;
        const bool available = q && !q->deleted;
        if (role == QuoteAvailableRole)
            return available;
        if (!available)
            return QString();
        if (role == QuoteAuthorRole)
            return authorName(q->authorId);
        return q->kind == Kind::Drawing ? QStringLiteral("[drawing]") : snippet(q->text, 30);
    }
    case DeletedRole:
        return m.deleted;
    case DrawingNameRole:
        return m.drawingName;
    case DrawingGroupRole:
        return m.drawingGroup;
    case DrawingImageRole:
        return m.drawing;
    case DrawingMissingRole:
        return m.drawingMissing;
    case GroupedRole: {
        // Under the unread divider the author shows again.
        if (row == 0 || m.kind == Kind::Notice || m.replyUser || m.replyMessage ||
            (m.id != 0 && m.id == m_firstUnreadId))
            return false;
        const ChatMessage &prev = m_rows.at(row - 1);
        return prev.kind != Kind::Notice && prev.authorId == m.authorId &&
               m.createdAt - prev.createdAt < groupingWindowSeconds &&
               localDate(prev.createdAt) == localDate(m.createdAt);
    }
    case DaySeparatorRole: {
        const QDate day = localDate(m.createdAt);
        if (row > 0 && localDate(m_rows.at(row - 1).createdAt) == day)
            return QString();
        return dayLabel(day);
    }
    case MentionRole: {
        // A reply to me, or a quote of one of my messages, by someone else.
        if (m.kind == Kind::Notice || m_myId.isEmpty() || m.authorId == m_myId)
            return false;
        if (m.replyUser == m_myId)
            return true;
        const ChatMessage *q = m.replyMessage ? messageById(*m.replyMessage) : nullptr;
        return q && q->authorId == m_myId;
    }
    case HighlightRole:
        return m.id != 0 && m.id == m_highlightedId;
    case UnreadDividerRole:
        return m.id != 0 && m.id == m_firstUnreadId;
    case SearchMatchRole:
        return !m_search.isEmpty() && m.kind == Kind::Text && !m.deleted &&
               m.text.contains(m_search, Qt::CaseInsensitive);
    default:
        return {};
    }
}

QHash<int, QByteArray> MessageListModel::roleNames() const
{
    auto names = QAbstractListModel::roleNames();
    names.insert(KindRole, "kind");
    names.insert(IdRole, "messageId");
    names.insert(TextRole, "text");
    names.insert(AuthorIdRole, "authorId");
    names.insert(AuthorNameRole, "authorName");
    names.insert(AuthorAnonymousRole, "authorAnonymous");
    names.insert(AuthorIsCreatorRole, "authorIsCreator");
    names.insert(IsMineRole, "isMine");
    names.insert(CreatedAtRole, "createdAt");
    names.insert(EditedRole, "edited");
    names.insert(SupportRole, "support");
    names.insert(RejectRole, "reject");
    names.insert(MyVoteRole, "myVote");
    names.insert(ReplyUserRole, "replyUser");
    names.insert(ReplyUserNameRole, "replyUserName");
    names.insert(ReplyMessageRole, "replyMessage");
    names.insert(QuoteAvailableRole, "quoteAvailable");
    names.insert(QuoteAuthorRole, "quoteAuthor");
    names.insert(QuoteSnippetRole, "quoteSnippet");
    names.insert(DeletedRole, "deleted");
    names.insert(DrawingNameRole, "drawingName");
    names.insert(DrawingGroupRole, "drawingGroup");
    names.insert(DrawingImageRole, "drawingImage");
    names.insert(DrawingMissingRole, "drawingMissing");
    names.insert(GroupedRole, "grouped");
    names.insert(DaySeparatorRole, "daySeparator");
    names.insert(MentionRole, "mention");
    names.insert(HighlightRole, "highlight");
    names.insert(SearchMatchRole, "searchMatch");
    names.insert(UnreadDividerRole, "unreadDivider");
    return names;
}

void MessageListModel::setUsers(UserListModel *users)
{
    if (m_users)
        disconnect(m_users, nullptr, this, nullptr);
    m_users = users;
    // Names, anon tags and quotes' authors follow the member list.
    if (m_users)
        connect(m_users, &UserListModel::modelReset, this, &MessageListModel::emitAllChanged);
    emitAllChanged();
}

void MessageListModel::setMyId(const QString &id)
{
    if (id == m_myId)
        return;
    m_myId = id;
    emitAllChanged();
}

void MessageListModel::setCreatorId(const QString &id)
{
    if (id == m_creatorId)
        return;
    m_creatorId = id;
    emitAllChanged();
}

void MessageListModel::setMessages(const QList<ChatMessage> &messages)
{
    if (m_rows.isEmpty()) {
        // First load: one reset, however many messages (a 1000-message ALL_TM stays cheap).
        beginResetModel();
        m_rows = messages;
        rebuildIndex();
        endResetModel();
        return;
    }
    QHash<qint64, const ChatMessage *> incoming;
    incoming.reserve(messages.size());
    for (const auto &m : messages)
        incoming.insert(m.id, &m);
    // Remove rows the server no longer has (dropped or deleted while we were away), from the
    // end so row numbers stay valid; notices stay.
    for (int row = int(m_rows.size()) - 1; row >= 0; --row) {
        const ChatMessage &m = m_rows.at(row);
        if (m.kind != ChatMessage::Kind::Notice && !incoming.contains(m.id)) {
            beginRemoveRows({}, row, row);
            m_rows.removeAt(row);
            endRemoveRows();
        }
    }
    rebuildIndex();
    QList<ChatMessage> fresh;
    for (const auto &m : messages) {
        const auto it = m_rowById.constFind(m.id);
        if (it == m_rowById.cend()) {
            if (m.id > m_highestId)
                fresh.append(m);
            continue;
        }
        ChatMessage &mine = m_rows[*it];
        const QImage image = mine.drawing; // keep a fetched drawing across the refresh
        mine = m;
        if (mine.drawing.isNull())
            mine.drawing = image;
    }
    if (!m_rows.isEmpty())
        emit dataChanged(index(0), index(int(m_rows.size()) - 1));
    if (!fresh.isEmpty()) {
        const int first = int(m_rows.size());
        beginInsertRows({}, first, first + int(fresh.size()) - 1);
        m_rows.append(fresh);
        rebuildIndex();
        endInsertRows();
    }
}

bool MessageListModel::appendMessage(const ChatMessage &message)
{
    if (m_rowById.contains(message.id))
        return false;
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(message);
    m_rowById.insert(message.id, row);
    m_highestId = std::max(m_highestId, message.id);
    endInsertRows();
    return true;
}

void MessageListModel::appendNotice(const QString &text, qint64 atSeconds)
{
    ChatMessage notice;
    notice.kind = ChatMessage::Kind::Notice;
    notice.text = text;
    notice.createdAt = atSeconds;
    const int row = int(m_rows.size());
    beginInsertRows({}, row, row);
    m_rows.append(notice);
    endInsertRows();
}

bool MessageListModel::applyEdit(qint64 id, const QString &rawText, qint64 editedAt,
                                 const std::optional<QString> &replyUser,
                                 const std::optional<qint64> &replyMessage)
{
    const int row = rowForId(id);
    if (row < 0)
        return false;
    ChatMessage &m = m_rows[row];
    m.rawText = rawText;
    m.text = decodeText(rawText);
    m.editedAt = editedAt ? editedAt : 1;
    m.replyUser = replyUser;
    m.replyMessage = replyMessage;
    emitAllChanged(); // quotes of this message elsewhere show the new text
    return true;
}

bool MessageListModel::applyDelete(qint64 id)
{
    const int row = rowForId(id);
    if (row < 0)
        return false;
    ChatMessage &m = m_rows[row];
    m.deleted = true;
    m.text.clear();
    m.rawText.clear();
    m.drawing = {};
    emitAllChanged(); // quotes of it now say "message unavailable"
    return true;
}

bool MessageListModel::applyVotes(qint64 id, qint64 support, qint64 reject, qint64 votedAt)
{
    const int row = rowForId(id);
    if (row < 0)
        return false;
    ChatMessage &m = m_rows[row];
    m.support = support;
    m.reject = reject;
    m.votedAt = votedAt;
    emitRowChanged(row);
    return true;
}

void MessageListModel::setMyVote(qint64 id, int vote)
{
    if (vote == 0)
        m_myVotes.remove(id);
    else
        m_myVotes.insert(id, vote);
    const int row = rowForId(id);
    if (row >= 0)
        emitRowChanged(row);
}

int MessageListModel::dropBelow(qint64 lowestKept)
{
    // Messages are in ascending id order; notices before the first kept message go too.
    int count = 0;
    while (count < m_rows.size()) {
        const ChatMessage &m = m_rows.at(count);
        if (m.kind != ChatMessage::Kind::Notice && m.id >= lowestKept)
            break;
        ++count;
    }
    if (count == 0)
        return 0;
    int dropped = 0;
    for (int i = 0; i < count; ++i)
        dropped += m_rows.at(i).kind != ChatMessage::Kind::Notice;
    beginRemoveRows({}, 0, count - 1);
    m_rows.remove(0, count);
    rebuildIndex();
    endRemoveRows();
    emitAllChanged(); // quotes of dropped messages become unavailable
    return dropped;
}

void MessageListModel::setDrawingImage(const QString &fileName, const QString &group,
                                       const QImage &image)
{
    for (int row = 0; row < m_rows.size(); ++row) {
        ChatMessage &m = m_rows[row];
        if (m.kind == ChatMessage::Kind::Drawing && m.drawingName == fileName &&
            m.drawingGroup == group) {
            m.drawing = image;
            m.drawingMissing = image.isNull();
            emitRowChanged(row);
        }
    }
}

void MessageListModel::setDrawingMissing(const QString &fileName, const QString &group)
{
    setDrawingImage(fileName, group, {});
}

int MessageListModel::rowForId(qint64 id) const
{
    return m_rowById.value(id, -1);
}

const ChatMessage *MessageListModel::messageById(qint64 id) const
{
    const int row = rowForId(id);
    return row < 0 ? nullptr : &m_rows.at(row);
}

int MessageListModel::messageCount() const
{
    return int(m_rowById.size());
}

void MessageListModel::setFirstUnreadId(qint64 id)
{
    if (id == m_firstUnreadId)
        return;
    const int oldRow = rowForId(m_firstUnreadId);
    m_firstUnreadId = id;
    if (oldRow >= 0)
        emitRowChanged(oldRow);
    const int row = rowForId(id);
    if (row >= 0)
        emitRowChanged(row);
}

void MessageListModel::setHighlightedId(qint64 id)
{
    if (id == m_highlightedId)
        return;
    const int oldRow = rowForId(m_highlightedId);
    m_highlightedId = id;
    if (oldRow >= 0)
        emitRowChanged(oldRow);
    const int row = rowForId(id);
    if (row >= 0)
        emitRowChanged(row);
}

QList<qint64> MessageListModel::setSearchText(const QString &text)
{
    m_search = text.trimmed();
    QList<qint64> hits;
    if (!m_search.isEmpty()) {
        for (const auto &m : std::as_const(m_rows)) {
            if (m.kind == ChatMessage::Kind::Text && !m.deleted &&
                m.text.contains(m_search, Qt::CaseInsensitive))
                hits.append(m.id);
        }
    }
    emitAllChanged();
    return hits;
}

qint64 MessageListModel::lastMessageOf(const QString &userId) const
{
    for (auto it = m_rows.crbegin(); it != m_rows.crend(); ++it) {
        if (it->kind == ChatMessage::Kind::Text && !it->deleted && it->authorId == userId)
            return it->id;
    }
    return 0;
}

void MessageListModel::rebuildIndex()
{
    m_rowById.clear();
    m_rowById.reserve(m_rows.size());
    // Recomputed, not only raised: a restarted server starts its ids at 1 again.
    m_highestId = 0;
    for (int row = 0; row < m_rows.size(); ++row) {
        const ChatMessage &m = m_rows.at(row);
        if (m.kind != ChatMessage::Kind::Notice) {
            m_rowById.insert(m.id, row);
            m_highestId = std::max(m_highestId, m.id);
        }
    }
}

void MessageListModel::emitRowChanged(int row)
{
    emit dataChanged(index(row), index(row));
}

void MessageListModel::emitAllChanged()
{
    if (!m_rows.isEmpty())
        emit dataChanged(index(0), index(int(m_rows.size()) - 1));
}

} // namespace ic::desktop
