// The placement rule: lowest score wins, ceilings and eligibility exclude, ties are stable.

#include "registry/PlacementScore.h"

#include <QTest>

using namespace ic::balancer;

class TestPlacement : public QObject
{
    Q_OBJECT
private slots:
    void scoreFormula()
    {
        PlacementCandidate c{QStringLiteral("a"), 5000, 20000, 32.0, 30, true};
        // 0.25 connections + 0.05 * floor((32-20)/5)=0.10 + 30/1000
        QCOMPARE(placementScore(c), 0.25 + 0.10 + 0.03);
        c.maxConnections = 0; // unknown capacity: connections do not count
        QCOMPARE(placementScore(c), 0.10 + 0.03);
    }

    void cpuNoiseIsIgnored()
    {
        // Up to 20 % CPU (and 4.9 % above that) is what idle servers spend on timers, probes and
        // heartbeats; one more room outweighs it.
        const PlacementCandidate busyCpu{QStringLiteral("a"), 0, 100, 24.9, 0, true};
        const PlacementCandidate oneRoom{QStringLiteral("b"), 0, 100, 0.0, 1, true};
        QCOMPARE(chooseServer({oneRoom, busyCpu}, 0.9), QStringLiteral("a"));
        // Real load does count: 25 % is one step, worth 50 rooms.
        const PlacementCandidate working{QStringLiteral("a"), 0, 100, 25.0, 0, true};
        const PlacementCandidate manyRooms{QStringLiteral("b"), 0, 100, 0.0, 49, true};
        QCOMPARE(chooseServer({working, manyRooms}, 0.9), QStringLiteral("b"));
        const PlacementCandidate moreRooms{QStringLiteral("b"), 0, 100, 0.0, 51, true};
        QCOMPARE(chooseServer({working, moreRooms}, 0.9), QStringLiteral("a"));
    }

    void leastLoadedWins()
    {
        const QList<PlacementCandidate> list{
            {QStringLiteral("a"), 100, 1000, 0, 0, true}, // 0.10
            {QStringLiteral("b"), 10, 1000, 0, 20, true}, // 0.01 + 0.02
            {QStringLiteral("c"), 0, 1000, 40, 0, true},  // 0.20
        };
        QCOMPARE(chooseServer(list, 0.9), QStringLiteral("b"));
    }

    void roomsSpreadWhenIdle()
    {
        QList<PlacementCandidate> list{{QStringLiteral("a"), 0, 100, 0, 0, true},
                                       {QStringLiteral("b"), 0, 100, 0, 0, true},
                                       {QStringLiteral("c"), 0, 100, 0, 0, true}};
        QMap<QString, int> placed;
        for (int i = 0; i < 9; ++i) {
            const QString id = chooseServer(list, 0.9);
            ++placed[id];
            for (auto &c : list)
                c.rooms += c.id == id ? 1 : 0;
        }
        QCOMPARE(placed.value(QStringLiteral("a")), 3);
        QCOMPARE(placed.value(QStringLiteral("b")), 3);
        QCOMPARE(placed.value(QStringLiteral("c")), 3);
    }

    void ceilingAndEligibility()
    {
        const PlacementCandidate full{QStringLiteral("a"), 950, 1000, 0, 0, true};
        const PlacementCandidate hot{QStringLiteral("b"), 0, 1000, 95, 0, true};
        const PlacementCandidate drained{QStringLiteral("c"), 0, 1000, 0, 0, false};
        QVERIFY(aboveCeiling(full, 0.9));
        QVERIFY(aboveCeiling(hot, 0.9));
        QVERIFY(!aboveCeiling(full, 0.96));
        QCOMPARE(chooseServer({full, hot, drained}, 0.9), QString());
        const PlacementCandidate busyButOk{QStringLiteral("d"), 800, 1000, 80, 500, true};
        QCOMPARE(chooseServer({full, hot, drained, busyButOk}, 0.9), QStringLiteral("d"));
    }

    void tiesGoToLowestId()
    {
        const PlacementCandidate b{QStringLiteral("b"), 0, 10, 0, 0, true};
        const PlacementCandidate a{QStringLiteral("a"), 0, 10, 0, 0, true};
        QCOMPARE(chooseServer({b, a}, 0.9), QStringLiteral("a"));
    }
};

QTEST_GUILESS_MAIN(TestPlacement)
#include "tst_placementscore.moc"
