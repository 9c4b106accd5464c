// docs/protocol.md §5 room commands (R_C_J, R_C_J_AU, R_C, R_J, R_CH_UN, R_CH_D), the join reply
// order, R_M_CH to the others and the room-level error codes of §6.

#include "ServerFixture.h"

using namespace ic::testing;
using ic::validation::urlEncode;

namespace {

const QString nilUuid = QStringLiteral("00000000-0000-0000-0000-000000000000");

} // namespace

class RoomsTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;

    Peer peer(QByteArray cookie = {})
    {
        Peer p = connectPeer(*m_server, this, cookie);
        if (!p)
            qWarning("client did not connect");
        return p;
    }

    // Joins and returns the RP (or nullopt when the join failed).
    static std::optional<ServerFrame> joined(const Peer &p, const QString &room,
                                             const QString &password = {}, const QString &name = {})
    {
        const auto reply = p.reply(p.client->createAndJoin(room, password, name));
        if (!reply || reply->kind() != Command::Reply)
            return std::nullopt;
        return reply;
    }

private slots:
    void init()
    {
        m_server = startServer({QStringLiteral("--max-users"), QStringLiteral("3")});
        QVERIFY(m_server);
    }
    void cleanup()
    {
        qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly));
        m_server.reset();
    }

    // §5 Join: R_M_CH (bN), ALL_TM (bN), R_CH_D, then RP with pd, rId, uId, cAt, bN — in that
    // order, nothing in between; R_M_CH lists the joiner online and the external user.
    void joinReplyOrder()
    {
        Peer a = peer();
        QVERIFY(a);
        const qint64 before = ic::proto::nowNanoseconds();
        const qsizetype from = a.frames->size();
        const QString rq = a.client->createAndJoin(QStringLiteral("order-room"));
        const auto rp = a.reply(rq);
        const qint64 after = ic::proto::nowNanoseconds();
        IC_VERIFY_RP(rp);
        const QList<ServerFrame> frames = a.frames->frames().mid(from);
        QVERIFY2(frames.size() >= 4, QByteArray::number(frames.size()).constData());
        QCOMPARE(frames.at(0).command, QStringLiteral("R_M_CH"));
        QCOMPARE(frames.at(1).command, QStringLiteral("ALL_TM"));
        QCOMPARE(frames.at(2).command, QStringLiteral("R_CH_D"));
        QCOMPARE(frames.at(3).command, QStringLiteral("RP"));
        QCOMPARE(frames.at(3).requestId, std::optional<QString>(rq));

        QVERIFY2(frames.at(0).build && !frames.at(0).build->isEmpty(),
                 dump(frames.at(0)).constData());
        QVERIFY2(frames.at(1).build && !frames.at(1).build->isEmpty(),
                 dump(frames.at(1)).constData());
        QVERIFY2(!frames.at(1).messages || frames.at(1).messages->isEmpty(),
                 dump(frames.at(1)).constData());

        QCOMPARE(rp->details,
                 std::optional<QString>(QStringLiteral("room_created;password=false")));
        QVERIFY(rp->roomId && !QUuid::fromString(*rp->roomId).isNull());
        QVERIFY(rp->userId && !rp->userId->isEmpty());
        QVERIFY(rp->build && !rp->build->isEmpty());
        QCOMPARE(rp->build, frames.at(0).build);
        QVERIFY2(rp->time && *rp->time >= before - 2'000'000'000LL && *rp->time <= after,
                 "RP cAt is not the room's creation time in ns");

        // R_M_CH, ALL_TM and the join's R_CH_D carry cAt: Unix ns, the time the room was read
        // (the original terminal client reads it from each of them and fails without it).
        for (int i = 0; i < 3; ++i) {
            const ServerFrame &frame = frames.at(i);
            QVERIFY2(frame.time && *frame.time >= before && *frame.time <= after,
                     dump(frame).constData());
        }

        // R_CH_D: exactly one element, empty description, the creator is the joiner, online.
        const ServerFrame &description = frames.at(2);
        QVERIFY(description.messages && description.messages->size() == 1);
        QCOMPARE(description.messages->first().text, std::optional<QString>(QString()));
        QCOMPARE(description.creatorUserId, rp->userId);
        QCOMPARE(description.status, std::optional<QString>(QStringLiteral("online")));

        const auto me = findUser(frames.at(0), *rp->userId);
        QVERIFY2(me, dump(frames.at(0)).constData());
        QVERIFY(me->online);
        QVERIFY(me->anonymous); // no uN given → random anonymous name
        QVERIFY(!me->name.isEmpty());
        // §9: every room's list holds the technical external user.
        const auto external = findUser(frames.at(0), nilUuid);
        QVERIFY2(external, dump(frames.at(0)).constData());
        QCOMPARE(external->name, QStringLiteral("external-user"));
        QCOMPARE(external->anonymous, false);
        QCOMPARE(external->online, false);
    }

    // §5: everyone else receives R_M_CH with the newcomer; the newcomer's pd says room_joined;
    // ALL_TM carries the kept messages in ascending id order.
    void othersReceiveMembersChanged()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        const auto rpA = joined(a, QStringLiteral("members-room"), {}, QStringLiteral("Ann"));
        QVERIFY(rpA);
        IC_VERIFY_RP(
            a.reply(a.client->sendText(QStringLiteral("members-room"), QStringLiteral("one"))));
        IC_VERIFY_RP(
            a.reply(a.client->sendText(QStringLiteral("members-room"), QStringLiteral("two"))));
        const qsizetype fromA = a.frames->size();
        const qsizetype fromB = b.frames->size();
        const auto rpB =
            b.reply(b.client->join(QStringLiteral("members-room"), {}, QStringLiteral("Bob")));
        IC_VERIFY_RP(rpB);
        QCOMPARE(rpB->details,
                 std::optional<QString>(QStringLiteral("room_joined;password=false")));
        QCOMPARE(rpB->roomId, rpA->roomId);
        QVERIFY(rpB->userId != rpA->userId);

        const auto change =
            a.frames->waitForFrame(FrameRecorder::is(Command::MembersChanged), 5000, fromA);
        QVERIFY2(change, "the member already in the room got no R_M_CH");
        const auto bob = findUser(*change, *rpB->userId);
        QVERIFY2(bob, dump(change).constData());
        QCOMPARE(bob->name, QStringLiteral("Bob"));
        QCOMPARE(bob->anonymous, false);
        QCOMPARE(bob->online, true);
        QVERIFY(findUser(*change, *rpA->userId) && findUser(*change, *rpA->userId)->online);
        // The broadcast R_M_CH carries cAt too (ns, not s), and no bN.
        QVERIFY2(change->time && *change->time > 1'000'000'000'000'000'000LL,
                 dump(change).constData());
        QVERIFY2(!change->build, dump(change).constData());

        const auto all =
            b.frames->waitForFrame(FrameRecorder::is(Command::AllMessages), 1000, fromB);
        QVERIFY(all && all->messages);
        QVERIFY2(all->messages->size() == 2, dump(all).constData());
        QCOMPARE(all->messages->at(0).id, std::optional<qint64>(1));
        QCOMPARE(all->messages->at(1).id, std::optional<qint64>(2));
        QCOMPARE(all->messages->at(0).text, std::optional<QString>(QStringLiteral("one")));
        QCOMPARE(all->messages->at(0).userId, rpA->userId);
        QCOMPARE(all->messages->at(0).supportCount, std::optional<qint64>(0));
        QCOMPARE(all->messages->at(0).rejectCount, std::optional<qint64>(0));
        QVERIFY(all->messages->at(0).createdAt &&
                qAbs(*all->messages->at(0).createdAt - ic::proto::nowSeconds()) < 30);
    }

    // §2.3: room names are trimmed and lower-cased: ` Room-X ` and `room-x` are one room.
    void canonicalRoomNames()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        const auto rpA = joined(a, QStringLiteral("  Room-X "));
        QVERIFY(rpA);
        const auto rpB = b.reply(b.client->join(QStringLiteral("room-x")));
        IC_VERIFY_RP(rpB);
        QCOMPARE(rpB->roomId, rpA->roomId);
    }

    // §5 R_C: create only; 201 when it exists. R_J: join only; 202 when missing.
    void createOnlyAndJoinOnly()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        const auto created = a.reply(a.client->create(QStringLiteral("create-only")));
        IC_VERIFY_RP(created);
        QVERIFY2(created->details.value_or(QString()).startsWith(QStringLiteral("room_created")),
                 dump(created).constData());
        // Created but not joined: nothing of a join was sent.
        QCOMPARE(a.frames->count(Command::AllMessages), 0);
        IC_VERIFY_ER(b.reply(b.client->create(QStringLiteral("Create-Only"))),
                     ErrorCode::RoomExists);
        const auto join = b.reply(b.client->join(QStringLiteral("create-only")));
        IC_VERIFY_RP(join);
        QCOMPARE(join->details,
                 std::optional<QString>(QStringLiteral("room_joined;password=false")));
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("no-such-room"))),
                     ErrorCode::RoomNotFound);
    }

    // §5 R_C_J_AU: authorisation only — RP with pd/rId/uId/cAt and no bN, nothing broadcast,
    // not active (TM → 206); a later join needs no password.
    void authoriseOnly()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        const auto rpA = joined(a, QStringLiteral("auth-room"), QStringLiteral("secret"));
        QVERIFY(rpA);
        QCOMPARE(rpA->details,
                 std::optional<QString>(QStringLiteral("room_created;password=true")));
        const qsizetype fromA = a.frames->size();
        const qsizetype fromB = b.frames->size();
        const auto auth = b.reply(b.client->authorise(
            QStringLiteral("auth-room"), QStringLiteral("secret"), QStringLiteral("Bea")));
        IC_VERIFY_RP(auth);
        QCOMPARE(auth->details,
                 std::optional<QString>(QStringLiteral("room_joined;password=true")));
        QCOMPARE(auth->roomId, rpA->roomId);
        QVERIFY(auth->userId && !auth->userId->isEmpty());
        QVERIFY(auth->time.has_value());
        QVERIFY2(!auth->build, dump(auth).constData());
        // Only the RP reached B; nothing reached A.
        QCOMPARE(b.frames->size() - fromB, 1);
        settle(500);
        QCOMPARE(a.frames->size() - fromA, 0);
        IC_VERIFY_ER(b.reply(b.client->sendText(QStringLiteral("auth-room"), QStringLiteral("x"))),
                     ErrorCode::NotAuthorised);
        // Authorised: the join needs no password, keeps the identity and the name.
        const auto join = b.reply(b.client->join(QStringLiteral("auth-room")));
        IC_VERIFY_RP(join);
        QCOMPARE(join->userId, auth->userId);
        const auto members =
            a.frames->waitForFrame(FrameRecorder::is(Command::MembersChanged), 5000, fromA);
        QVERIFY(members);
        const auto bea = findUser(*members, *auth->userId);
        QVERIFY(bea && bea->online);
        QCOMPARE(bea->name, QStringLiteral("Bea"));
    }

    // §5 Join password rules → 203.
    void passwords()
    {
        Peer a = peer(), b = peer(), c = peer();
        QVERIFY(a && b && c);
        QVERIFY(joined(a, QStringLiteral("pw-room"), QStringLiteral("secret")));
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("pw-room"))),
                     ErrorCode::InvalidPassword);
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("pw-room"), QStringLiteral("wrong"))),
                     ErrorCode::InvalidPassword);
        IC_VERIFY_ER(
            b.reply(b.client->createAndJoin(QStringLiteral("pw-room"), QStringLiteral("Secret"))),
            ErrorCode::InvalidPassword);
        const auto ok =
            b.reply(b.client->join(QStringLiteral("pw-room"), QStringLiteral("secret")));
        IC_VERIFY_RP(ok);
        QCOMPARE(ok->details, std::optional<QString>(QStringLiteral("room_joined;password=true")));
        // An authorised session that sends a non-empty wrong password is still refused.
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("pw-room"), QStringLiteral("nope"))),
                     ErrorCode::InvalidPassword);
        // A room without password refuses a non-empty password that does not match.
        QVERIFY(joined(c, QStringLiteral("open-room")));
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("open-room"), QStringLiteral("guess"))),
                     ErrorCode::InvalidPassword);
        // §6: password > 100 characters.
        IC_VERIFY_ER(c.reply(c.client->createAndJoin(QStringLiteral("long-pw-room"),
                                                     QString(101, QLatin1Char('p')))),
                     ErrorCode::InvalidPassword);
    }

    // §6 room names: 301 length, 302 reserved (case-insensitive), 303 characters.
    void roomNameErrors_data()
    {
        QTest::addColumn<QString>("room");
        QTest::addColumn<int>("code");
        QTest::newRow("too short") << QStringLiteral("ab") << 301;
        QTest::newRow("short after trim") << QStringLiteral("  ab  ") << 301;
        QTest::newRow("empty") << QString() << 301;
        QTest::newRow("too long") << QString(101, QLatin1Char('r')) << 301;
        QTest::newRow("reserved metrics") << QStringLiteral("metrics") << 302;
        QTest::newRow("reserved WS_ENTRY") << QStringLiteral("WS_ENTRY") << 302;
        QTest::newRow("reserved healthz") << QStringLiteral("healthz") << 302;
        QTest::newRow("slash") << QStringLiteral("bad/name") << 303;
        QTest::newRow("space inside") << QStringLiteral("bad name") << 303;
        QTest::newRow("question mark") << QStringLiteral("what?") << 303;
    }
    void roomNameErrors()
    {
        QFETCH(QString, room);
        QFETCH(int, code);
        Peer a = peer();
        QVERIFY(a);
        const auto reply = a.reply(a.client->createAndJoin(room));
        IC_VERIFY_ER(reply, ErrorCode(code));
    }
    void validRoomNames_data()
    {
        QTest::addColumn<QString>("room");
        QTest::newRow("min length") << QStringLiteral("abc");
        QTest::newRow("max length") << QString(100, QLatin1Char('m'));
        QTest::newRow("punctuation") << QStringLiteral("a!@$*()_-,.~[]z");
        QTest::newRow("unicode letters") << QStringLiteral("Zürich-Чат-東京");
    }
    void validRoomNames()
    {
        QFETCH(QString, room);
        Peer a = peer();
        QVERIFY(a);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(room)));
    }

    // §6 user names on join: reserved → 204, taken (case-folded) → 204, length → 205.
    void userNameErrorsOnJoin()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        QVERIFY(joined(a, QStringLiteral("names-room"), {}, QStringLiteral("Ann")));
        IC_VERIFY_ER(
            b.reply(b.client->join(QStringLiteral("names-room"), {}, QStringLiteral("ANN"))),
            ErrorCode::UserNameTaken);
        IC_VERIFY_ER(
            b.reply(b.client->join(QStringLiteral("names-room"), {}, QStringLiteral("Admin"))),
            ErrorCode::UserNameTaken);
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("names-room"), {},
                                            QStringLiteral("external-user"))),
                     ErrorCode::UserNameTaken);
        IC_VERIFY_ER(b.reply(b.client->join(QStringLiteral("names-room"), {},
                                            QString(81, QLatin1Char('n')))),
                     ErrorCode::UserNameLength);
        IC_VERIFY_RP(b.reply(
            b.client->join(QStringLiteral("names-room"), {}, QString(80, QLatin1Char('n')))));
    }

    // §5 R_CH_UN: R_M_CH to everyone before the RP; 204/205; empty → anonymous; 206.
    void renameUser()
    {
        Peer a = peer(), b = peer(), c = peer();
        QVERIFY(a && b && c);
        const auto rpA = joined(a, QStringLiteral("rename-room"), {}, QStringLiteral("Ann"));
        QVERIFY(rpA);
        QVERIFY(joined(b, QStringLiteral("rename-room"), {}, QStringLiteral("Bob")));

        qsizetype fromA = a.frames->size();
        const qsizetype fromB = b.frames->size();
        const QString rq =
            a.client->rename(QStringLiteral("rename-room"), QStringLiteral("  Anna Maria "));
        IC_VERIFY_RP(a.reply(rq));
        const qsizetype broadcastA =
            a.frames->indexOf(FrameRecorder::is(Command::MembersChanged), fromA);
        const qsizetype replyA = a.frames->indexOf(FrameRecorder::isReplyTo(rq), fromA);
        QVERIFY2(broadcastA >= 0 && broadcastA < replyA,
                 "R_M_CH must reach the sender before its RP");
        const auto seen =
            b.frames->waitForFrame(FrameRecorder::is(Command::MembersChanged), 5000, fromB);
        QVERIFY(seen);
        const auto ann = findUser(*seen, *rpA->userId);
        QVERIFY(ann);
        // Trimmed; stored as sent (URL-encoded) or decoded — both name the same person.
        QVERIFY2(ann->name == QStringLiteral("Anna%20Maria") ||
                     ann->name == QStringLiteral("Anna Maria"),
                 qPrintable(ann->name));
        QCOMPARE(ann->anonymous, false);

        IC_VERIFY_ER(
            a.reply(a.client->rename(QStringLiteral("rename-room"), QStringLiteral("bob"))),
            ErrorCode::UserNameTaken);
        IC_VERIFY_ER(
            a.reply(a.client->rename(QStringLiteral("rename-room"), QStringLiteral("Moderator"))),
            ErrorCode::UserNameTaken);
        IC_VERIFY_ER(
            a.reply(a.client->rename(QStringLiteral("rename-room"), QString(81, QLatin1Char('x')))),
            ErrorCode::UserNameLength);
        // Empty → a new random anonymous name.
        fromA = a.frames->size();
        IC_VERIFY_RP(a.reply(a.client->rename(QStringLiteral("rename-room"), QString())));
        const auto anonymous =
            a.frames->waitForFrame(FrameRecorder::is(Command::MembersChanged), 1000, fromA);
        QVERIFY(anonymous);
        QVERIFY(findUser(*anonymous, *rpA->userId)->anonymous);
        // A session never authorised in the room.
        IC_VERIFY_ER(
            c.reply(c.client->rename(QStringLiteral("rename-room"), QStringLiteral("Cid"))),
            ErrorCode::NotAuthorised);
    }

    // §5 R_CH_D: creator only (103), ≤ 400 decoded characters (304); broadcast with rCuId and sS.
    void changeDescription()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        const auto rpA = joined(a, QStringLiteral("desc-room"));
        QVERIFY(rpA);
        QVERIFY(joined(b, QStringLiteral("desc-room")));
        const qsizetype fromA = a.frames->size();
        const qsizetype fromB = b.frames->size();
        const QString rq = a.client->changeDescription(QStringLiteral("desc-room"),
                                                       QStringLiteral("Hello & welcome"));
        IC_VERIFY_RP(a.reply(rq));
        const qsizetype broadcastA =
            a.frames->indexOf(FrameRecorder::is(Command::ChangeDescription), fromA);
        QVERIFY2(broadcastA >= 0 &&
                     broadcastA < a.frames->indexOf(FrameRecorder::isReplyTo(rq), fromA),
                 "R_CH_D must reach the sender before its RP");
        const auto seen =
            b.frames->waitForFrame(FrameRecorder::is(Command::ChangeDescription), 5000, fromB);
        QVERIFY(seen && seen->messages && seen->messages->size() == 1);
        QCOMPARE(seen->messages->first().text,
                 std::optional<QString>(urlEncode(u"Hello & welcome")));
        QCOMPARE(seen->creatorUserId, rpA->userId);
        QCOMPARE(seen->status, std::optional<QString>(QStringLiteral("online")));

        IC_VERIFY_ER(b.reply(b.client->changeDescription(QStringLiteral("desc-room"),
                                                         QStringLiteral("mine"))),
                     ErrorCode::InvalidInput);
        IC_VERIFY_ER(a.reply(a.client->changeDescription(QStringLiteral("desc-room"),
                                                         QString(401, QChar(0xe9)))),
                     ErrorCode::DescriptionLength);
        IC_VERIFY_RP(a.reply(
            a.client->changeDescription(QStringLiteral("desc-room"), QString(400, QChar(0xe9)))));
        // A new joiner sees the description in its R_CH_D.
        Peer c = peer();
        QVERIFY(c);
        QVERIFY(joined(c, QStringLiteral("desc-room")));
        const auto joinDescription =
            c.frames->waitForFrame(FrameRecorder::is(Command::ChangeDescription), 1000);
        QVERIFY(joinDescription && joinDescription->messages);
        QCOMPARE(joinDescription->messages->first().text,
                 std::optional<QString>(urlEncode(QString(400, QChar(0xe9)))));
    }

    // §6 active users per room (3 here) → 208; a session already active is never refused.
    void roomFull()
    {
        Peer a = peer(), b = peer(), c = peer(), d = peer();
        QVERIFY(a && b && c && d);
        QVERIFY(joined(a, QStringLiteral("full-room")));
        QVERIFY(joined(b, QStringLiteral("full-room")));
        QVERIFY(joined(c, QStringLiteral("full-room")));
        IC_VERIFY_ER(d.reply(d.client->join(QStringLiteral("full-room"))), ErrorCode::RoomFull);
        // A again, from a second socket of the same session.
        Peer a2 = peer(a.cookie);
        QVERIFY(a2);
        IC_VERIFY_RP(a2.reply(a2.client->join(QStringLiteral("full-room"))));
    }

    // §5 active-member checks: 202 missing room, 206 not a member, 102 not the member's socket.
    void activeMemberChecks()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        IC_VERIFY_ER(
            a.reply(a.client->sendText(QStringLiteral("nowhere-room"), QStringLiteral("x"))),
            ErrorCode::RoomNotFound);
        QVERIFY(joined(a, QStringLiteral("member-room")));
        IC_VERIFY_ER(
            b.reply(b.client->sendText(QStringLiteral("member-room"), QStringLiteral("x"))),
            ErrorCode::NotAuthorised);
        // Same session, second socket that did not join: the member is active, but on another
        // socket.
        Peer a2 = peer(a.cookie);
        QVERIFY(a2);
        IC_VERIFY_ER(
            a2.reply(a2.client->sendText(QStringLiteral("member-room"), QStringLiteral("x"))),
            ErrorCode::ConnectionError);
        QCOMPARE(a2.client->state(), ChatClient::State::Connected); // a real 102, not a lost socket
        IC_VERIFY_RP(
            a.reply(a.client->sendText(QStringLiteral("member-room"), QStringLiteral("x"))));
    }

    // §3.3: when the user's last socket in the room closes, the room receives R_M_CH with the
    // user offline.
    void userOfflineAfterLastSocketCloses()
    {
        Peer a = peer(), b = peer();
        QVERIFY(a && b);
        QVERIFY(joined(a, QStringLiteral("offline-room")));
        const auto rpB = joined(b, QStringLiteral("offline-room"));
        QVERIFY(rpB);
        const qsizetype fromA = a.frames->size();
        b.client->close();
        const auto change = a.frames->waitForFrame(
            [&](const ServerFrame &f) {
                const auto user = findUser(f, *rpB->userId);
                return f.kind() == Command::MembersChanged && user && !user->online;
            },
            5000, fromA);
        QVERIFY2(change, "no R_M_CH with the user offline");
    }
};

QTEST_GUILESS_MAIN(RoomsTest)
#include "tst_rooms.moc"
