// Member-list deltas and typing signals (pv >= 2) in Room logic: who gets the full list and who a
// delta, the member-list version, the full list on request, and the typing rate limit.

#include "protocol/ServerFrame.h"
#include "rooms/Room.h"

#include <QTest>

using namespace ic::server;
using ic::proto::ServerFrame;
using ic::proto::WireUser;

namespace {

struct Member
{
    Member(quint64 c, int pv) : connection(c), protocolVersion(pv) {}
    quint64 connection = 0;
    int protocolVersion = 1;
    QUuid session = QUuid::createUuid();
    QString userId;
};

ServerFrame decode(const RoomSend &send)
{
    const std::optional<ServerFrame> frame = ic::proto::decodeServerFrame(send.json);
    if (!frame)
        qFatal("undecodable frame %s", send.json.constData());
    return *frame;
}

// The sends of one command code.
QList<RoomSend> sendsOf(const RoomResult &result, const char *command)
{
    QList<RoomSend> list;
    for (const RoomSend &send : result.sends) {
        if (decode(send).command == QLatin1StringView(command))
            list.append(send);
    }
    return list;
}

class DeltaRoom
{
public:
    DeltaRoom()
    {
        settings.rateLimits = false;
        room = std::make_unique<Room>(QStringLiteral("room"), QUuid::createUuid(), PasswordHash(),
                                      settings, nowNs);
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

    RoomResult join(Member &member, std::optional<QString> name = std::nullopt,
                    bool authoriseOnly = false)
    {
        Room::JoinRequest request;
        request.caller = caller(member);
        request.userName = std::move(name);
        request.authoriseOnly = authoriseOnly;
        RoomResult result = room->join(request, ++nowNs);
        for (const RoomSend &send : sendsOf(result, "RP"))
            member.userId = decode(send).userId.value_or(member.userId);
        return result;
    }

    RoomResult run(const Member &member, const char *command,
                   std::optional<QString> userName = std::nullopt)
    {
        ic::proto::ClientFrame frame;
        frame.command = QLatin1StringView(command);
        frame.kind = ic::proto::commandFromCode(frame.command);
        frame.requestId = QStringLiteral("rq");
        frame.userName = std::move(userName);
        ++nowNs;
        return room->command(caller(member), frame, nowNs, nowMs);
    }

    RoomSettings settings;
    std::unique_ptr<Room> room;
    qint64 nowNs = 1'700'000'000'000'000'000;
    qint64 nowMs = 1'700'000'000'000;
};

// What a pv >= 2 client does with a delta: replace or add the one user it carries.
void apply(QList<WireUser> &list, const ServerFrame &delta)
{
    const WireUser &changed = delta.users->first();
    for (WireUser &user : list) {
        if (user.id == changed.id) {
            user = changed;
            return;
        }
    }
    list.append(changed);
}

} // namespace

class TestMemberDeltas : public QObject
{
    Q_OBJECT

private slots:
    void joinSendsDeltaToExtendedAndFullListToLegacy()
    {
        DeltaRoom f;
        Member legacy{1, 1}, extended{2, 2}, joiner{3, 2};
        f.join(legacy);
        f.join(extended);
        const qint64 before = f.room->memberVersion();
        const RoomResult result = f.join(joiner, QStringLiteral("Zoe"));
        QCOMPARE(f.room->memberVersion(), before + 1);

        const QList<RoomSend> full = sendsOf(result, "R_M_CH");
        QCOMPARE(full.size(), 2); // v1 members' list, and the joiner's own (with its version)
        QCOMPARE(full[0].to, RoomSend::To::Others);
        QCOMPARE(full[0].audience, RoomSend::Audience::Legacy);
        QVERIFY(!decode(full[0]).memberVersion); // exactly as v1 had it
        QCOMPARE(full[1].to, RoomSend::To::Sender);
        QCOMPARE(decode(full[1]).memberVersion, f.room->memberVersion());

        const QList<RoomSend> deltas = sendsOf(result, "R_M_D");
        QCOMPARE(deltas.size(), 1);
        QCOMPARE(deltas[0].to, RoomSend::To::Others);
        QCOMPARE(deltas[0].audience, RoomSend::Audience::Extended);
        const ServerFrame delta = decode(deltas[0]);
        QCOMPARE(delta.memberVersion, f.room->memberVersion());
        QCOMPARE(delta.memberAction, QStringLiteral("j"));
        QCOMPARE(delta.users->size(), 1);
        QCOMPARE(delta.users->first().id, joiner.userId);
        QCOMPARE(delta.users->first().name, QStringLiteral("Zoe"));
        QVERIFY(delta.users->first().online);
        QVERIFY(f.room->isExtendedMember(2) && f.room->isExtendedMember(3));
        QVERIFY(!f.room->isExtendedMember(1));

        // A v1 joiner's own list has no version key.
        Member late{4, 1};
        QVERIFY(!decode(sendsOf(f.join(late), "R_M_CH").last()).memberVersion);
    }

    // The point of the deltas: in a room of pv >= 2 members a join costs one small frame per
    // member, and the full list is not even serialised for them.
    void extendedRoomSerialisesNoFullListPerJoin()
    {
        DeltaRoom f;
        QList<Member> members;
        for (quint64 i = 1; i <= 300; ++i) {
            members.append(Member(i, 2));
            f.join(members.last());
        }
        Member joiner{1000, 2};
        const RoomResult result = f.join(joiner);
        const QList<RoomSend> full = sendsOf(result, "R_M_CH");
        QCOMPARE(full.size(), 1);
        QCOMPARE(full[0].to, RoomSend::To::Sender);
        const QList<RoomSend> deltas = sendsOf(result, "R_M_D");
        QCOMPARE(deltas.size(), 1);
        qInfo("full list %lld bytes, delta %lld bytes at %lld members", qint64(full[0].json.size()),
              qint64(deltas[0].json.size()), qint64(f.room->memberCount()));
        QVERIFY(deltas[0].json.size() < 200);
        QVERIFY(full[0].json.size() > 300 * 60);
    }

    void versionRisesWithEveryChangeAndDeltasRebuildTheList()
    {
        DeltaRoom f;
        Member watcher{1, 2}, other{2, 2}, authorised{3, 1};
        const RoomResult first = f.join(watcher);
        QList<WireUser> list = *decode(sendsOf(first, "R_M_CH").first()).users;
        qint64 version = *decode(sendsOf(first, "R_M_CH").first()).memberVersion;

        QList<ServerFrame> seen;
        auto collect = [&seen](const RoomResult &result) {
            for (const RoomSend &send : sendsOf(result, "R_M_D"))
                seen.append(decode(send));
        };
        collect(f.join(other));                                   // j
        collect(f.run(other, "R_CH_UN", QStringLiteral("Max")));  // r
        collect(f.join(authorised, QStringLiteral("Ann"), true)); // a (authorised only)
        collect(f.room->leave(other.connection, ++f.nowNs));      // l
        QStringList actions;
        for (const ServerFrame &delta : seen) {
            actions << *delta.memberAction;
            QCOMPARE(*delta.memberVersion, version + 1); // no gaps, no repeats
            version = *delta.memberVersion;
            apply(list, delta);
        }
        QCOMPARE(actions.join(u','), QStringLiteral("j,r,a,l"));
        QCOMPARE(version, f.room->memberVersion());

        // The deltas rebuilt exactly the list the server would send now.
        const RoomResult full = f.run(watcher, "R_M_G");
        const ServerFrame fresh = decode(sendsOf(full, "R_M_CH").first());
        QCOMPARE(fresh.memberVersion, f.room->memberVersion());
        QCOMPARE(list, *fresh.users);
        const WireUser &max = list[2];
        QCOMPARE(max.name, QStringLiteral("Max"));
        QVERIFY(!max.online);
    }

    // A client that saw a gap asks with R_M_G and gets the full list (with its version) and RP;
    // the request is pv >= 2 only and for members only.
    void membersRequestAnswersWithFullList()
    {
        DeltaRoom f;
        Member extended{1, 2}, legacy{2, 1}, outsider{3, 2};
        f.join(extended);
        f.join(legacy);
        const RoomResult result = f.run(extended, "R_M_G");
        QCOMPARE(result.sends.size(), 2);
        QCOMPARE(result.sends[0].to, RoomSend::To::Sender);
        const ServerFrame full = decode(result.sends[0]);
        QCOMPARE(full.command, QStringLiteral("R_M_CH"));
        QCOMPARE(full.memberVersion, f.room->memberVersion());
        QCOMPARE(full.users->size(), 3); // external user and both members
        QCOMPARE(decode(result.sends[1]).command, QStringLiteral("RP"));

        QVERIFY(f.run(legacy, "R_M_G").sends.isEmpty()); // an unknown code to v1
        const RoomResult refused = f.run(outsider, "R_M_G");
        QCOMPARE(refused.error, ErrorCode::NotAuthorised);
    }

    void membersRequestCostsAMessageToken()
    {
        DeltaRoom f;
        f.settings.rateLimits = true;
        f.settings.messageBurst = 2;
        f.settings.messagesPerSecond = 0.001;
        f.room = std::make_unique<Room>(QStringLiteral("room"), QUuid::createUuid(), PasswordHash(),
                                        f.settings, f.nowNs);
        Member extended{1, 2};
        f.join(extended);
        QCOMPARE(f.run(extended, "R_M_G").error, ErrorCode::None);
        QCOMPARE(f.run(extended, "R_M_G").error, ErrorCode::None);
        const RoomResult limited = f.run(extended, "R_M_G");
        QCOMPARE(limited.error, ErrorCode::RateLimited);
        QVERIFY(sendsOf(limited, "R_M_CH").isEmpty());
    }

    void typingGoesToOtherExtendedMembersAtMostEveryInterval()
    {
        DeltaRoom f;
        Member typist{1, 2}, reader{2, 2}, legacy{3, 1};
        f.join(typist);
        f.join(reader);
        f.join(legacy);
        const qint64 version = f.room->memberVersion();

        const RoomResult first = f.run(typist, "TY");
        QCOMPARE(first.sends.size(), 1);
        QCOMPARE(first.sends[0].to, RoomSend::To::Others);
        QCOMPARE(first.sends[0].audience, RoomSend::Audience::Extended);
        const ServerFrame signal = decode(first.sends[0]);
        QCOMPARE(signal.command, QStringLiteral("TY"));
        QCOMPARE(signal.userId, typist.userId);
        QVERIFY(!signal.requestId);

        // Within the interval: dropped without an answer (no ER, no RP).
        f.nowMs += f.settings.typingIntervalMs - 1;
        QVERIFY(f.run(typist, "TY").sends.isEmpty());
        // Another member has a budget of its own.
        QCOMPARE(f.run(reader, "TY").sends.size(), 1);
        f.nowMs += 1;
        QCOMPARE(f.run(typist, "TY").sends.size(), 1);

        // Never stored, and no change of the member list.
        QCOMPARE(f.room->messageCount(), 0);
        QCOMPARE(f.room->memberVersion(), version);
        QVERIFY(f.room->allMessagesFrame(1).contains("\"m\":[]"));

        f.nowMs += f.settings.typingIntervalMs;
        QVERIFY(f.run(legacy, "TY").sends.isEmpty()); // unknown to v1: no reply
        Member outsider{9, 2};
        QCOMPARE(f.run(outsider, "TY").error, ErrorCode::NotAuthorised);
    }

    void typingAloneIsNotSerialised()
    {
        DeltaRoom f;
        Member typist{1, 2}, legacy{2, 1};
        f.join(typist);
        f.join(legacy);
        QVERIFY(f.run(typist, "TY").sends.isEmpty()); // no other pv >= 2 member to tell
    }

    // A replaced connection of the same session no longer counts as a pv >= 2 member.
    void replacedConnectionLeavesTheExtendedClass()
    {
        DeltaRoom f;
        Member member{1, 2};
        f.join(member);
        Member again = member;
        again.connection = 2;
        again.protocolVersion = 1;
        f.join(again);
        QVERIFY(!f.room->isExtendedMember(1));
        QVERIFY(!f.room->isExtendedMember(2));
    }
};

QTEST_GUILESS_MAIN(TestMemberDeltas)
#include "tst_roommemberdeltas.moc"
