#pragma once
// A chat client at the byte level that keeps its session (cookie, room, password, user id) so it
// can rejoin on another server after a move or a failover (tst_replication, tst_roomhandoff).

#include "TestSupport.h"
#include "protocol/ServerFrame.h"
#include "session/SessionCookie.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <memory>
#include <optional>

namespace ic::testing {

// What a join (R_C_J or R_J) brought: the frames of the join sequence, or the error code.
struct Joined
{
    std::optional<proto::ServerFrame> members, messages, description, reply;
    int error = 0;
};

struct RejoiningClient
{
    QString name; // user name as chosen
    QByteArray cookie = session::createCookieValue();
    int pv = 1;
    QString room;
    QString password;
    std::unique_ptr<RawSocket> socket;
    QString userId;
    int nextRq = 0;

    QByteArray init() const
    {
        return pv >= 2 ? QByteArray(R"({"p":"desktop","pv":2})") : QByteArray(R"({"p":"cp"})");
    }
    bool connect(quint16 port)
    {
        socket = std::make_unique<RawSocket>();
        return socket->open(port, cookie, "http://localhost:8080", init());
    }
    QString rq() { return QStringLiteral("%1-%2").arg(name).arg(++nextRq); }
    void send(const QJsonObject &frame)
    {
        socket->sendText(QJsonDocument(frame).toJson(QJsonDocument::Compact));
    }
    QJsonObject roomObject(const QString &withPassword) const
    {
        return QJsonObject{{QStringLiteral("n"), room}, {QStringLiteral("p"), withPassword}};
    }
    // A join (R_C_J or R_J): the four frames of the join sequence, or the error.
    Joined join(const char *command, const QString &withPassword, const QString &userName)
    {
        const QString id = rq();
        QJsonObject frame{{QStringLiteral("c"), QLatin1StringView(command)},
                          {QStringLiteral("rq"), id},
                          {QStringLiteral("r"), roomObject(withPassword)}};
        if (!userName.isEmpty())
            frame.insert(QStringLiteral("uN"), userName);
        send(frame);
        Joined joined;
        while (auto next = socket->nextFrame(8000)) {
            if (next->command == u"R_M_CH" && next->build)
                joined.members = next;
            else if (next->command == u"ALL_TM")
                joined.messages = next;
            else if (next->command == u"R_CH_D" && next->time)
                joined.description = next;
            else if ((next->command == u"RP" || next->command == u"ER") && next->requestId == id) {
                if (next->command == u"ER")
                    joined.error = int(next->errorCode());
                else
                    joined.reply = next;
                break;
            }
        }
        return joined;
    }
    // A member command; waits for its RP (or ER) and returns it.
    std::optional<proto::ServerFrame> command(QJsonObject frame)
    {
        const QString id = rq();
        frame.insert(QStringLiteral("rq"), id);
        frame.insert(QStringLiteral("r"), roomObject(QString()));
        send(frame);
        return socket->waitForFrame(
            [&](const proto::ServerFrame &f) {
                return (f.command == u"RP" || f.command == u"ER") && f.requestId == id;
            },
            8000);
    }
    std::optional<proto::ServerFrame> say(const QString &text)
    {
        return command({{QStringLiteral("c"), QStringLiteral("TM")},
                        {QStringLiteral("m"), QJsonObject{{QStringLiteral("t"), text}}}});
    }
};

// The name the member list gives `userId` (empty: not in it).
inline QString userName(const proto::ServerFrame &members, const QString &userId)
{
    for (const proto::WireUser &user : members.users.value_or(QList<proto::WireUser>()))
        if (user.id == userId)
            return user.name;
    return {};
}

} // namespace ic::testing
