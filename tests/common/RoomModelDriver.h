#pragma once
// Model-based testing of ic::server::Room: random sequences of joins, authorisations, leaves,
// posts, edits, deletes anywhere, votes (the creator may vote its own), renames, description
// changes, user expiry and cap roll-overs are applied to a Room and to a small model written
// here from the rules (not from Room's code). After EVERY step the driver compares the frames
// and their receivers, the room's state and what every member's client would now show.
//
// Shared by tests/unit/server/tst_roommodel.cpp (seeded, deterministic) and
// tests/fuzz/fuzz_room.cpp (libFuzzer chooses the steps). `Choices` is where the randomness comes
// from; a failure is reported through `fail` with a trace of the last steps.

#include "protocol/ClientFrame.h"
#include "protocol/ServerFrame.h"
#include "rooms/Room.h"
#include "validation/UrlEncoding.h"

#include <QHash>
#include <QList>
#include <QMap>
#include <QString>
#include <QUuid>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>

namespace ic::testing {

class Choices
{
public:
    virtual ~Choices() = default;
    // A number in [0, n).
    virtual int pick(int n) = 0;
    virtual bool exhausted() const { return false; }
};

class SeededChoices : public Choices
{
public:
    explicit SeededChoices(quint64 seed) : m_random(seed) {}
    int pick(int n) override { return int(m_random() % quint64(std::max(1, n))); }

private:
    std::mt19937_64 m_random;
};

class ByteChoices : public Choices
{
public:
    ByteChoices(const uint8_t *data, size_t size) : m_data(data), m_size(size) {}
    int pick(int n) override
    {
        if (m_at >= m_size)
            return 0;
        return m_data[m_at++] % std::max(1, n);
    }
    bool exhausted() const override { return m_at >= m_size; }

private:
    const uint8_t *m_data;
    size_t m_size;
    size_t m_at = 0;
};

class RoomModelDriver
{
public:
    static constexpr int cap = 20; // N_M_LIMIT_R every 2 drops
    static constexpr int maxUsers = 5;
    static constexpr int sessions = 8;
    static constexpr qint64 second = 1'000'000'000;

    using Fail = std::function<void(const std::string &)>;

    RoomModelDriver(Choices &choices, Fail fail) : m_choices(choices), m_fail(std::move(fail))
    {
        for (int i = 0; i < sessions; ++i)
            m_sessions.append(QUuid(quint32(0x1000 + i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
        server::RoomSettings settings;
        settings.limits.messagesKept = cap;
        settings.limits.activeUsersMax = maxUsers;
        settings.rateLimits = false;
        settings.userExpirySeconds = 600;
        settings.authorisationExpirySeconds = 120;
        settings.build = QStringLiteral("model");
        m_creator = m_sessions.first();
        m_room = std::make_unique<server::Room>(QStringLiteral("model-room"), m_creator,
                                                server::PasswordHash(), settings, m_now);
    }

    // One random step, then every check. False once something failed.
    bool step()
    {
        if (m_failed)
            return false;
        ++m_steps;
        m_now += second / 1000;
        const int session = m_choices.pick(sessions);
        switch (m_choices.pick(16)) {
        case 0:
        case 1:
            join(session, false);
            break;
        case 2:
            join(session, true);
            break;
        case 3:
            leave(session);
            break;
        case 4:
        case 5:
        case 6:
            post(session);
            break;
        case 7:
            edit(session);
            break;
        case 8:
        case 9:
            remove(session);
            break;
        case 10:
        case 11:
            vote(session);
            break;
        case 12:
            rename(session);
            break;
        case 13:
            describe(session);
            break;
        case 14:
            m_now += second * (m_choices.pick(2) ? 130 : 700);
            if (m_choices.pick(2))
                expire();
            break;
        default:
            post(session);
            break;
        }
        if (!m_failed)
            checkState();
        return !m_failed;
    }

    int steps() const { return m_steps; }

    // For tests that move the room (tst_roomsnapshot, fuzz_snapshot): the room under test, the
    // driver's clock and sessions, every member leaving (through the model, as the close of
    // their sockets during a move does) and continuing on another room (a restored copy).
    server::Room &room() { return *m_room; }
    qint64 now() const { return m_now; }
    QUuid session(int index) const { return m_sessions.at(index); }
    void leaveEveryone()
    {
        for (int i = 0; i < sessions && !m_failed; ++i)
            if (isMember(m_sessions.at(i)))
                leave(i);
    }
    void replaceRoom(std::unique_ptr<server::Room> room)
    {
        m_room = std::move(room);
        if (!m_failed)
            checkState();
    }
    bool failed() const { return m_failed; }

private:
    struct User
    {
        QUuid session;
        QString id;
        QString name; // decoded
        bool anonymous = false;
        bool everJoined = false;
        qint64 lastSeen = 0;
    };
    struct Message
    {
        qint64 id = 0;
        QString text;
        QUuid author;
        QString userId;
        std::optional<QString> replyUser;
        std::optional<qint64> replyMessage;
        QMap<QUuid, bool> votes;
        qint64 support() const { return qint64(std::count(votes.begin(), votes.end(), true)); }
        qint64 reject() const { return qint64(votes.size()) - support(); }
    };
    // What one client shows: the message list it built from the frames it received.
    struct ClientView
    {
        QList<std::pair<qint64, QString>> messages; // id, text
        QMap<qint64, std::pair<qint64, qint64>> counts;
    };
    struct Expected
    {
        server::RoomSend::To to;
        quint64 connection = 0;
        QString command;
        int error = 0;
    };

    // ---- the model's rules ----

    User *modelUser(const QUuid &session)
    {
        for (User &user : m_users)
            if (user.session == session)
                return &user;
        return nullptr;
    }
    bool isMember(const QUuid &session) const { return m_members.contains(session); }
    bool nameTaken(const QString &name, const QUuid &except) const
    {
        for (const User &user : m_users)
            if (user.session != except && user.name.toCaseFolded() == name.toCaseFolded())
                return true;
        return false;
    }
    void modelExpire()
    {
        for (qsizetype i = m_users.size() - 1; i >= 0; --i) {
            const User &user = m_users.at(i);
            const qint64 after = (user.everJoined ? 600 : 120) * second;
            if (!isMember(user.session) && m_now - user.lastSeen >= after)
                m_users.removeAt(i);
        }
    }
    // Room full for a session that is not listed yet (expired users go first).
    bool modelFull(const QUuid &session)
    {
        if (modelUser(session) || m_users.size() < maxUsers)
            return false;
        modelExpire();
        return m_users.size() >= maxUsers;
    }

    QString pickName()
    {
        static const char *names[] = {"Ann", "ann", "Bob", "Cy", "Dee", " Eve "};
        return QString::fromLatin1(names[m_choices.pick(6)]).trimmed();
    }
    QString pickText()
    {
        static const char *texts[] = {"hi", "%C3%A9t%C3%A9",      "a%20b",
                                      "x",  "long%20text%20here", "%F0%9F%98%80"};
        return QString::fromLatin1(texts[m_choices.pick(6)]) + QString::number(m_steps);
    }
    std::optional<QString> pickReplyUser(bool *valid)
    {
        *valid = true;
        switch (m_choices.pick(5)) {
        case 0:
            if (!m_users.isEmpty())
                return m_users.at(m_choices.pick(int(m_users.size()))).id;
            return std::nullopt;
        case 1:
            *valid = false;
            return QStringLiteral("not-a-user-id");
        case 2:
            return QStringLiteral("00000000-0000-0000-0000-000000000000");
        default:
            return std::nullopt;
        }
    }
    // An id somewhere in the history, or one that is gone or never was.
    qint64 pickMessageId()
    {
        if (!m_messages.isEmpty() && m_choices.pick(5) != 0)
            return m_messages.at(m_choices.pick(int(m_messages.size()))).id;
        return m_choices.pick(int(m_nextId) + 2) + 1;
    }
    Message *modelMessage(qint64 id)
    {
        for (Message &message : m_messages)
            if (message.id == id)
                return &message;
        return nullptr;
    }

    server::Caller caller(int session, quint64 connection)
    {
        server::Caller c;
        c.session = m_sessions.at(session);
        c.connection = connection;
        c.requestId = QStringLiteral("rq%1").arg(m_steps);
        c.protocolVersion = 1; // the model knows the full member lists v1 sessions get
        return c;
    }
    quint64 connectionOf(const QUuid &session) const { return m_members.value(session, 0); }

    // Notices after a message was stored: approach thresholds once each, then drops.
    void storeNotices(QList<Expected> &expected)
    {
        const int percents[] = {90, 95, 99};
        while (m_approachSent < 3 &&
               qint64(m_messages.size()) * 100 >= cap * percents[m_approachSent]) {
            ++m_approachSent;
            expected.append({server::RoomSend::To::Members, 0, QStringLiteral("N_M_LIMIT_A")});
        }
        const qint64 before = m_dropped;
        while (m_messages.size() > cap) {
            m_messages.removeFirst();
            ++m_dropped;
        }
        const qint64 step = std::max(1, cap / 10);
        const auto tenth = [step](qint64 dropped) {
            return dropped == 0 ? -1 : (dropped - 1) / step;
        };
        if (tenth(before) != tenth(m_dropped))
            expected.append({server::RoomSend::To::Members, 0, QStringLiteral("N_M_LIMIT_R")});
    }

    // ---- operations ----

    void join(int index, bool authoriseOnly)
    {
        const QUuid session = m_sessions.at(index);
        const bool fresh = m_choices.pick(3) != 0 || !isMember(session);
        const quint64 connection = fresh ? ++m_nextConnection : connectionOf(session);
        server::Room::JoinRequest request;
        request.caller = caller(index, connection);
        request.authoriseOnly = authoriseOnly;
        std::optional<QString> name;
        if (m_choices.pick(2))
            name = pickName();
        if (name)
            request.userName = validation::urlEncode(*name);
        describeStep(QStringLiteral("%1 s%2 c%3 name=%4")
                         .arg(authoriseOnly ? QStringLiteral("authorise") : QStringLiteral("join"))
                         .arg(index)
                         .arg(connection)
                         .arg(name.value_or(QStringLiteral("-"))));

        QList<Expected> expected;
        if (modelFull(session)) {
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 208});
            run(m_room->join(request, m_now), request.caller, expected);
            return;
        }
        User *user = modelUser(session);
        const bool renames = name && (!user || user->name != *name);
        if (renames && nameTaken(*name, session)) {
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 204});
            run(m_room->join(request, m_now), request.caller, expected);
            return;
        }
        bool changed = false;
        if (!user) {
            m_users.append(User{session, QString(), name.value_or(QString()), !name, false, m_now});
            user = &m_users.last();
            changed = true;
        } else if (renames) {
            user->name = *name;
            user->anonymous = false;
            changed = true;
        }
        if (authoriseOnly) {
            if (changed && isMember(session))
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("R_M_CH")});
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
        } else {
            const quint64 old = connectionOf(session);
            if (old && old != connection) {
                expected.append({server::RoomSend::To::Connection, old, QStringLiteral("ER"), 209});
                m_views.remove(old);
            }
            user->everJoined = true;
            user->lastSeen = m_now;
            m_members.insert(session, connection);
            m_views.insert(connection, ClientView{});
            expected.append({server::RoomSend::To::Others, 0, QStringLiteral("R_M_CH")});
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("R_M_CH")});
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ALL_TM")});
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("R_CH_D")});
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
        }
        const server::RoomResult result = m_room->join(request, m_now);
        // Ids are random: the model learns the one handed out and checks it never changes.
        for (const server::RoomSend &send : result.sends) {
            const auto frame = proto::decodeServerFrame(send.json);
            if (frame && frame->command == u"RP" && frame->userId) {
                if (!user->id.isEmpty() && user->id != *frame->userId)
                    failure("user id changed for a listed user");
                user->id = *frame->userId;
            }
        }
        if (user->anonymous)
            learnAnonymousName(*user);
        run(result, request.caller, expected);
    }

    void learnAnonymousName(User &user)
    {
        const auto frame = proto::decodeServerFrame(m_room->membersFrame(false, 1));
        for (const proto::WireUser &wire : *frame->users)
            if (wire.id == user.id)
                user.name = validation::urlDecode(wire.name);
    }

    void leave(int index)
    {
        const QUuid session = m_sessions.at(index);
        const quint64 connection = isMember(session) ? connectionOf(session) : 999999;
        describeStep(QStringLiteral("leave s%1 c%2").arg(index).arg(connection));
        QList<Expected> expected;
        if (isMember(session)) {
            m_members.remove(session);
            m_views.remove(connection);
            modelUser(session)->lastSeen = m_now;
            if (!m_members.isEmpty())
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("R_M_CH")});
        }
        run(m_room->leave(connection, m_now), caller(index, connection), expected);
    }

    // A member command's outcome before its own rules: 206 for a non-member.
    bool memberOrRefused(int index, server::Caller &c, QList<Expected> &expected)
    {
        const QUuid session = m_sessions.at(index);
        c = caller(index, isMember(session) ? connectionOf(session) : 777777);
        if (!isMember(session)) {
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 206});
            return false;
        }
        return true;
    }

    void post(int index)
    {
        const QString text = pickText();
        bool validReply = true;
        const std::optional<QString> replyUser = pickReplyUser(&validReply);
        const std::optional<qint64> replyMessage =
            m_choices.pick(3) == 0 ? std::optional<qint64>(pickMessageId()) : std::nullopt;
        describeStep(QStringLiteral("post s%1 %2 rU=%3")
                         .arg(index)
                         .arg(text, replyUser.value_or(QStringLiteral("-"))));
        proto::ClientFrame frame;
        frame.command = m_choices.pick(4) ? QStringLiteral("TM") : QStringLiteral("DM");
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.message = proto::ClientMessage{std::nullopt, text, replyUser, replyMessage};
        server::Caller c;
        QList<Expected> expected;
        if (memberOrRefused(index, c, expected)) {
            if (!validReply) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 103});
            } else {
                Message message;
                message.id = m_nextId++;
                message.text = text;
                message.author = c.session;
                message.userId = modelUser(c.session)->id;
                message.replyUser = replyUser;
                message.replyMessage = replyMessage;
                m_messages.append(message);
                expected.append({server::RoomSend::To::Members, 0, frame.command});
                storeNotices(expected);
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            }
        }
        run(m_room->command(c, frame, m_now, m_now / 1000000), c, expected);
    }

    void edit(int index)
    {
        const qint64 id = pickMessageId();
        const QString text = pickText();
        bool validReply = true;
        const std::optional<QString> replyUser = pickReplyUser(&validReply);
        describeStep(QStringLiteral("edit s%1 #%2 %3").arg(index).arg(id).arg(text));
        proto::ClientFrame frame;
        frame.command = QStringLiteral("TM_E");
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.message = proto::ClientMessage{id, text, replyUser, std::nullopt};
        server::Caller c;
        QList<Expected> expected;
        if (memberOrRefused(index, c, expected)) {
            Message *message = modelMessage(id);
            if (!message) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            } else if (message->author != c.session || !validReply) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 103});
            } else {
                message->text = text;
                message->replyUser = replyUser;
                message->replyMessage = std::nullopt;
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("TM_E")});
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            }
        }
        run(m_room->command(c, frame, m_now, m_now / 1000000), c, expected);
    }

    void remove(int index)
    {
        const qint64 id = pickMessageId();
        describeStep(QStringLiteral("delete s%1 #%2").arg(index).arg(id));
        proto::ClientFrame frame;
        frame.command = QStringLiteral("TM_D");
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.message = proto::ClientMessage{id, QString(), std::nullopt, std::nullopt};
        server::Caller c;
        QList<Expected> expected;
        if (memberOrRefused(index, c, expected)) {
            Message *message = modelMessage(id);
            if (!message) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            } else if (message->author != c.session) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 103});
            } else {
                m_messages.removeIf([id](const Message &m) { return m.id == id; });
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("TM_D")});
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            }
        }
        run(m_room->command(c, frame, m_now, m_now / 1000000), c, expected);
    }

    void vote(int index)
    {
        const qint64 id = pickMessageId();
        const bool support = m_choices.pick(2);
        describeStep(QStringLiteral("vote s%1 #%2 %3").arg(index).arg(id).arg(support));
        proto::ClientFrame frame;
        frame.command = QStringLiteral("TM_S_R");
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.message = proto::ClientMessage{id, QString(), std::nullopt, std::nullopt};
        frame.support = support;
        server::Caller c;
        QList<Expected> expected;
        if (memberOrRefused(index, c, expected)) {
            Message *message = modelMessage(id);
            if (!message || (message->author == c.session && c.session != m_creator)) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            } else {
                const auto previous = message->votes.constFind(c.session);
                if (previous != message->votes.cend() && *previous == support)
                    message->votes.remove(c.session);
                else
                    message->votes.insert(c.session, support);
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("TM_S_R")});
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            }
        }
        run(m_room->command(c, frame, m_now, m_now / 1000000), c, expected);
    }

    void rename(int index)
    {
        const QUuid session = m_sessions.at(index);
        const QString name = m_choices.pick(4) ? pickName() : QString();
        describeStep(QStringLiteral("rename s%1 to '%2'").arg(index).arg(name));
        proto::ClientFrame frame;
        frame.command = QStringLiteral("R_CH_UN");
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.userName = validation::urlEncode(name);
        const server::Caller c = caller(index, isMember(session) ? connectionOf(session) : 555555);
        QList<Expected> expected;
        User *user = modelUser(session);
        if (!user) {
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 206});
        } else if (!name.isEmpty() && nameTaken(name, session)) {
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 204});
        } else {
            user->name = name;
            user->anonymous = name.isEmpty();
            if (user->everJoined)
                user->lastSeen = m_now;
            if (!m_members.isEmpty())
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("R_M_CH")});
            expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
        }
        const server::RoomResult result = m_room->command(c, frame, m_now, m_now / 1000000);
        if (user && user->anonymous)
            learnAnonymousName(*user);
        run(result, c, expected);
    }

    void describe(int index)
    {
        const QString text = pickText();
        describeStep(QStringLiteral("describe s%1 %2").arg(index).arg(text));
        proto::ClientFrame frame;
        frame.command = QStringLiteral("R_CH_D");
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.message = proto::ClientMessage{std::nullopt, text, std::nullopt, std::nullopt};
        server::Caller c;
        QList<Expected> expected;
        if (memberOrRefused(index, c, expected)) {
            if (c.session != m_creator) {
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("ER"), 103});
            } else {
                m_description = text;
                expected.append({server::RoomSend::To::Members, 0, QStringLiteral("R_CH_D")});
                expected.append({server::RoomSend::To::Sender, 0, QStringLiteral("RP")});
            }
        }
        run(m_room->command(c, frame, m_now, m_now / 1000000), c, expected);
    }

    void expire()
    {
        describeStep(QStringLiteral("expire at +%1 s").arg(m_now / second));
        const qsizetype before = m_users.size();
        modelExpire();
        const int removed = m_room->expireUsers(m_now);
        if (removed != before - m_users.size())
            failure("expireUsers removed " + std::to_string(removed) + ", model " +
                    std::to_string(before - m_users.size()));
    }

    // ---- checks ----

    void run(const server::RoomResult &result, const server::Caller &c,
             const QList<Expected> &expected)
    {
        if (result.sends.size() != expected.size()) {
            QStringList got, want;
            for (const server::RoomSend &send : result.sends)
                got << QString::fromUtf8(send.json.left(60));
            for (const Expected &e : expected)
                want << e.command;
            return failure("frames: got [" + got.join(QStringLiteral(" | ")).toStdString() +
                           "], model [" + want.join(u' ').toStdString() + "]");
        }
        for (qsizetype i = 0; i < expected.size(); ++i) {
            const server::RoomSend &send = result.sends.at(i);
            const Expected &want = expected.at(i);
            const auto frame = proto::decodeServerFrame(send.json);
            if (!frame)
                return failure("undecodable frame");
            if (send.to != want.to || frame->command != want.command ||
                (want.to == server::RoomSend::To::Connection && send.connection != want.connection))
                return failure("frame " + std::to_string(i) + ": got " +
                               frame->command.toStdString() + " to " +
                               std::to_string(int(send.to)) + ", model " +
                               want.command.toStdString() + " to " + std::to_string(int(want.to)));
            if (want.error && int(frame->errorCode()) != want.error)
                return failure("error " + std::to_string(int(frame->errorCode())) + ", model " +
                               std::to_string(want.error));
            checkContent(*frame);
            deliver(*frame, send, c);
        }
    }

    // The frame's content against the model (the model is already updated).
    void checkContent(const proto::ServerFrame &frame)
    {
        if (frame.command == u"TM" || frame.command == u"DM") {
            const proto::WireMessage &wire = frame.messages->first();
            const Message *message = nullptr;
            for (const Message &m : m_messages)
                if (m.id == *wire.id)
                    message = &m;
            // A message dropped at once by the cap is no longer in the model; its id still counts.
            if (message && (wire.text != message->text || wire.userId != message->userId ||
                            wire.replyUser != message->replyUser ||
                            wire.replyMessage != message->replyMessage))
                failure("TM content differs for #" + std::to_string(*wire.id));
        } else if (frame.command == u"N_M_LIMIT_R") {
            if (m_messages.isEmpty() ||
                frame.messages->first().text != QString::number(m_messages.first().id))
                failure("N_M_LIMIT_R names the wrong first message");
        } else if (frame.command == u"R_M_CH") {
            checkMembers(frame);
        } else if (frame.command == u"R_CH_D") {
            if (frame.messages->first().text != m_description)
                failure("R_CH_D text differs");
        }
    }

    void checkMembers(const proto::ServerFrame &frame)
    {
        const QList<proto::WireUser> &users = *frame.users;
        if (users.size() != m_users.size() + 1)
            return failure("R_M_CH lists " + std::to_string(users.size()) + ", model " +
                           std::to_string(m_users.size() + 1));
        for (qsizetype i = 0; i < m_users.size(); ++i) {
            const User &user = m_users.at(i);
            const proto::WireUser &wire = users.at(i + 1);
            if (wire.id != user.id || validation::urlDecode(wire.name) != user.name ||
                wire.anonymous != user.anonymous || wire.online != isMember(user.session))
                return failure("R_M_CH entry " + std::to_string(i) + " differs: " +
                               wire.name.toStdString() + " / " + user.name.toStdString());
        }
    }

    // What a client does with the frame: its view of the history.
    void deliver(const proto::ServerFrame &frame, const server::RoomSend &send,
                 const server::Caller &c)
    {
        QList<quint64> receivers;
        switch (send.to) {
        case server::RoomSend::To::Sender:
            receivers.append(c.connection);
            break;
        case server::RoomSend::To::Connection:
            receivers.append(send.connection);
            break;
        case server::RoomSend::To::Members:
        case server::RoomSend::To::Others:
            for (quint64 connection : m_members)
                if (send.to == server::RoomSend::To::Members || connection != c.connection)
                    receivers.append(connection);
            break;
        }
        for (quint64 connection : receivers) {
            auto view = m_views.find(connection);
            if (view == m_views.end())
                continue;
            apply(*view, frame);
        }
    }

    static void apply(ClientView &view, const proto::ServerFrame &frame)
    {
        if (!frame.messages)
            return;
        if (frame.command == u"ALL_TM") {
            view.messages.clear();
            view.counts.clear();
            for (const proto::WireMessage &m : *frame.messages) {
                view.messages.append({*m.id, *m.text});
                view.counts.insert(*m.id, {*m.supportCount, *m.rejectCount});
            }
            return;
        }
        const proto::WireMessage &m = frame.messages->first();
        if (frame.command == u"TM" || frame.command == u"DM") {
            view.messages.append({*m.id, *m.text});
            view.counts.insert(*m.id, {0, 0});
            // N_M_LIMIT_R comes every tenth of the cap: a client drops past the cap itself.
            while (view.messages.size() > cap)
                view.counts.remove(view.messages.takeFirst().first);
        } else if (frame.command == u"TM_E") {
            for (auto &entry : view.messages)
                if (entry.first == *m.id)
                    entry.second = *m.text;
        } else if (frame.command == u"TM_D") {
            view.messages.removeIf([&](const auto &entry) { return entry.first == *m.id; });
            view.counts.remove(*m.id);
        } else if (frame.command == u"TM_S_R") {
            view.counts.insert(*m.id, {*m.supportCount, *m.rejectCount});
        } else if (frame.command == u"N_M_LIMIT_R") {
            const qint64 first = m.text->toLongLong();
            view.messages.removeIf([&](const auto &entry) { return entry.first < first; });
            while (!view.counts.isEmpty() && view.counts.firstKey() < first)
                view.counts.erase(view.counts.begin());
        }
    }

    void checkState()
    {
        const std::deque<server::StoredMessage> &stored = m_room->messages();
        if (qsizetype(stored.size()) != m_messages.size())
            return failure("room holds " + std::to_string(stored.size()) + " messages, model " +
                           std::to_string(m_messages.size()));
        for (qsizetype i = 0; i < m_messages.size(); ++i) {
            const server::StoredMessage &s = stored.at(size_t(i));
            const Message &m = m_messages.at(i);
            if (s.id != m.id || s.text != m.text || s.support != m.support() ||
                s.reject != m.reject() || s.authorSession != m.author || s.replyUser != m.replyUser)
                return failure("message " + std::to_string(i) + " differs (room #" +
                               std::to_string(s.id) + ", model #" + std::to_string(m.id) + ")");
        }
        if (m_room->memberCount() != m_members.size() || m_room->userCount() != m_users.size())
            return failure("room has " + std::to_string(m_room->memberCount()) + " members / " +
                           std::to_string(m_room->userCount()) + " users, model " +
                           std::to_string(m_members.size()) + " / " +
                           std::to_string(m_users.size()));
        if (m_room->lastMessageId() != m_nextId - 1)
            return failure("last id differs");
        checkMembers(*proto::decodeServerFrame(m_room->membersFrame(false, 1)));
        // Every member's client shows exactly the model's history.
        for (auto it = m_views.cbegin(); it != m_views.cend(); ++it) {
            const ClientView &view = *it;
            if (view.messages.size() != m_messages.size())
                return failure("client c" + std::to_string(it.key()) + " shows " +
                               std::to_string(view.messages.size()) + " messages, model " +
                               std::to_string(m_messages.size()));
            for (qsizetype i = 0; i < m_messages.size(); ++i) {
                const Message &m = m_messages.at(i);
                if (view.messages.at(i).first != m.id || view.messages.at(i).second != m.text ||
                    view.counts.value(m.id) != std::make_pair(m.support(), m.reject()))
                    return failure("client c" + std::to_string(it.key()) + " differs at #" +
                                   std::to_string(m.id));
            }
        }
    }

    void describeStep(const QString &what)
    {
        m_trace.append(QStringLiteral("%1: %2").arg(m_steps).arg(what));
        if (m_trace.size() > 12)
            m_trace.removeFirst();
    }

    void failure(const std::string &what)
    {
        if (m_failed)
            return;
        m_failed = true;
        m_fail(what + "\n  last steps:\n    " +
               m_trace.join(QStringLiteral("\n    ")).toStdString());
    }

    Choices &m_choices;
    Fail m_fail;
    bool m_failed = false;
    int m_steps = 0;
    QStringList m_trace;
    qint64 m_now = 1'700'000'000 * second;
    QList<QUuid> m_sessions;
    QUuid m_creator;
    std::unique_ptr<server::Room> m_room;

    QList<User> m_users; // in order of first authorisation
    QHash<QUuid, quint64> m_members;
    QHash<quint64, ClientView> m_views;
    QList<Message> m_messages;
    qint64 m_nextId = 1;
    qint64 m_dropped = 0;
    int m_approachSent = 0;
    quint64 m_nextConnection = 0;
    QString m_description;
};

} // namespace ic::testing
