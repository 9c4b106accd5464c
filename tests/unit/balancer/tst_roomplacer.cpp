// RoomPlacer: which server a room gets (its live holder, else the best eligible server), the
// sentences when none is possible, the handoff target, readiness, and the placements waiting
// for a room in transit (bounded, answered after maxTransitWaitMs).

#include "registry/RoomPlacer.h"

#include <QLoggingCategory>
#include <QtTest>

using namespace ic::balancer;
using namespace Qt::StringLiterals;

namespace {

// Servers "a", "b", "c" registered with the given connection counts (of 100); `flags` per server:
// d = drained, x = dead, u = room list not read yet.
struct Cluster
{
    Cluster(const QList<int> &connections, const QStringList &flags)
    {
        QLoggingCategory::setFilterRules(u"balancer.info=false\nbalancer.warning=false"_s);
        const QStringList ids{u"a"_s, u"b"_s, u"c"_s};
        for (int i = 0; i < connections.size(); ++i) {
            const QString id = ids.at(i);
            ServerTable::HeartbeatOutcome outcome;
            table.heartbeat({{u"id"_s, id},
                             {u"address"_s, u"10.0.0.%1:8081"_s.arg(i + 1)},
                             {u"load"_s, QJsonObject{{u"connections"_s, connections.at(i)},
                                                     {u"maxConnections"_s, 100}}}},
                            u"10.0.0.%1"_s.arg(i + 1), &outcome);
            const QString f = flags.value(i);
            table.syncStarted(id, 30000);
            if (!f.contains(u'u'))
                table.syncFinished(id, true);
            if (f.contains(u'd'))
                table.setDrained(id, true);
            if (f.contains(u'x'))
                table.setDead(id);
        }
    }
    qint64 now = 0;
    ServerTable table{[this] { return now; }};
    RoomMap rooms;
};

QString answer(const Placement &p)
{
    return p.kind == Placement::Kind::Failed ? u"failed: "_s + p.error : p.server.id;
}

} // namespace

class TestRoomPlacer : public QObject
{
    Q_OBJECT

private slots:
    void decide_data()
    {
        QTest::addColumn<QList<int>>("connections");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("holder"); // the room's server in the map, if any
        QTest::addColumn<QString>("expected");
        QTest::addColumn<bool>("recorded"); // the map has the room afterwards
        QTest::newRow("least loaded")
            << QList<int>{50, 10, 30} << QStringList{} << QString() << u"b"_s << true;
        QTest::newRow("tie: lowest id")
            << QList<int>{10, 10, 10} << QStringList{} << QString() << u"a"_s << true;
        QTest::newRow("drained skipped")
            << QList<int>{50, 10, 30} << QStringList{{}, u"d"_s, {}} << QString() << u"c"_s << true;
        QTest::newRow("dead skipped")
            << QList<int>{50, 10, 30} << QStringList{{}, u"x"_s, {}} << QString() << u"c"_s << true;
        QTest::newRow("room list not read: skipped")
            << QList<int>{50, 10, 30} << QStringList{{}, u"u"_s, {}} << QString() << u"c"_s << true;
        QTest::newRow("above the ceiling") << QList<int>{95, 99} << QStringList{} << QString()
                                           << u"failed: Every chat server is busy right now. "
                                              "Please try again in a minute."_s
                                           << false;
        QTest::newRow("nobody alive") << QList<int>{10} << QStringList{u"x"_s} << QString()
                                      << u"failed: No chat server is available right now. "
                                         "Please try again in a minute."_s
                                      << false;
        QTest::newRow("existing on a live holder, even drained and loaded")
            << QList<int>{95, 10} << QStringList{u"d"_s} << u"a"_s << u"a"_s << true;
        QTest::newRow("holder dead: placed again")
            << QList<int>{10, 20} << QStringList{u"x"_s} << u"a"_s << u"b"_s << true;
    }

    void decide()
    {
        QFETCH(QList<int>, connections);
        QFETCH(QStringList, flags);
        QFETCH(QString, holder);
        QFETCH(QString, expected);
        QFETCH(bool, recorded);
        Cluster c(connections, flags);
        if (!holder.isEmpty())
            c.rooms.assign(u"room"_s, holder, 0);
        RoomPlacer placer(0.9, 0);
        QCOMPARE(answer(placer.decide(u"room"_s, c.table, c.rooms, 0)), expected);
        QCOMPARE(c.rooms.contains(u"room"_s), recorded);
        if (recorded)
            QCOMPARE(c.rooms.holder(u"room"_s), expected);
    }

    void newRoomsAreBounded()
    {
        Cluster c({10}, {});
        RoomPlacer placer(0.9, 1); // 1 per second, burst 10
        int placed = 0;
        for (int i = 0; i < 15; ++i)
            placed += placer.decide(u"room-%1"_s.arg(i), c.table, c.rooms, 0).kind ==
                      Placement::Kind::New;
        QCOMPARE(placed, 10);
        QCOMPARE(answer(placer.decide(u"room-x"_s, c.table, c.rooms, 0)),
                 u"failed: Too many new rooms are being opened right now. Please try again in a "
                 "minute."_s);
        // Existing rooms are answered regardless.
        QCOMPARE(placer.decide(u"room-0"_s, c.table, c.rooms, 0).kind, Placement::Kind::Existing);
    }

    void handoffTarget_data()
    {
        QTest::addColumn<QList<int>>("connections");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<QString>("expected"); // from "a"
        QTest::newRow("least loaded other") << QList<int>{0, 30, 20} << QStringList{} << u"c"_s;
        QTest::newRow("never the source") << QList<int>{0, 30} << QStringList{} << u"b"_s;
        QTest::newRow("above the ceiling still takes it")
            << QList<int>{0, 99} << QStringList{} << u"b"_s;
        QTest::newRow("drained others: none")
            << QList<int>{0, 30} << QStringList{{}, u"d"_s} << QString();
        QTest::newRow("room list not read: skipped")
            << QList<int>{0, 10, 30} << QStringList{{}, u"u"_s, {}} << u"c"_s;
        QTest::newRow("alone") << QList<int>{0} << QStringList{} << QString();
    }

    void handoffTarget()
    {
        QFETCH(QList<int>, connections);
        QFETCH(QStringList, flags);
        QFETCH(QString, expected);
        Cluster c(connections, flags);
        RoomPlacer placer(0.9, 0);
        QCOMPARE(placer.handoffTarget(u"a"_s, c.table, c.rooms), expected);
    }

    void readiness_data()
    {
        QTest::addColumn<bool>("warm");
        QTest::addColumn<QStringList>("flags");
        QTest::addColumn<bool>("ready");
        QTest::newRow("warm, lists read") << true << QStringList{} << true;
        QTest::newRow("warming up") << false << QStringList{} << false;
        QTest::newRow("a first room list in flight") << true << QStringList{{}, u"u"_s} << false;
    }

    void readiness()
    {
        QFETCH(bool, warm);
        QFETCH(QStringList, flags);
        QFETCH(bool, ready);
        Cluster c({10, 10}, flags);
        RoomPlacer placer(0.9, 0);
        if (warm)
            placer.setWarm();
        QCOMPARE(placer.readyForNewRooms(c.table), ready);
    }

    void transitWaiters()
    {
        RoomPlacer placer(0.9, 0);
        int answered = 0;
        const auto done = [&answered](const Placement &) { ++answered; };
        for (int i = 0; i < maxTransitWaiters; ++i)
            QVERIFY(placer.waitForTransit(i % 2 ? u"r1"_s : u"r2"_s, done, i < 10 ? 0 : 3000));
        QVERIFY(!placer.waitForTransit(u"r1"_s, done, 0)); // the bound
        QCOMPARE(placer.transitWaiterCount(), maxTransitWaiters);
        QCOMPARE(placer.takeOverdueTransitWaiters(maxTransitWaitMs - 1).size(), 0);
        QCOMPARE(placer.takeOverdueTransitWaiters(maxTransitWaitMs).size(), 10);
        QCOMPARE(placer.takeTransitWaiters(u"r1"_s).size(), (maxTransitWaiters - 10) / 2);
        QCOMPARE(placer.transitWaiterCount(), (maxTransitWaiters - 10) / 2);
        QVERIFY(placer.waitForTransit(u"r1"_s, done, 0)); // room again
        QCOMPARE(answered, 0);                            // the caller answers them
    }
};

QTEST_GUILESS_MAIN(TestRoomPlacer)
#include "tst_roomplacer.moc"
