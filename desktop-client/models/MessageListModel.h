#pragma once
// The message stream of one room. Rows are kept in ascending id order (notices sit where they
// happened). Names come from the room's UserListModel, so a rename shows on old messages too.

#include "ChatMessage.h"

#include <QAbstractListModel>
#include <QHash>
#include <QPointer>

namespace ic::desktop {

class UserListModel;

class MessageListModel : public QAbstractListModel
{
    Q_OBJECT
public:
    enum Role {
        KindRole = Qt::UserRole + 1, // ChatMessage::Kind as int
        IdRole,
        TextRole, // decoded text; notices: the sentence
        AuthorIdRole,
        AuthorNameRole,
        AuthorAnonymousRole,
        AuthorIsCreatorRole,
        IsMineRole,
        CreatedAtRole, // QDateTime, local time
        EditedRole,    // bool
        SupportRole,
        RejectRole,
        MyVoteRole,    // +1 support, -1 reject, 0 none (what this client last toggled)
        ReplyUserRole, // user id or empty
        ReplyUserNameRole,
        ReplyMessageRole,   // qint64 id or invalid QVariant
        QuoteAvailableRole, // the quoted message is still here and not deleted
        QuoteAuthorRole,
        QuoteSnippetRole, // first 30 characters of the quoted message
        DeletedRole,
        DrawingNameRole,
        DrawingGroupRole,
        DrawingImageRole, // QImage, null until fetched
        DrawingMissingRole,
        GroupedRole,       // same author as the previous card, same day, close in time
        DaySeparatorRole,  // QString label ("Today", "Monday 3 March 2025") or empty
        MentionRole,       // addressed to me (rU == my id) by someone else
        HighlightRole,     // jump target or current search hit
        SearchMatchRole,   // matches the current search
        UnreadDividerRole, // the first message that arrived while the user was away
    };
    Q_ENUM(Role)

    explicit MessageListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setUsers(UserListModel *users);
    void setMyId(const QString &id);
    void setCreatorId(const QString &id);

    // Replaces or merges the whole stream (ALL_TM). Known ids are updated in place, ids no longer
    // sent are removed, newer ids appended with one insert: a rejoin keeps the view's position.
    void setMessages(const QList<ChatMessage> &messages);
    // A new message (TM/DM); returns false when the id is already known.
    bool appendMessage(const ChatMessage &message);
    void appendNotice(const QString &text, qint64 atSeconds);
    bool applyEdit(qint64 id, const QString &rawText, qint64 editedAt,
                   const std::optional<QString> &replyUser,
                   const std::optional<qint64> &replyMessage);
    bool applyDelete(qint64 id);
    bool applyVotes(qint64 id, qint64 support, qint64 reject, qint64 votedAt);
    void setMyVote(qint64 id, int vote);
    // N_M_LIMIT_R: drop every message with id < lowestKept. Returns how many were dropped.
    int dropBelow(qint64 lowestKept);
    void setDrawingImage(const QString &fileName, const QString &group, const QImage &image);
    void setDrawingMissing(const QString &fileName, const QString &group);

    int rowForId(qint64 id) const;
    const ChatMessage *messageById(qint64 id) const;
    const ChatMessage &at(int row) const { return m_rows.at(row); }
    qint64 highestId() const { return m_highestId; }
    // Message count (without notices).
    int messageCount() const;

    void setHighlightedId(qint64 id);
    qint64 highlightedId() const { return m_highlightedId; }
    // "New since you were last here" sits above this message; 0: no divider.
    void setFirstUnreadId(qint64 id);
    qint64 firstUnreadId() const { return m_firstUnreadId; }
    // Sets the search text; returns the matching message ids in stream order.
    QList<qint64> setSearchText(const QString &text);
    // Last text message of `userId` that is not deleted; 0 when none.
    qint64 lastMessageOf(const QString &userId) const;

private:
    QVariant messageData(int row, const ChatMessage &m, int role) const;
    void rebuildIndex();
    void emitRowChanged(int row);
    void emitAllChanged();
    QString authorName(const QString &id) const;

    QList<ChatMessage> m_rows;
    QHash<qint64, int> m_rowById;
    QHash<qint64, int> m_myVotes;
    QPointer<UserListModel> m_users;
    QString m_myId;
    QString m_creatorId;
    qint64 m_highestId = 0;
    qint64 m_highlightedId = 0;
    qint64 m_firstUnreadId = 0;
    QString m_search;
};

} // namespace ic::desktop
