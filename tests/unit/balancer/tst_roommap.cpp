// RoomMap: placements and per-server counts, a server going out, renaming, rebuilding from a
// server's room list (with the grace for fresh placements), and the rooms in transit.

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
};

QTEST_GUILESS_MAIN(TestRoomMap)
#include "tst_roommap.moc"
