#pragma once
// Everything the client knows about one joined room, built only from server frames
// (docs/protocol.md §5): members, messages, description, my ids, status, unread and mention counts.
// No networking here: RoomConnection (or a test) feeds frames into applyFrame().

#include "MessageListModel.h"
#include "UserListModel.h"
#include "protocol/ServerFrame.h"

#include <QHash>
#include <QObject>

namespace ic::desktop {

class RoomSession : public QObject
{
    Q_OBJECT
    Q_PROPERTY(int unreadCount READ unreadCount NOTIFY unreadChanged)
    Q_PROPERTY(int mentionCount READ mentionCount NOTIFY unreadChanged)
    Q_PROPERTY(QString description READ description NOTIFY descriptionChanged)
public:
    explicit RoomSession(const QString &roomName, QObject *parent = nullptr);

    MessageListModel *messages() const { return m_messages; }
    UserListModel *users() const { return m_users; }

    QString roomName() const { return m_roomName; }
    QString roomId() const { return m_roomId; }
    QString myUserId() const { return m_myUserId; }
    QString creatorUserId() const { return m_creatorUserId; }
    bool amCreator() const { return !m_myUserId.isEmpty() && m_myUserId == m_creatorUserId; }
    QString myName() const { return m_users->nameOf(m_myUserId); }
    QString description() const { return m_description; }
    QString serverStatus() const { return m_serverStatus; }
    QString build() const { return m_build; }
    qint64 createdAtNs() const { return m_createdAtNs; }
    bool joined() const { return m_joined; }
    bool passwordProtected() const { return m_passwordProtected; }
    int unreadCount() const { return m_unread; }
    int mentionCount() const { return m_mentions; }
    int pendingUpdateCount() const { return int(m_pending.size()); }

    // Whether the user is looking at this room now (tab current and window active). While
    // active, new messages do not count as unread; becoming active clears the counts. The first
    // message that arrived while away carries the unread divider (MessageListModel) until the
    // user leaves the room again.
    void setActive(bool active);
    bool isActive() const { return m_active; }
    void markRead();

    // Words that make a message a mention (whole words, any case), besides replies and quotes
    // of my messages. Empty: my current name.
    void setHighlightWords(const QStringList &words) { m_highlightWords = words; }
    QStringList highlightWords() const { return m_highlightWords; }
    bool highlights(const QString &text) const;

    // Applies one server frame; frames of other kinds are ignored.
    void applyFrame(const proto::ServerFrame &frame);
    // The connection was lost: the next join sequence is a rejoin.
    void connectionLost();

signals:
    void joinedChanged(bool joined);
    void identityChanged(); // uId / rCuId / rId
    void descriptionChanged(const QString &description);
    void serverStatusChanged(const QString &status);
    void newVersionAvailable(const QString &build);
    void unreadChanged(int unread, int mentions);
    // A message from someone else arrived live (not from ALL_TM of the first join).
    void messageArrived(qint64 id, bool mention);
    void limitNotice(const QString &text);
    void replacedElsewhere(); // ER 209: this session opened the room elsewhere
    void drawingNeeded(const QString &fileName, const QString &groupPrefix);
    // Another member is typing (TY, pv >= 2): show it for a few seconds.
    void typing(const QString &userId, const QString &name);

private:
    struct PendingUpdate
    {
        std::optional<proto::WireMessage> edit; // newest TM_E for an id not yet seen
        std::optional<proto::WireMessage> votes;
        qint64 votedAt = 0;
        bool deleted = false;
    };

    ChatMessage toChatMessage(const proto::WireMessage &wire, bool isDrawingFrame) const;
    void applyMembers(const proto::ServerFrame &frame);
    void applyMemberDelta(const proto::ServerFrame &frame);
    // Join / leave / rename notice for a user seen in a member list or delta.
    void noteMember(const proto::WireUser &user, QStringList &notices);
    void applyAllMessages(const proto::ServerFrame &frame);
    void applyNewMessage(const proto::ServerFrame &frame);
    void applyEdit(const proto::ServerFrame &frame);
    void applyDelete(const proto::ServerFrame &frame);
    void applyVote(const proto::ServerFrame &frame);
    void applyDescription(const proto::ServerFrame &frame);
    void applyJoinReply(const proto::ServerFrame &frame);
    void applyLimitReached(const proto::ServerFrame &frame);
    void applyPending(qint64 id);
    void prunePending();
    void noteBuild(const proto::ServerFrame &frame);
    void countIncoming(const ChatMessage &message);
    void requestDrawing(const ChatMessage &message);

    MessageListModel *m_messages;
    UserListModel *m_users;
    QString m_roomName;
    QString m_roomId;
    QString m_myUserId;
    QString m_creatorUserId;
    QString m_description;
    QString m_serverStatus = QStringLiteral("online");
    QString m_build;
    qint64 m_createdAtNs = 0;
    bool m_joined = false;
    bool m_passwordProtected = false;
    bool m_active = false;
    bool m_everLoaded = false;     // an ALL_TM was applied before (so the next one is a rejoin)
    qint64 m_seenBeforeRejoin = 0; // highest id we had when the connection dropped
    int m_unread = 0;
    int m_mentions = 0;
    QHash<QString, QString> m_knownNames; // uId → name, for join/leave/rename notices
    QHash<QString, bool> m_knownOnline;
    QHash<qint64, PendingUpdate> m_pending;
    QStringList m_highlightWords;
};

} // namespace ic::desktop
