// RoomMap: placements and per-server counts, a server going out, renaming, rebuilding from a
// server's room list (with the grace for fresh placements), the rooms in transit, and the
// replica rules (set, cleared by a move, by the death of either server, read from copy lists),
// and which entries are confirmed (the holder has the room).

#include "registry/RoomMap.h"

#include <QtTest>

using namespace ic::balancer;
using namespace Qt::StringLiterals;

namespace {

// "r1=a r2=b" -> placements at time 0.
RoomMap mapOf(const QString &placements)
{
    RoomMap map;
    for (const QString &pair : placements.split(u' ', Qt::SkipEmptyParts))
        map.assign(pair.section(u'=', 0, 0), pair.section(u'=', 1), 0);
    return map;
}

QString describe(const RoomMap &map, const QStringList &rooms)
{
    QStringList parts;
    for (const QString &room : rooms) {
        if (map.contains(room))
            parts.append(room + u'=' + map.holder(room));
    }
    return parts.join(u' ');
}

} // namespace

class TestRoomMap : public QObject
{
    Q_OBJECT

private slots:
    void placementsAndCounts_data()
    {
        QTest::addColumn<QString>("placements");
        QTest::addColumn<QString>("dropServer"); // empty: none
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("countA");
        QTest::addColumn<int>("countB");
        QTest::newRow("two servers")
            << u"r1=a r2=a r3=b"_s << QString() << u"r1=a r2=a r3=b"_s << 2 << 1;
        QTest::newRow("moved room counted once")
            << u"r1=a r1=b"_s << QString() << u"r1=b"_s << 0 << 1;
        QTest::newRow("a goes out") << u"r1=a r2=a r3=b"_s << u"a"_s << u"r3=b"_s << 0 << 1;
        QTest::newRow("unknown server goes out") << u"r1=a"_s << u"z"_s << u"r1=a"_s << 1 << 0;
    }

    void placementsAndCounts()
    {
        QFETCH(QString, placements);
        QFETCH(QString, dropServer);
        QFETCH(QString, expected);
        QFETCH(int, countA);
        QFETCH(int, countB);
        RoomMap map = mapOf(placements);
        const int before = map.size();
        if (!dropServer.isEmpty())
            QCOMPARE(map.dropServer(dropServer), before - int(expected.split(u' ').size()));
        QCOMPARE(describe(map, {u"r1"_s, u"r2"_s, u"r3"_s}), expected);
        QCOMPARE(map.roomCount(u"a"_s), countA);
        QCOMPARE(map.roomCount(u"b"_s), countB);
    }

    void roomList_data()
    {
        QTest::addColumn<QString>("placements"); // at time 0
        QTest::addColumn<QString>("held");       // b's list
        QTest::addColumn<qint64>("nowMs");
        QTest::addColumn<bool>("aLive");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<int>("conflicts");
        const qint64 fresh = RoomMap::unconfirmedPlacementMs;
        QTest::newRow("new rooms join the map")
            << QString() << u"r1 r2"_s << qint64(1) << true << u"r1=b r2=b"_s << 0;
        QTest::newRow("a fresh placement b does not hold yet stays")
            << u"r1=b"_s << QString() << fresh << true << u"r1=b"_s << 0;
        QTest::newRow("an old placement b does not hold leaves")
            << u"r1=b"_s << QString() << fresh + 1 << true << QString() << 0;
        QTest::newRow("a room of a dead server is taken over")
            << u"r1=a"_s << u"r1"_s << qint64(1) << false << u"r1=b"_s << 0;
        QTest::newRow("a room of a live server is kept there")
            << u"r1=a"_s << u"r1"_s << qint64(1) << true << u"r1=a"_s << 1;
        QTest::newRow("other servers' rooms are untouched")
            << u"r2=a"_s << QString() << fresh * 10 << true << u"r2=a"_s << 0;
    }

    void roomList()
    {
        QFETCH(QString, placements);
        QFETCH(QString, held);
        QFETCH(qint64, nowMs);
        QFETCH(bool, aLive);
        QFETCH(QString, expected);
        QFETCH(int, conflicts);
        RoomMap map = mapOf(placements);
        const QStringList heldRooms = held.split(u' ', Qt::SkipEmptyParts);
        QStringList found;
        map.applyRoomList(
            u"b"_s, QSet<QString>(heldRooms.begin(), heldRooms.end()), nowMs,
            [aLive](const QString &id) { return id == u"b" || (id == u"a" && aLive); }, &found);
        QCOMPARE(describe(map, {u"r1"_s, u"r2"_s}), expected);
        QCOMPARE(int(found.size()), conflicts);
        int total = 0;
        for (const QString &id : {u"a"_s, u"b"_s})
            total += map.roomCount(id);
        QCOMPARE(total, map.size()); // counts stay consistent
    }

    void transits_data()
    {
        QTest::addColumn<QString>("server");
        QTest::addColumn<QStringList>("involved");
        QTest::newRow("source") << u"a"_s << QStringList{u"r1"_s, u"r2"_s};
        QTest::newRow("target") << u"c"_s << QStringList{u"r2"_s, u"r3"_s};
        QTest::newRow("both roles") << u"b"_s << QStringList{u"r1"_s, u"r3"_s};
        QTest::newRow("uninvolved") << u"z"_s << QStringList{};
    }

    void transits()
    {
        QFETCH(QString, server);
        QFETCH(QStringList, involved);
        RoomMap map;
        map.beginTransit(u"r1"_s, u"a"_s, u"b"_s, 0);
        map.beginTransit(u"r2"_s, u"a"_s, u"c"_s, 1000);
        map.beginTransit(u"r3"_s, u"b"_s, u"c"_s, 2000);
        QStringList rooms = map.transitsOf(server);
        rooms.sort();
        QCOMPARE(rooms, involved);
        QCOMPARE(map.transitCount(), 3);
        QStringList old = map.transitsOlderThan(61500, 60000);
        old.sort();
        QCOMPARE(old, (QStringList{u"r1"_s, u"r2"_s}));
        map.renameServer(u"a"_s, u"a2"_s);
        QCOMPARE(map.transit(u"r1"_s)->from, u"a2"_s);
        map.endTransit(u"r1"_s);
        QVERIFY(!map.inTransit(u"r1"_s));
        QVERIFY(!map.transit(u"r1"_s));
    }

    // r1 on a with its copy on b, r2 on b with its copy on a, then one step.
    void replicas_data()
    {
        QTest::addColumn<QString>("step");
        QTest::addColumn<QString>("replicaR1"); // afterwards
        QTest::addColumn<QString>("replicaR2");
        QTest::addColumn<int>("replicated");
        QTest::addColumn<int>("copiesOnB");
        QTest::newRow("as set") << u"none"_s << u"b"_s << u"a"_s << 2 << 1;
        QTest::newRow("placed again on the same server keeps it")
            << u"assign r1 a"_s << u"b"_s << u"a"_s << 2 << 1;
        QTest::newRow("a move (handoff done, promotion) clears it")
            << u"assign r1 c"_s << QString() << u"a"_s << 1 << 0;
        QTest::newRow("moved onto its own copy's server clears it")
            << u"assign r1 b"_s << QString() << u"a"_s << 1 << 0;
        QTest::newRow("the copy's server goes out")
            << u"clear b"_s << QString() << u"a"_s << 1 << 0;
        QTest::newRow("the holder goes out") << u"drop a"_s << QString() << QString() << 0 << 0;
        QTest::newRow("forgotten room") << u"forget r1"_s << QString() << u"a"_s << 1 << 0;
        QTest::newRow("a copy on the holder itself is refused")
            << u"replica r1 a"_s << u"b"_s << u"a"_s << 2 << 1;
        QTest::newRow("a copy list does not replace a known replica")
            << u"copies c r1"_s << u"b"_s << u"a"_s << 2 << 1;
        QTest::newRow("renamed copy server") << u"rename b b2"_s << u"b2"_s << u"a"_s << 2 << 0;
    }

    void replicas()
    {
        QFETCH(QString, step);
        QFETCH(QString, replicaR1);
        QFETCH(QString, replicaR2);
        QFETCH(int, replicated);
        QFETCH(int, copiesOnB);
        RoomMap map = mapOf(u"r1=a r2=b"_s);
        QVERIFY(map.setReplica(u"r1"_s, u"b"_s));
        QVERIFY(map.setReplica(u"r2"_s, u"a"_s));
        QVERIFY(!map.setReplica(u"unknown"_s, u"a"_s));
        const QStringList words = step.split(u' ');
        if (words[0] == u"assign")
            map.assign(words[1], words[2], 1);
        else if (words[0] == u"clear")
            QCOMPARE(map.clearReplicasOn(words[1]), 1);
        else if (words[0] == u"drop")
            map.dropServer(words[1]);
        else if (words[0] == u"forget")
            map.forget(words[1]);
        else if (words[0] == u"replica")
            QVERIFY(!map.setReplica(words[1], words[2]));
        else if (words[0] == u"copies")
            map.applyReplicaList(words[1], {words[2]});
        else if (words[0] == u"rename")
            map.renameServer(words[1], words[2]);
        QCOMPARE(map.replica(u"r1"_s), replicaR1);
        QCOMPARE(map.replica(u"r2"_s), replicaR2);
        QCOMPARE(map.replicatedCount(), replicated);
        QCOMPARE(map.replicaCount(u"b"_s), copiesOnB);
        // Fast detection watches holders of replicated rooms: the counts agree.
        QCOMPARE(map.replicatedRoomsOf(u"a"_s) + map.replicatedRoomsOf(u"b"_s) +
                     map.replicatedRoomsOf(u"b2"_s) + map.replicatedRoomsOf(u"c"_s),
                 replicated);
    }

    // Which map entries are confirmed (the holder showed it has the room), after one step on
    // r1, placed on a for /pick_backend (unconfirmed) at time 0. Only confirmed rooms count as
    // lost when their server dies.
    void confirmation_data()
    {
        QTest::addColumn<QString>("step");
        QTest::addColumn<bool>("confirmed");
        QTest::newRow("a placement alone") << u"none"_s << false;
        QTest::newRow("its holder lists it") << u"list a r1"_s << true;
        QTest::newRow("another live server lists it (conflict)") << u"list b r1"_s << false;
        QTest::newRow("its holder lists other rooms") << u"list a r2"_s << false;
        QTest::newRow("its holder asks something about it") << u"confirm"_s << true;
        QTest::newRow("a copy of it is reported") << u"copies b r1"_s << true;
        QTest::newRow("moved to a server that has it") << u"move c 1"_s << true;
        QTest::newRow("placed anew elsewhere") << u"move c 0"_s << false;
        QTest::newRow("confirmed, then placed anew") << u"confirm move c 0"_s << false;
        QTest::newRow("confirmed, then renamed holder") << u"confirm rename a a2"_s << true;
    }

    void confirmation()
    {
        QFETCH(QString, step);
        QFETCH(bool, confirmed);
        RoomMap map = mapOf(u"r1=a"_s);
        QVERIFY(!map.confirmed(u"r1"_s));
        QStringList words = step.split(u' ');
        while (!words.isEmpty()) {
            const QString verb = words.takeFirst();
            if (verb == u"list") {
                const QString server = words.takeFirst();
                map.applyRoomList(server, {words.takeFirst()}, 1,
                                  [](const QString &) { return true; });
            } else if (verb == u"confirm") {
                map.confirm(u"r1"_s);
            } else if (verb == u"copies") {
                const QString server = words.takeFirst();
                map.applyReplicaList(server, {words.takeFirst()});
            } else if (verb == u"move") {
                const QString server = words.takeFirst();
                map.assign(u"r1"_s, server, 1, words.takeFirst() == u"1");
            } else if (verb == u"rename") {
                const QString from = words.takeFirst();
                map.renameServer(from, words.takeFirst());
            }
        }
        QVERIFY(map.contains(u"r1"_s));
        QCOMPARE(map.confirmed(u"r1"_s), confirmed);
        QVERIFY(!map.confirmed(u"unknown"_s));
        map.confirm(u"unknown"_s); // not placed: nothing to confirm
        QVERIFY(!map.contains(u"unknown"_s));
    }

    // Copy lists read before the holder's room list (a balancer restart) wait for the room.
    void copyListBeforeRoomList()
    {
        RoomMap map;
        map.applyReplicaList(u"b"_s, {u"r1"_s});
        QCOMPARE(map.size(), 0); // a copy alone places nothing
        map.applyRoomList(u"a"_s, {u"r1"_s}, 0, [](const QString &) { return true; });
        QCOMPARE(map.holder(u"r1"_s), u"a"_s);
        QCOMPARE(map.replica(u"r1"_s), u"b"_s);
        // The copy's server reporting again without it forgets the pending hint, not the replica.
        map.applyReplicaList(u"c"_s, {u"r9"_s});
        map.clearReplicasOn(u"c"_s);
        map.applyRoomList(u"a"_s, {u"r1"_s, u"r9"_s}, 0, [](const QString &) { return true; });
        QCOMPARE(map.replica(u"r9"_s), QString());
    }
};

QTEST_GUILESS_MAIN(TestRoomMap)
#include "tst_roommap.moc"
