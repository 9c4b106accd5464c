// Room logic without sockets: message ring buffer and limit notices, votes, join checks and
// their order, names, description, and the order of the frames a result carries.

#include "StringList.h"
#include "protocol/ServerFrame.h"
#include "rooms/AnonymousNames.h"
#include "rooms/Room.h"
#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QSet>
#include <QTest>
#include <atomic>

using namespace ic::server;
using ic::proto::ServerFrame;

namespace {

struct Member
{
    QUuid session = QUuid::createUuid();
    quint64 connection;
    QString userId;
    int protocolVersion = 1;
};

ServerFrame decodeJson(const QByteArray &json)
{
    const std::optional<ServerFrame> frame = ic::proto::decodeServerFrame(json);
    if (!frame)
        qFatal("undecodable frame %s", json.constData());
    return *frame;
}

ServerFrame decode(const RoomSend &send)
{
    const std::optional<ServerFrame> frame = ic::proto::decodeServerFrame(send.json);
    if (!frame)
        qFatal("undecodable frame %s", send.json.constData());
    return *frame;
}

QStringList commands(const RoomResult &result)
{
    QStringList list;
    for (const RoomSend &send : result.sends)
        list << decode(send).command;
    return list;
}

int errorOf(const RoomResult &result)
{
    for (const RoomSend &send : result.sends) {
        const ServerFrame frame = decode(send);
        if (frame.command == u"ER")
            return int(frame.errorCode());
    }
    return 0;
}

ic::proto::ClientFrame frame(const char *command, std::optional<qint64> id = std::nullopt,
                             const QString &text = QString())
{
    ic::proto::ClientFrame f;
    f.command = QLatin1StringView(command);
    f.kind = ic::proto::commandFromCode(f.command);
    f.requestId = QStringLiteral("rq-") + QLatin1StringView(command);
    if (id || !text.isNull()) {
        ic::proto::ClientMessage message;
        message.id = id;
        message.text = text;
        f.message = message;
    }
    return f;
}

class RoomFixture
{
public:
    explicit RoomFixture(int cap = 1000, int maxUsers = 1000)
    {
        settings.limits.messagesKept = cap;
        settings.limits.activeUsersMax = maxUsers;
        settings.rateLimits = false;
        settings.build = QStringLiteral("test-build");
        room = std::make_unique<Room>(QStringLiteral("room"), creator.session, PasswordHash(),
                                      settings, now);
        join(creator);
    }

    RoomResult join(Member &member, std::optional<QString> name = std::nullopt,
                    bool created = false)
    {
        Room::JoinRequest request;
        request.caller = caller(member);
        request.userName = name;
        request.created = created;
        RoomResult result = room->join(request, ++now);
        for (const RoomSend &send : result.sends) {
            const ServerFrame f = decode(send);
            if (f.command == u"RP" && f.userId)
                member.userId = *f.userId;
        }
        return result;
    }

    Caller caller(const Member &member) const
    {
        Caller c;
        c.session = member.session;
        c.connection = member.connection;
        c.requestId = QStringLiteral("rq");
        c.protocolVersion = member.protocolVersion;
        return c;
    }

    RoomResult run(const Member &member, const ic::proto::ClientFrame &f)
    {
        ++now;
        return room->command(caller(member), f, now, now / 1000000);
    }

    RoomResult post(const Member &member, const QString &text = QStringLiteral("hi"))
    {
        return run(member, frame("TM", std::nullopt, text));
    }

    RoomResult vote(const Member &member, qint64 id, bool support)
    {
        ic::proto::ClientFrame f = frame("TM_S_R", id);
        f.support = support;
        return run(member, f);
    }

    RoomSettings settings;
    Member creator{QUuid::createUuid(), 1, {}};
    std::unique_ptr<Room> room;
    qint64 now = 1'700'000'000'000'000'000;
};

std::pair<qint64, qint64> counts(const RoomResult &result)
{
    for (const RoomSend &send : result.sends) {
        const ServerFrame f = decode(send);
        if (f.command == u"TM_S_R")
            return {*f.messages->first().supportCount, *f.messages->first().rejectCount};
    }
    return {-1, -1};
}

} // namespace

class TestRoom : public QObject
{
    Q_OBJECT

private slots:
    void anonymousNamesAreManyAndDistinct()
    {
        const QStringList &names = anonymousNames();
        QSet<QString> keys;
        for (const QString &name : names) {
            QVERIFY(!name.isEmpty());
            QCOMPARE(ic::validation::checkUserName(name), ic::proto::ErrorCode::None);
            keys.insert(ic::validation::userNameKey(name));
        }
        QVERIFY(keys.size() >= 500);
        QCOMPARE(keys.size(), names.size());
    }

    void joinSendsFramesInOrder()
    {
        RoomFixture f;
        Member second{QUuid::createUuid(), 2, {}};
        const RoomResult result = f.join(second);
        QCOMPARE(commands(result), L({"R_M_CH", "R_M_CH", "ALL_TM", "R_CH_D", "RP"}));
        QCOMPARE(result.sends[0].to, RoomSend::To::Others);
        for (int i = 1; i < 5; ++i)
            QCOMPARE(result.sends[i].to, RoomSend::To::Sender);
        QVERIFY(!decode(result.sends[0]).build);
        QCOMPARE(decode(result.sends[1]).build, QStringLiteral("test-build"));
        QCOMPARE(decode(result.sends[2]).build, QStringLiteral("test-build"));
        const ServerFrame description = decode(result.sends[3]);
        QCOMPARE(description.messages->size(), 1);
        QCOMPARE(description.messages->first().text, QString());
        QCOMPARE(description.creatorUserId, f.creator.userId);
        QCOMPARE(description.status, QStringLiteral("online"));
        const ServerFrame reply = decode(result.sends[4]);
        QCOMPARE(reply.details, QStringLiteral("room_joined;password=false"));
        QCOMPARE(reply.roomId, f.room->id());
        QCOMPARE(reply.time, f.room->createdAtNs());
        QCOMPARE(reply.requestId, QStringLiteral("rq"));
        QVERIFY(result.joined);

        // The user list: external user first, then everyone, with online flags.
        const auto users = *decode(result.sends[1]).users;
        QCOMPARE(users.size(), 3);
        QCOMPARE(users[0].id, QStringLiteral("00000000-0000-0000-0000-000000000000"));
        QCOMPARE(users[0].name, QStringLiteral("external-user"));
        QVERIFY(!users[0].anonymous && !users[0].online);
        QVERIFY(users[2].anonymous && users[2].online);
    }

    void userIdsAreFreshPerRoom()
    {
        RoomFixture a, b;
        Member same{QUuid::createUuid(), 5, {}};
        a.join(same);
        const QString first = same.userId;
        b.join(same);
        QVERIFY(!first.isEmpty());
        QVERIFY(first != same.userId);
        QVERIFY(same.userId != same.session.toString(QUuid::WithoutBraces));
    }

    void duplicateSessionReplacesOldSocket()
    {
        RoomFixture f;
        Member again = f.creator;
        again.connection = 9;
        const RoomResult result = f.join(again);
        QCOMPARE(result.sends.first().to, RoomSend::To::Connection);
        QCOMPARE(result.sends.first().connection, quint64(1));
        QVERIFY(result.sends.first().closeAfter);
        QCOMPARE(errorOf(result), 209);
        QCOMPARE(f.room->memberConnection(f.creator.session), std::optional<quint64>(9));
        // The old socket no longer speaks for the member.
        QCOMPARE(errorOf(f.post(f.creator)), 102);
    }

    void joinChecksInOrder()
    {
        RoomSettings settings;
        settings.limits.activeUsersMax = 1;
        settings.rateLimits = false;
        PasswordHash password{QByteArray("salt"), QByteArray("key")};
        Room room(QStringLiteral("room"), QUuid(), password, settings, 1);
        Caller first{QUuid::createUuid(), 1, QStringLiteral("a"), 1};
        Room::JoinRequest request;
        request.caller = first;
        // Password required for a new session.
        QVERIFY(room.needsPasswordCheck(first.session, false));
        QCOMPARE(errorOf(room.join(request, 2)), 203);
        request.passwordGiven = true;
        request.passwordMatches = true;
        QVERIFY(room.join(request, 3).joined);
        // Authorised now: no password needed, unless one is given.
        QVERIFY(!room.needsPasswordCheck(first.session, false));
        QVERIFY(room.needsPasswordCheck(first.session, true));
        // Full comes before the password check; an active session is never refused.
        Room::JoinRequest second;
        second.caller = Caller{QUuid::createUuid(), 2, QStringLiteral("b"), 1};
        QCOMPARE(room.precheckJoin(second.caller.session, false, 4), ErrorCode::RoomFull);
        QCOMPARE(errorOf(room.join(second, 4)), 208);
        QCOMPARE(room.precheckJoin(first.session, false, 4), ErrorCode::None);
        // Authorising only takes a place in the member list too.
        QCOMPARE(room.precheckJoin(second.caller.session, true, 4), ErrorCode::RoomFull);
        // A room without password refuses a join that brings one that cannot match.
        RoomFixture open;
        Member guest{QUuid::createUuid(), 3, {}};
        QVERIFY(open.room->needsPasswordCheck(guest.session, true));
        Room::JoinRequest withPassword;
        withPassword.caller = open.caller(guest);
        withPassword.passwordGiven = true;
        QCOMPARE(errorOf(open.room->join(withPassword, 5)), 203);
        // Password before name: a wrong password with a taken name is 203.
        settings.limits.activeUsersMax = 10;
        Room roomy(QStringLiteral("roomy"), QUuid(), password, settings, 1);
        request.caller.connection = 5;
        QVERIFY(roomy.join(request, 3).joined);
        Room::JoinRequest both;
        both.caller = Caller{QUuid::createUuid(), 4, QStringLiteral("c"), 1};
        both.userName = QStringLiteral("x");
        both.authoriseOnly = true;
        QCOMPARE(errorOf(roomy.join(both, 6)), 203);
    }

    void authoriseOnlyStoresIdentityWithoutJoining()
    {
        RoomFixture f;
        Member member{QUuid::createUuid(), 4, {}};
        Room::JoinRequest request;
        request.caller = f.caller(member);
        request.userName = QStringLiteral("Zed");
        request.authoriseOnly = true;
        const RoomResult result = f.room->join(request, 10);
        QCOMPARE(commands(result), L({"RP"}));
        const ServerFrame reply = decode(result.sends.first());
        QVERIFY(reply.userId && reply.roomId && reply.time && reply.details);
        QVERIFY(!reply.build);
        QVERIFY(!result.joined);
        QCOMPARE(f.room->memberCount(), 1);
        // Joining later keeps the same identity.
        member.userId = *reply.userId;
        const QString before = member.userId;
        f.join(member);
        QCOMPARE(member.userId, before);
    }

    void namesAreValidatedAndUnique()
    {
        RoomFixture f;
        Member a{QUuid::createUuid(), 2, {}}, b{QUuid::createUuid(), 3, {}};
        f.join(a, QStringLiteral("Anna"));
        QCOMPARE(errorOf(f.join(b, QStringLiteral("aNNA"))), 204);
        QCOMPARE(errorOf(f.join(b, QStringLiteral("%20anna%20"))), 204);
        QCOMPARE(errorOf(f.join(b, QStringLiteral("Moderator"))), 204);
        QCOMPARE(errorOf(f.join(b, QString(81, u'x'))), 205);
        QVERIFY(f.join(b, QStringLiteral("Bea")).joined);

        // Rename: trimmed, validated, empty → anonymous, broadcast then RP.
        ic::proto::ClientFrame rename = frame("R_CH_UN");
        rename.userName = QStringLiteral("%20Bo%20");
        RoomResult result = f.run(b, rename);
        QCOMPARE(commands(result), L({"R_M_CH", "RP"}));
        QCOMPARE(result.sends[0].to, RoomSend::To::Members);
        bool found = false;
        const ServerFrame usersFrame = decode(result.sends[0]);
        for (const auto &user : *usersFrame.users)
            found = found || (user.id == b.userId && user.name == u"Bo" && !user.anonymous);
        QVERIFY(found);
        rename.userName = QStringLiteral("anna");
        QCOMPARE(errorOf(f.run(b, rename)), 204);
        rename.userName = QStringLiteral("external-user");
        QCOMPARE(errorOf(f.run(b, rename)), 204);
        rename.userName = QString(81, u'y');
        QCOMPARE(errorOf(f.run(b, rename)), 205);
        rename.userName = QStringLiteral("BO"); // own name, other case
        QCOMPARE(errorOf(f.run(b, rename)), 0);
        rename.userName = std::nullopt;
        result = f.run(b, rename);
        QCOMPARE(errorOf(result), 0);
        const ServerFrame renamedFrame = decode(result.sends[0]);
        for (const auto &user : *renamedFrame.users) {
            if (user.id == b.userId)
                QVERIFY(user.anonymous);
        }
        // The freed name can be taken by someone else.
        rename.userName = QStringLiteral("Bo");
        QCOMPARE(errorOf(f.run(a, rename)), 0);
        // Not authorised at all.
        Member stranger{QUuid::createUuid(), 8, {}};
        QCOMPARE(errorOf(f.run(stranger, rename)), 206);
    }

    void descriptionRules()
    {
        RoomFixture f;
        Member other{QUuid::createUuid(), 2, {}};
        f.join(other);
        QCOMPARE(errorOf(f.run(other, frame("R_CH_D", std::nullopt, QStringLiteral("x")))), 103);
        QCOMPARE(errorOf(f.run(f.creator, frame("R_CH_D", std::nullopt, QString(401, u'd')))), 304);
        // Counted decoded: 400 characters sent encoded as %41 are fine.
        QString encoded;
        for (int i = 0; i < 400; ++i)
            encoded += QStringLiteral("%41");
        QCOMPARE(errorOf(f.run(f.creator, frame("R_CH_D", std::nullopt, encoded))), 0);
        const RoomResult result =
            f.run(f.creator, frame("R_CH_D", std::nullopt, QStringLiteral("about%20us")));
        QCOMPARE(commands(result), L({"R_CH_D", "RP"}));
        const ServerFrame d = decode(result.sends[0]);
        QCOMPARE(d.messages->first().text, QStringLiteral("about%20us"));
        QCOMPARE(d.creatorUserId, f.creator.userId);
        QCOMPARE(d.status, QStringLiteral("online"));
    }

    void activeMemberChecks()
    {
        RoomFixture f;
        Member stranger{QUuid::createUuid(), 7, {}};
        QCOMPARE(errorOf(f.post(stranger)), 206);
        Member wrongSocket = f.creator;
        wrongSocket.connection = 99;
        QCOMPARE(errorOf(f.post(wrongSocket)), 102);
        QCOMPARE(errorOf(f.post(f.creator, QString(10001, u'x'))), 207);
        QCOMPARE(errorOf(f.post(f.creator, QString(10000, u'x'))), 0);
    }

    void messagesGetIncreasingIdsAndReplyOrder()
    {
        RoomFixture f;
        const RoomResult first = f.post(f.creator, QStringLiteral("a"));
        QCOMPARE(commands(first), L({"TM", "RP"}));
        QCOMPARE(first.sends[0].to, RoomSend::To::Members);
        const auto message = decode(first.sends[0]).messages->first();
        QCOMPARE(message.id, 1);
        QCOMPARE(message.supportCount, 0);
        QCOMPARE(message.rejectCount, 0);
        QCOMPARE(message.userId, f.creator.userId);
        QVERIFY(!message.lastEdited && !message.lastVoted && !message.replyUser);
        QVERIFY(*message.createdAt < 100'000'000'000LL); // seconds, not ns
        qint64 httpId = 0;
        f.room->postExternal(QStringLiteral("b"), f.now, &httpId);
        QCOMPARE(httpId, 2);
        const RoomResult drawing = f.run(f.creator, frame("DM", std::nullopt, QStringLiteral("d")));
        QCOMPARE(commands(drawing), L({"DM", "RP"}));
        QCOMPARE(decode(drawing.sends[0]).messages->first().id, 3);
        // Deleted ids are never reused.
        f.run(f.creator, frame("TM_D", 3));
        QCOMPARE(decode(f.post(f.creator).sends[0]).messages->first().id, 4);
    }

    void ringBufferAndLimitNotices()
    {
        RoomFixture f(100);
        QStringList notices;
        QList<qint64> droppedTo;
        for (int i = 1; i <= 135; ++i) {
            const RoomResult result = f.post(f.creator);
            const QStringList list = commands(result);
            QCOMPARE(list.first(), QStringLiteral("TM"));
            QCOMPARE(list.last(), QStringLiteral("RP"));
            for (const RoomSend &send : result.sends) {
                const ServerFrame frame = decode(send);
                if (frame.command == u"N_M_LIMIT_A") {
                    notices << QStringLiteral("A@%1").arg(i);
                    QCOMPARE(frame.messages->size(), 1);
                    QCOMPARE(frame.messages->first(), ic::proto::WireMessage{});
                    QVERIFY(frame.time);
                }
                if (frame.command == u"N_M_LIMIT_R") {
                    notices << QStringLiteral("R@%1").arg(i);
                    droppedTo << frame.messages->first().text->toLongLong();
                }
            }
        }
        QCOMPARE(notices, L({"A@90", "A@95", "A@99", "R@101", "R@111", "R@121", "R@131"}));
        QCOMPARE(droppedTo, (QList<qint64>{2, 12, 22, 32}));
        QCOMPARE(f.room->messageCount(), 100);
        QCOMPARE(f.room->messages().front().id, 36);
        QCOMPARE(f.room->messages().back().id, 135);
        const ServerFrame all = *ic::proto::decodeServerFrame(f.room->allMessagesFrame(1));
        QCOMPARE(all.messages->size(), 100);
        QCOMPARE(all.messages->first().id, 36);
    }

    void editAndDeleteAreAuthorOnly()
    {
        RoomFixture f;
        Member other{QUuid::createUuid(), 2, {}};
        f.join(other);
        f.post(f.creator, QStringLiteral("original"));
        QCOMPARE(errorOf(f.run(other, frame("TM_E", 1, QStringLiteral("hack")))), 103);
        QCOMPARE(errorOf(f.run(other, frame("TM_D", 1))), 103);
        // Unknown ids: RP, nothing broadcast.
        QCOMPARE(commands(f.run(f.creator, frame("TM_E", 42, QStringLiteral("x")))), L({"RP"}));
        QCOMPARE(commands(f.run(f.creator, frame("TM_D", 42))), L({"RP"}));

        ic::proto::ClientFrame edit = frame("TM_E", 1, QStringLiteral("changed"));
        edit.message->replyMessage = 7;
        RoomResult result = f.run(f.creator, edit);
        QCOMPARE(commands(result), L({"TM_E", "RP"}));
        const ServerFrame broadcast = decode(result.sends[0]);
        const auto changed = broadcast.messages->first();
        QCOMPARE(changed.id, 1);
        QCOMPARE(changed.text, QStringLiteral("changed"));
        QCOMPARE(changed.replyMessage, 7);
        QVERIFY(changed.lastEdited);
        QVERIFY(!changed.supportCount);
        QVERIFY(broadcast.time);
        QCOMPARE(f.room->messages().front().lastEditedNs, *changed.lastEdited);

        result = f.run(f.creator, frame("TM_D", 1));
        QCOMPARE(commands(result), L({"TM_D", "RP"}));
        ic::proto::WireMessage removed;
        removed.id = 1;
        QCOMPARE(decode(result.sends[0]).messages->first(), removed);
        QCOMPARE(f.room->messageCount(), 0);
    }

    // Deleting anywhere in the history, including messages in later blocks of the deque: the
    // erase position was once computed from element addresses and crashed past the first block.
    void deleteAnywhere_data()
    {
        QTest::addColumn<int>("posted");
        QTest::addColumn<int>("deleted");
        QTest::newRow("4th of 4") << 4 << 4;
        QTest::newRow("5th of 6") << 6 << 5;
        QTest::newRow("7th of 10") << 10 << 7;
        QTest::newRow("10th of 200") << 200 << 10;
        QTest::newRow("150th of 200") << 200 << 150;
        QTest::newRow("last of 1000") << 1000 << 1000;
        QTest::newRow("first of 1000") << 1000 << 1;
    }

    void deleteAnywhere()
    {
        QFETCH(int, posted);
        QFETCH(int, deleted);
        RoomFixture f;
        for (int i = 1; i <= posted; ++i)
            f.post(f.creator, QStringLiteral("m%1").arg(i));
        QCOMPARE(commands(f.run(f.creator, frame("TM_D", deleted))), L({"TM_D", "RP"}));
        QCOMPARE(f.room->messageCount(), posted - 1);
        qint64 expected = 1;
        for (const StoredMessage &message : f.room->messages()) {
            if (expected == deleted)
                ++expected;
            QCOMPARE(message.id, expected);
            QCOMPARE(message.text, QStringLiteral("m%1").arg(expected));
            ++expected;
        }
        // The next message still gets the next id, and deleting it works too.
        f.post(f.creator, QStringLiteral("after"));
        QCOMPARE(f.room->messages().back().id, qint64(posted + 1));
        QCOMPARE(commands(f.run(f.creator, frame("TM_D", posted + 1))), L({"TM_D", "RP"}));
        QCOMPARE(f.room->messageCount(), posted - 1);
    }

    void votes()
    {
        RoomFixture f;
        Member voter{QUuid::createUuid(), 2, {}}, author{QUuid::createUuid(), 3, {}};
        f.join(voter);
        f.join(author);
        f.post(author); // id 1
        QCOMPARE(counts(f.vote(voter, 1, true)), (std::pair<qint64, qint64>{1, 0}));
        // Opposite vote moves it.
        QCOMPARE(counts(f.vote(voter, 1, false)), (std::pair<qint64, qint64>{0, 1}));
        // Same vote again withdraws it.
        QCOMPARE(counts(f.vote(voter, 1, false)), (std::pair<qint64, qint64>{0, 0}));
        QCOMPARE(counts(f.vote(voter, 1, true)), (std::pair<qint64, qint64>{1, 0}));
        // The creator votes on someone else's message too.
        QCOMPARE(counts(f.vote(f.creator, 1, true)), (std::pair<qint64, qint64>{2, 0}));
        // Own message: ignored, RP without a broadcast.
        const RoomResult own = f.vote(author, 1, true);
        QCOMPARE(commands(own), L({"RP"}));
        QCOMPARE(f.room->messages().front().support, 2);
        // ... unless the author is the room creator ("pin").
        f.post(f.creator); // id 2
        const RoomResult pin = f.vote(f.creator, 2, true);
        QCOMPARE(commands(pin), L({"TM_S_R", "RP"}));
        QCOMPARE(counts(pin), (std::pair<qint64, qint64>{1, 0}));
        QVERIFY(decode(pin.sends[0]).time);
        QVERIFY(f.room->messages().back().lastVotedNs > 0);
        // Unknown message: RP only; missing srM: 103.
        QCOMPARE(commands(f.vote(voter, 77, true)), L({"RP"}));
        QCOMPARE(errorOf(f.run(voter, frame("TM_S_R", 1))), 103);
    }

    // docs/protocol.md §7.3: pv >= 2 sessions learn who voted (at most 10 per side, in the
    // room's user order); v1 sessions get exactly the frames they always got.
    void votersForExtendedSessions()
    {
        RoomFixture f;
        Member legacy{QUuid::createUuid(), 2, {}, 1}, extended{QUuid::createUuid(), 3, {}, 2};
        Member author{QUuid::createUuid(), 4, {}, 1};
        f.join(legacy);
        f.join(extended);
        f.join(author);
        f.post(author); // id 1
        f.post(author); // id 2, never voted on
        std::vector<Member> voters;
        for (int i = 0; i < 13; ++i) {
            voters.push_back({QUuid::createUuid(), quint64(10 + i), {}, i % 2 ? 2 : 1});
            f.join(voters.back());
        }
        // Voted on in reverse order: the list follows the room's user order, not the votes'.
        for (int i = 11; i >= 0; --i)
            f.vote(voters[size_t(i)], 1, true);
        const RoomResult last = f.vote(voters[12], 1, false);
        QCOMPARE(commands(last), L({"TM_S_R", "TM_S_R", "RP"}));
        QCOMPARE(last.sends[0].audience, RoomSend::Audience::Legacy);
        QCOMPARE(last.sends[1].audience, RoomSend::Audience::Extended);
        // v1: byte for byte the frame of §5.4.
        QCOMPARE(last.sends[0].json,
                 QByteArray(R"({"c":"TM_S_R","m":[{"id":1,"sC":12,"rC":1}],"cAt":)") +
                     QByteArray::number(f.now) + '}');
        const ServerFrame rich = decode(last.sends[1]);
        QCOMPARE(*rich.messages, decode(last.sends[0]).messages.value());
        QCOMPARE(rich.voters->size(), 1);
        const ic::proto::WireVoters entry = rich.voters->first();
        QCOMPARE(entry.id, 1);
        QStringList firstTen;
        for (int i = 0; i < 10; ++i)
            firstTen << voters[size_t(i)].userId;
        QCOMPARE(entry.support, firstTen);
        QCOMPARE(entry.reject, QStringList{voters[12].userId});

        // A withdrawn vote leaves the list; the next in user order moves up.
        const RoomResult withdrawn = f.vote(voters[0], 1, true);
        const ServerFrame after = decode(withdrawn.sends[1]);
        QCOMPARE(*after.messages->first().supportCount, 11);
        QCOMPARE(after.voters->first().support, firstTen.mid(1) << voters[10].userId);

        // Only pv >= 2 members in the room: no v1 frame is made.
        RoomFixture g;
        Member modern{QUuid::createUuid(), 2, {}, 2};
        g.join(modern);
        g.room->leave(1, ++g.now); // the creator (v1) goes offline
        g.post(modern);
        Member other{QUuid::createUuid(), 3, {}, 2};
        g.join(other);
        const RoomResult only = g.vote(other, 1, false);
        QCOMPARE(commands(only), L({"TM_S_R", "RP"}));
        QCOMPARE(only.sends[0].audience, RoomSend::Audience::Extended);
        QCOMPARE(decode(only.sends[0]).voters->first().reject, QStringList{other.userId});

        // The join's ALL_TM: voters of the voted messages for a pv >= 2 joiner only.
        Member lateModern{QUuid::createUuid(), 40, {}, 2},
            lateLegacy{QUuid::createUuid(), 41, {}, 1};
        const auto allMessages = [](const RoomResult &result) {
            for (const RoomSend &send : result.sends) {
                if (decode(send).command == u"ALL_TM")
                    return send.json;
            }
            return QByteArray();
        };
        const ServerFrame joined = decodeJson(allMessages(f.join(lateModern)));
        QCOMPARE(joined.messages->size(), 2);
        QCOMPARE(joined.voters->size(), 1); // message 2 has no votes
        QCOMPARE(joined.voters->first().id, 1);
        QCOMPARE(joined.voters->first().support, after.voters->first().support);
        QCOMPARE(joined.voters->first().reject, QStringList{voters[12].userId});
        const QByteArray plain = allMessages(f.join(lateLegacy));
        QVERIFY(!plain.contains("vU"));
        QVERIFY(!decodeJson(plain).voters);
    }

    void leaveTurnsUserOffline()
    {
        RoomFixture f;
        Member other{QUuid::createUuid(), 2, {}};
        f.join(other);
        const RoomResult result = f.room->leave(2, ++f.now);
        QCOMPARE(commands(result), L({"R_M_CH"}));
        const ServerFrame renamedFrame = decode(result.sends[0]);
        for (const auto &user : *renamedFrame.users) {
            if (user.id == other.userId)
                QVERIFY(!user.online);
        }
        QCOMPARE(f.room->memberCount(), 1);
        QCOMPARE(f.room->userCount(), 2);
        // Unknown connections change nothing.
        QVERIFY(f.room->leave(12345, ++f.now).sends.isEmpty());
    }

    void rateLimitPerSession()
    {
        RoomSettings settings;
        settings.rateLimits = true;
        QUuid creator = QUuid::createUuid();
        Room room(QStringLiteral("room"), creator, PasswordHash(), settings, 1);
        Room::JoinRequest join;
        join.caller = Caller{creator, 1, std::nullopt, 2};
        room.join(join, 1);
        int limited = 0;
        for (int i = 0; i < 25; ++i) {
            const RoomResult result =
                room.command(join.caller, frame("TM", std::nullopt, QStringLiteral("x")), 2, 1000);
            limited += result.rateLimited ? 1 : 0;
            if (result.rateLimited)
                QCOMPARE(errorOf(result), 429);
        }
        QCOMPARE(limited, 5); // burst of 20 at one instant
        // A v1 session gets 103 instead.
        join.caller.protocolVersion = 1;
        QCOMPARE(errorOf(room.command(join.caller, frame("TM", std::nullopt, QStringLiteral("x")),
                                      2, 1000)),
                 103);
        // Tokens come back with time.
        QCOMPARE(errorOf(room.command(join.caller, frame("TM", std::nullopt, QStringLiteral("x")),
                                      2, 2000)),
                 0);
    }

    // One user posting the largest frames: the room keeps what its byte budget holds and ALL_TM
    // stays within it (70 such messages made a 4.5 MB join history that dropped every joiner).
    void roomBudgetDropsOldestByBytes()
    {
        RoomFixture f(1000);
        const qint64 budget = f.settings.roomBytesMax;
        QCOMPARE(budget, qint64(2 * 1024 * 1024));
        const QString emoji = QStringLiteral("%F0%9F%98%80").repeated(5440);
        QCOMPARE(ic::validation::checkMessageText(emoji), ErrorCode::None);
        int drops = 0;
        qint64 peak = 0;
        for (int i = 0; i < 70; ++i) {
            const RoomResult result = f.post(f.creator, emoji);
            QCOMPARE(commands(result).first(), QStringLiteral("TM"));
            QCOMPARE(commands(result).last(), QStringLiteral("RP"));
            drops += int(commands(result).count(QStringLiteral("N_M_LIMIT_R")));
            peak = std::max(peak, f.room->storedBytes());
            QVERIFY(f.room->storedBytes() <= budget);
        }
        const qint64 history = f.room->allMessagesFrame(1).size();
        qInfo("70 posts of %lld characters: %lld kept, %lld counted bytes (budget %lld, peak "
              "%lld), ALL_TM %lld bytes, %d N_M_LIMIT_R notices",
              qint64(emoji.size()), f.room->messageCount(), f.room->storedBytes(), budget, peak,
              history, drops);
        QVERIFY(history <= budget);
        QVERIFY(f.room->messageCount() < 70);
        QVERIFY(drops >= 1);
        QCOMPARE(f.room->messages().back().id, 70);
        // The counted bytes are the real ones: at least two bytes a stored UTF-16 character.
        QVERIFY(f.room->storedBytes() >= f.room->messageCount() * 2 * emoji.size());
        // The first notice names the first message kept.
        Member late{QUuid::createUuid(), 9, {}};
        const RoomResult join = f.join(late);
        QVERIFY(join.joined);
        QCOMPARE(decode(join.sends[2]).messages->size(), f.room->messageCount());
    }

    // The server budget refuses with ER 101 and changes nothing; deleting gives bytes back.
    void serverBudgetRefusesNewMessages()
    {
        std::atomic<qint64> total{0};
        RoomFixture a, b;
        for (RoomFixture *f : {&a, &b}) {
            f->settings.serverBytes = &total;
            f->settings.serverBytesMax = 200 * 1024;
            f->room = std::make_unique<Room>(QStringLiteral("room"), f->creator.session,
                                             PasswordHash(), f->settings, f->now);
            f->join(f->creator);
        }
        const QString text = QStringLiteral("x").repeated(9000);
        int accepted = 0;
        RoomResult refused;
        for (int i = 0; i < 40; ++i) {
            RoomFixture &f = i % 2 ? b : a;
            refused = f.post(f.creator, text);
            if (errorOf(refused))
                break;
            ++accepted;
        }
        qInfo("server budget %d bytes: %d posts of 9000 characters accepted, then ER %d; total "
              "%lld bytes (room a %lld, room b %lld)",
              200 * 1024, accepted, errorOf(refused), total.load(), a.room->storedBytes(),
              b.room->storedBytes());
        QCOMPARE(errorOf(refused), 101);
        QCOMPARE(commands(refused), L({"ER"}));
        QCOMPARE(total.load(), a.room->storedBytes() + b.room->storedBytes());
        QVERIFY(total.load() <= 200 * 1024);
        QCOMPARE(a.room->messageCount() + b.room->messageCount(), accepted);
        // Small posts may still pass until the last bytes are taken; then a growing edit fails
        // too; deleting frees room.
        for (int i = 0; i < 500 && errorOf(b.post(b.creator, QStringLiteral("small"))) == 0; ++i) {
        }
        QCOMPARE(errorOf(b.post(b.creator, QStringLiteral("small"))), 101);
        const qint64 last = a.room->messages().back().id;
        QCOMPARE(errorOf(a.run(a.creator,
                               frame("TM_E", last, text + QStringLiteral("y").repeated(900)))),
                 101);
        QCOMPARE(a.room->messages().back().text, text);
        QCOMPARE(errorOf(a.run(a.creator, frame("TM_D", last))), 0);
        QCOMPARE(errorOf(a.post(a.creator, text)), 0);
        // A room that goes away gives its bytes back.
        b.room.reset();
        QCOMPARE(total.load(), a.room->storedBytes());
        a.room.reset();
        QCOMPARE(total.load(), qint64(0));
    }

    // Authorisations count against --max-users and expire; members never do.
    void authorisationsCountAndExpire()
    {
        RoomFixture f(1000, 3);
        f.settings.authorisationExpirySeconds = 120;
        f.settings.userExpirySeconds = 3600;
        f.room = std::make_unique<Room>(QStringLiteral("room"), f.creator.session, PasswordHash(),
                                        f.settings, f.now);
        f.join(f.creator);
        const qint64 second = 1'000'000'000;
        int authorised = 0, refused = 0;
        for (int i = 0; i < 12; ++i) {
            Room::JoinRequest request;
            request.caller = Caller{QUuid::createUuid(), quint64(100 + i), QStringLiteral("q"), 1};
            request.userName = QStringLiteral("n%1").arg(i);
            request.authoriseOnly = true;
            const int code = errorOf(f.room->join(request, ++f.now));
            if (code == 0) {
                ++authorised;
            } else {
                QCOMPARE(code, 208);
                ++refused;
            }
        }
        qInfo("--max-users 3: 1 member + %d authorisations, %d refused; list %lld users",
              authorised, refused, f.room->userCount());
        QCOMPARE(authorised, 2);
        QCOMPARE(f.room->userCount(), 3);
        QCOMPARE(decodeJson(f.room->membersFrame(false, 1)).users->size(), 4); // + external user
        // A full join is refused too, until the authorisations expire.
        Member joiner{QUuid::createUuid(), 50, {}};
        QCOMPARE(errorOf(f.join(joiner)), 208);
        f.now += 121 * second;
        QVERIFY(f.join(joiner).joined);
        QCOMPARE(f.room->userCount(), 2);
        // An offline user stays for --user-expiry, then goes; a member never does.
        f.room->leave(joiner.connection, ++f.now);
        QCOMPARE(f.room->expireUsers(f.now + 3599 * second), 0);
        QCOMPARE(f.room->expireUsers(f.now + 3600 * second), 1);
        QCOMPARE(f.room->userCount(), 1);
        QCOMPARE(f.room->memberCount(), 1);
        QVERIFY(decodeJson(f.room->membersFrame(false, 1)).users->at(1).online);
    }

    // The largest member list of a full room (every name the longest encodable) fits the bound
    // the server checks at start-up, and the bound fits the outbound queue.
    void membersFrameBoundHolds()
    {
        const ic::proto::Limits limits;
        const qint64 bound = Room::membersFrameBound(limits);
        RoomFixture f(1000, limits.activeUsersMax);
        int added = 1;
        for (int i = 0; added < limits.activeUsersMax; ++i) {
            Room::JoinRequest request;
            request.caller = Caller{QUuid::createUuid(), quint64(100 + i), QStringLiteral("q"), 1};
            // 79 four-byte characters (emoji) and a distinct last one: 80 characters, 957
            // bytes encoded.
            request.userName = ic::validation::urlEncode(
                QString::fromUtf8("\xF0\x9F\x98\x80").repeated(limits.userNameMax - 1) +
                QChar(0x0900 + i));
            request.authoriseOnly = true;
            QCOMPARE(errorOf(f.room->join(request, ++f.now)), 0);
            ++added;
        }
        const qint64 actual = f.room->membersFrame(true, 1).size();
        qInfo("R_M_CH of %d users with %d-character names: %lld bytes; bound %lld; outbound "
              "limit %lld",
              added, limits.userNameMax, actual, bound, qint64(limits.outboundQueueMaxBytes));
        QVERIFY(actual <= bound);
        QVERIFY(bound + f.settings.roomBytesMax <= limits.outboundQueueMaxBytes);
    }

    // rU is a user id: anything else is ER 103 and nothing is stored or changed.
    void replyUserIsValidated_data()
    {
        QTest::addColumn<QString>("replyUser");
        QTest::addColumn<int>("error");
        QTest::newRow("user id") << QStringLiteral("3f2504e0-4f89-11d3-9a0c-0305e82c3301") << 0;
        QTest::newRow("external user")
            << QStringLiteral("00000000-0000-0000-0000-000000000000") << 0;
        QTest::newRow("5000 characters") << QStringLiteral("a").repeated(5000) << 103;
        QTest::newRow("a name") << QStringLiteral("Alice") << 103;
        QTest::newRow("braces") << QStringLiteral("{3f2504e0-4f89-11d3-9a0c-0305e82c3301}") << 103;
        QTest::newRow("not hex") << QStringLiteral("3f2504e0-4f89-11d3-9a0c-0305e82c330z") << 103;
        QTest::newRow("empty") << QString(QLatin1StringView("")) << 103;
    }

    void replyUserIsValidated()
    {
        QFETCH(QString, replyUser);
        QFETCH(int, error);
        RoomFixture f;
        f.post(f.creator, QStringLiteral("first"));
        ic::proto::ClientFrame post = frame("TM", std::nullopt, QStringLiteral("reply"));
        post.message->replyUser = replyUser;
        QCOMPARE(errorOf(f.run(f.creator, post)), error);
        QCOMPARE(f.room->messageCount(), error ? 1 : 2);
        ic::proto::ClientFrame edit = frame("TM_E", 1, QStringLiteral("edited"));
        edit.message->replyUser = replyUser;
        QCOMPARE(errorOf(f.run(f.creator, edit)), error);
        QCOMPARE(f.room->messages().front().text,
                 error ? QStringLiteral("first") : QStringLiteral("edited"));
        QCOMPARE(f.room->messages().front().replyUser.has_value(), !error);
    }

    void evictAllClosesEveryMember()
    {
        RoomFixture f;
        Member other{QUuid::createUuid(), 2, {}};
        f.join(other);
        const RoomResult result = f.room->evictAll(ErrorCode::RoomNotFound);
        QCOMPARE(result.sends.size(), 2);
        for (const RoomSend &send : result.sends) {
            QCOMPARE(send.to, RoomSend::To::Connection);
            QVERIFY(send.closeAfter);
            RoomResult single;
            single.sends.append(send);
            QCOMPARE(errorOf(single), 202);
        }
        QCOMPARE(f.room->memberCount(), 0);
    }
};

QTEST_GUILESS_MAIN(TestRoom)
#include "tst_room.moc"
