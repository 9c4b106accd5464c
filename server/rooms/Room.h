#pragma once
// One chat room: users, active members, messages, votes and description, with every rule of
// docs/protocol.md §5 and §6. Pure logic: no sockets, no threads, no clock of its own. The caller
// delivers the frames a call returns, in order.

#include "core/RoomSettings.h"
#include "limits/TokenBucket.h"
#include "protocol/ClientFrame.h"
#include "protocol/Codes.h"
#include "protocol/Limits.h"
#include "protocol/ServerFrame.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QUuid>
#include <atomic>
#include <deque>
#include <optional>

namespace ic::server {

using limits::TokenBucket;

using proto::ErrorCode;

struct PasswordHash
{
    QByteArray salt;
    QByteArray key;
    bool isSet() const { return !key.isEmpty(); }
};

// A frame (JSON text) and who gets it.
struct RoomSend
{
    enum class To { Sender, Members, Others, Connection };
    // Which of the recipients `to` names get it: member-list changes go as the full list to v1
    // sessions and as a delta to pv >= 2 sessions (one serialisation per class, not per member).
    enum class Audience { All, Legacy, Extended };
    To to = To::Sender;
    quint64 connection = 0; // with To::Connection
    QByteArray json;
    bool closeAfter = false; // close that connection once the frame is queued
    Audience audience = Audience::All;
    // With closeAfter, the WebSocket close code: 1000 for a session that connected again
    // elsewhere, 1001 when the room goes away.
    quint16 closeCode = 1000;
};

struct RoomResult
{
    QList<RoomSend> sends;
    ErrorCode error = ErrorCode::None; // the error the sender got, if any
    bool joined = false;               // the sender is now an active member
    bool rateLimited = false;
    QList<quint64> removedConnections; // connections that are no longer members

    void toSender(QByteArray json)
    {
        sends.append({RoomSend::To::Sender, 0, std::move(json), false});
    }
    void toMembers(QByteArray json)
    {
        sends.append({RoomSend::To::Members, 0, std::move(json), false});
    }
    void toOthers(QByteArray json)
    {
        sends.append({RoomSend::To::Others, 0, std::move(json), false});
    }
};

// Who is asking and how to answer.
struct Caller
{
    QUuid session;
    quint64 connection = 0;
    std::optional<QString> requestId;
    int protocolVersion = 1;
};

struct StoredMessage
{
    qint64 id = 0;
    QString text;
    qint64 support = 0;
    qint64 reject = 0;
    qint64 lastEditedNs = 0; // 0 = never
    qint64 lastVotedNs = 0;
    std::optional<QString> replyUser;
    std::optional<qint64> replyMessage;
    QString userId;
    QUuid authorSession; // nil for messages sent over HTTP
    qint64 createdAtSeconds = 0;
    QHash<QUuid, bool> votes; // session → support
    qint64 cost = 0;          // counted bytes, as last accounted
    qint64 wireBytes = 0;     // upper bound of its ALL_TM entry, as of the last text change
};

struct RoomUser
{
    QUuid session;
    QString id;   // user-in-room id
    QString name; // as stored (URL-encoded)
    QString nameKey;
    bool anonymous = false;
    bool passwordAuthorised = false;
    TokenBucket bucket;
    TokenBucket renameBucket;
    TokenBucket descriptionBucket;
    TokenBucket voteBucket;
    qint64 lastTypingMs = -1; // last typing signal passed on; -1 = none yet
    bool everJoined = false;
    qint64 lastSeenNs = 0; // authorised, joined, renamed or went offline
};

class Room
{
public:
    Room(QString name, QUuid creatorSession, PasswordHash password, RoomSettings settings,
         qint64 nowNs);
    ~Room();
    Room(const Room &) = delete;
    Room &operator=(const Room &) = delete;

    // What a message counts against the budgets: the larger of the memory it holds and the
    // bytes its ALL_TM entry can take, so the room budget bounds both.
    static qint64 messageCost(const StoredMessage &message);
    // The largest R_M_CH a room with `limits.activeUsersMax` users can produce (worst-case names).
    static qint64 membersFrameBound(const proto::Limits &limits);
    // The smallest sensible room budget: one message of the largest frame fits.
    static qint64 minimumRoomBytes(const proto::Limits &limits);
    // Sets a message's wireBytes and cost from its content (text, reply, votes).
    static void price(StoredMessage &message);
    qint64 storedBytes() const { return m_storedBytes; }
    // Removes users whose authorisation expired (see RoomSettings); no frame is sent, members
    // see the shorter list with the next R_M_CH. Returns how many were removed.
    int expireUsers(qint64 nowNs);

    const QString &name() const { return m_name; }
    const QString &id() const { return m_id; }
    qint64 createdAtNs() const { return m_createdAtNs; }
    qint64 lastActivityNs() const { return m_lastActivityNs; }
    const PasswordHash &password() const { return m_password; }
    bool hasPassword() const { return m_password.isSet(); }
    bool isCreator(const QUuid &session) const
    {
        return !m_creator.isNull() && session == m_creator;
    }
    qsizetype memberCount() const { return m_members.size(); }
    qsizetype userCount() const { return m_users.size(); }
    qsizetype messageCount() const { return qsizetype(m_messages.size()); }
    qint64 lastMessageId() const { return m_nextId - 1; }
    const std::deque<StoredMessage> &messages() const { return m_messages; }
    const QString &description() const { return m_description; }
    std::optional<quint64> memberConnection(const QUuid &session) const;
    // Every online member's connection (tests take a room's members offline with it).
    QList<quint64> memberConnections() const { return m_members.values(); }
    // A member connection that opted in to protocol extensions (pv >= 2).
    bool isExtendedMember(quint64 connection) const
    {
        return m_extendedMembers.contains(connection);
    }
    // Member-list version: raised by every change of the list R_M_CH carries.
    qint64 memberVersion() const { return m_memberVersion; }
    // Display name (decoded) of a user id; external-user for the HTTP author.
    QString userName(const QString &userId) const;

    // Join / authorise: whether a slow password check is needed before join() can decide.
    // Returns the error that ends the request early (208), else None.
    // A full room first lets expired users go.
    ErrorCode precheckJoin(const QUuid &session, bool authoriseOnly, qint64 nowNs);
    bool needsPasswordCheck(const QUuid &session, bool passwordGiven) const;

    struct JoinRequest
    {
        Caller caller;
        std::optional<QString> userName; // URL-encoded, as sent
        bool passwordGiven = false;
        bool passwordMatches = false; // result of the slow check, when it was needed
        bool authoriseOnly = false;
        bool created = false; // this request created the room
    };
    RoomResult join(const JoinRequest &request, qint64 nowNs);

    // The socket of an active member went away.
    RoomResult leave(quint64 connection, qint64 nowNs);

    // R_CH_D TM TM_E TM_D TM_S_R DM R_CH_UN, and for pv >= 2 R_M_G and TY: by `frame.kind`,
    // the command as decoded once where the frame was read.
    RoomResult command(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs,
                       qint64 nowMs);

    // A message sent over HTTP by the external user; its id, or an error (207).
    RoomResult postExternal(const QString &encodedText, qint64 nowNs, qint64 *id = nullptr);

    // R_CH_D with a new server status to every member.
    RoomResult announceStatus(QLatin1StringView status);
    // ER 202 and a close to every member (room deleted or server leaving).
    RoomResult evictAll(ErrorCode code);

    void setServerStatus(QLatin1StringView status) { m_status = status; }
    void touch(qint64 nowNs) { m_lastActivityNs = nowNs; }

    // Frames (JSON), exposed for the join sequence and tests. `nowNs` becomes their `cAt`: the
    // time the room's data was read. R_CH_D carries it only in the join sequence.
    QByteArray membersFrame(bool withBuild, qint64 nowNs, bool withVersion = false) const;
    QByteArray memberDeltaFrame(const RoomUser &user, QLatin1StringView action) const;
    // `withVoters`: for a pv >= 2 joiner, with who voted on each message (vU, §7.3).
    QByteArray allMessagesFrame(qint64 nowNs, bool withVoters = false) const;
    // Who voted on a message, as pv >= 2 frames list them (at most votersListed per side).
    proto::WireVoters voters(const StoredMessage &message) const;
    QByteArray descriptionFrame(std::optional<qint64> joinNs) const;

private:
    // Reads and rebuilds the private state (rooms/RoomSnapshot.h).
    friend class RoomSnapshot;

    RoomResult memberCommand(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs,
                             qint64 nowMs);
    RoomResult postMessage(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs);
    RoomResult editMessage(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs);
    RoomResult deleteMessage(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs);
    RoomResult vote(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs);
    RoomResult changeDescription(const Caller &caller, const proto::ClientFrame &frame,
                                 qint64 nowNs);
    RoomResult rename(const Caller &caller, const proto::ClientFrame &frame, qint64 nowNs);
    RoomResult typing(const Caller &caller, qint64 nowNs, qint64 nowMs);
    RoomResult membersRequest(const Caller &caller, qint64 nowNs, qint64 nowMs);
    // Raises the member-list version and tells `to` about `changed`: the full list to v1
    // members (when `legacyToo`: v1 was not told of every change) and a delta to pv >= 2.
    void announceMember(RoomResult &result, const RoomUser &changed, QLatin1StringView action,
                        RoomSend::To to, bool legacyToo, qint64 nowNs);

    // Appends a message with the next id, drops the oldest past the cap, and adds the TM/DM
    // broadcast and the limit notices to `result`.
    void store(StoredMessage message, proto::Command command, RoomResult &result);
    // Limit notices and dropping of the oldest messages past the cap or the room budget.
    void trim(RoomResult &result, qint64 nowNs);
    // Whether `growth` more counted bytes keep the server within its budget. Rooms on other
    // threads may add theirs at the same moment: the budget can be passed by a few messages.
    bool serverAllows(qint64 growth) const;
    // Adds a change of counted bytes to the room's and the server's totals.
    void account(qint64 delta);
    // Messages are kept in ascending id order; deletions leave gaps, so ids are searched, not
    // indexed.
    std::deque<StoredMessage>::iterator findMessageIt(qint64 id);
    StoredMessage *findMessage(qint64 id);
    RoomUser *user(const QUuid &session);
    const RoomUser *user(const QUuid &session) const;
    RoomUser &addUser(const QUuid &session, QString name, bool anonymous);
    // Validates an URL-encoded requested name; fills stored name and key.
    ErrorCode checkNewName(const QString &encoded, const QUuid &session, QString *stored,
                           QString *key) const;
    // An anonymous name nobody in the room has, chosen from the session and the room id.
    QString freeAnonymousName(const QUuid &session) const;
    void setUserName(RoomUser &user, QString name, QString key, bool anonymous);

    static RoomResult error(const Caller &caller, ErrorCode code, qint64 nowNs);
    static QByteArray replyFrame(const Caller &caller, qint64 nowNs);

    QString m_name;
    QString m_id;
    QUuid m_creator;
    PasswordHash m_password;
    RoomSettings m_settings;
    qint64 m_createdAtNs;
    qint64 m_lastActivityNs;
    QString m_description;
    QLatin1StringView m_status;

    QList<RoomUser> m_users; // in order of first authorisation
    QHash<QUuid, qsizetype> m_userIndex;
    QHash<QString, QUuid> m_nameKeys; // taken names
    QHash<QUuid, quint64> m_members;  // active: session → connection
    QHash<quint64, QUuid> m_memberSessions;
    QSet<quint64> m_extendedMembers; // member connections with pv >= 2
    qint64 m_memberVersion = 1;

    std::deque<StoredMessage> m_messages; // ascending id
    qint64 m_nextId = 1;
    int m_approachNoticesSent = 0;
    qint64 m_dropped = 0;
    qint64 m_storedBytes = 0; // sum of the stored messages' cost
};

} // namespace ic::server
