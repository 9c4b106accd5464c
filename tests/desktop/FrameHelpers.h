#pragma once
// Builders for server frames as the server sends them (docs/protocol.md §4.2–§5).

#include "protocol/ServerFrame.h"
#include "validation/UrlEncoding.h"

namespace ictest {

using ic::proto::ServerFrame;
using ic::proto::WireMessage;
using ic::proto::WireUser;

inline WireMessage msg(qint64 id, const QString &author, const QString &text,
                       qint64 at = 1700000000)
{
    WireMessage m;
    m.id = id;
    m.userId = author;
    m.text = ic::validation::urlEncode(text);
    m.supportCount = 0;
    m.rejectCount = 0;
    m.createdAt = at;
    return m;
}

inline ServerFrame frame(const char *code, QList<WireMessage> messages = {})
{
    ServerFrame f;
    f.command = QString::fromLatin1(code);
    if (!messages.isEmpty())
        f.messages = messages;
    f.time = 1700000000000000000LL;
    return f;
}

inline ServerFrame members(QList<WireUser> users)
{
    ServerFrame f = frame("R_M_CH");
    f.users = users;
    f.build = QStringLiteral("build-1");
    return f;
}

inline ServerFrame allMessages(QList<WireMessage> messages)
{
    ServerFrame f = frame("ALL_TM");
    f.messages = messages; // present even when empty
    f.build = QStringLiteral("build-1");
    return f;
}

inline ServerFrame description(const QString &text, const QString &creator,
                               const QString &status = QStringLiteral("online"))
{
    WireMessage m;
    m.text = ic::validation::urlEncode(text);
    ServerFrame f = frame("R_CH_D", {m});
    f.creatorUserId = creator;
    f.status = status;
    return f;
}

inline ServerFrame
joinReply(const QString &me,
          const QString &roomId = QStringLiteral("6f1c1d2e-0000-4000-8000-000000000001"))
{
    ServerFrame f = frame("RP");
    f.requestId = QStringLiteral("j-1");
    f.details = QStringLiteral("room_joined;password=false");
    f.roomId = roomId;
    f.userId = me;
    f.build = QStringLiteral("build-1");
    return f;
}

inline ServerFrame edit(qint64 id, const QString &text, qint64 lE)
{
    WireMessage m;
    m.id = id;
    m.text = ic::validation::urlEncode(text);
    m.lastEdited = lE;
    ServerFrame f = frame("TM_E", {m});
    f.time = lE;
    return f;
}

inline ServerFrame vote(qint64 id, qint64 s, qint64 r, qint64 at)
{
    WireMessage m;
    m.id = id;
    m.supportCount = s;
    m.rejectCount = r;
    ServerFrame f = frame("TM_S_R", {m});
    f.time = at;
    return f;
}

inline ServerFrame deletion(qint64 id)
{
    WireMessage m;
    m.id = id;
    return frame("TM_D", {m});
}

inline ServerFrame limitReached(qint64 lowestKept)
{
    WireMessage m;
    m.text = QString::number(lowestKept);
    return frame("N_M_LIMIT_R", {m});
}

inline WireUser user(const QString &id, const QString &name, bool online = true, bool anon = false)
{
    return WireUser{id, ic::validation::urlEncode(name), anon, online};
}

} // namespace ictest
