// Fast failure detection: the pure verdict (heartbeat age, probe state -> nothing / probe / dead)
// and ServerTable applying it - a late heartbeat of a watched server asks for a probe, a failed
// probe puts the server out at once, an answered one keeps it (slow, not dead), a heartbeat makes
// a probe's result stale, and unwatched servers keep the 3-missed-heartbeats rule.

#include "registry/FailureDetector.h"
#include "registry/ServerTable.h"

#include <QLoggingCategory>
#include <QtTest>

using namespace ic::balancer;
using namespace Qt::StringLiterals;

Q_DECLARE_METATYPE(ic::balancer::FastProbe)
Q_DECLARE_METATYPE(ic::balancer::Liveness)

namespace {

constexpr qint64 intervalMs = 2000; // 1.25 intervals = 2500 ms

} // namespace

class TestFailureDetector : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QLoggingCategory::setFilterRules(u"balancer.info=false\nbalancer.warning=false"_s);
    }

    void verdict_data()
    {
        QTest::addColumn<qint64>("heartbeatAgeMs");
        QTest::addColumn<FastProbe>("probe");
        QTest::addColumn<qint64>("probeAgeMs");
        QTest::addColumn<Liveness>("expected");
        QTest::newRow("fresh heartbeat")
            << qint64(100) << FastProbe::None << qint64(0) << Liveness::Alive;
        QTest::newRow("one interval late is normal")
            << qint64(2000) << FastProbe::None << qint64(0) << Liveness::Alive;
        QTest::newRow("exactly 1.25 intervals")
            << qint64(2500) << FastProbe::None << qint64(0) << Liveness::Alive;
        QTest::newRow("just past 1.25 intervals: probe")
            << qint64(2501) << FastProbe::None << qint64(0) << Liveness::ProbeNow;
        QTest::newRow("probe in flight: wait")
            << qint64(3000) << FastProbe::InFlight << qint64(500) << Liveness::Alive;
        QTest::newRow("probe failed: dead")
            << qint64(2600) << FastProbe::Failed << qint64(100) << Liveness::Dead;
        QTest::newRow("probe answered: slow, alive")
            << qint64(3500) << FastProbe::Answered << qint64(1000) << Liveness::Alive;
        QTest::newRow("answered long ago, still no heartbeat: probe again")
            << qint64(5100) << FastProbe::Answered << qint64(2600) << Liveness::ProbeNow;
        QTest::newRow("failed probe but a heartbeat came since")
            << qint64(300) << FastProbe::Failed << qint64(2800) << Liveness::Alive;
    }

    void verdict()
    {
        QFETCH(qint64, heartbeatAgeMs);
        QFETCH(FastProbe, probe);
        QFETCH(qint64, probeAgeMs);
        QFETCH(Liveness, expected);
        QCOMPARE(judgeLiveness(heartbeatAgeMs, intervalMs, probe, probeAgeMs), expected);
    }

    // ServerTable with one registered server "a" heartbeating at 0 ms; then time passes to
    // `silentMs` (ticks every 250 ms, probes started when asked for), the probe answers `probeOk`
    // after `probeTakesMs`, and time runs on to 5900 ms (before the 3-missed rule at 6000 ms).
    void table_data()
    {
        QTest::addColumn<bool>("watched");
        QTest::addColumn<int>("probeTakesMs");
        QTest::addColumn<bool>("probeOk");
        QTest::addColumn<bool>("beatDuringProbe");
        QTest::addColumn<qint64>("firstProbeAtMs"); // -1: none
        QTest::addColumn<qint64>("deadAtMs");       // -1: alive at 5900 ms
        QTest::newRow("refused at once")
            << true << 0 << false << false << qint64(2750) << qint64(2750);
        QTest::newRow("timed out after 1 s")
            << true << 1000 << false << false << qint64(2750) << qint64(3750);
        QTest::newRow("slow but answers")
            << true << 900 << true << false << qint64(2750) << qint64(-1);
        QTest::newRow("heartbeat arrives while probing, probe then fails")
            << true << 500 << false << true << qint64(2750) << qint64(-1);
        QTest::newRow("not watched: no probe, 3-missed rule only")
            << false << 0 << false << false << qint64(-1) << qint64(-1);
    }

    void table()
    {
        QFETCH(bool, watched);
        QFETCH(int, probeTakesMs);
        QFETCH(bool, probeOk);
        QFETCH(bool, beatDuringProbe);
        QFETCH(qint64, firstProbeAtMs);
        QFETCH(qint64, deadAtMs);
        qint64 now = 0;
        ServerTable table([&now] { return now; });
        ServerTable::HeartbeatOutcome outcome;
        const QJsonObject beat{{u"id"_s, u"a"_s}, {u"address"_s, u"10.0.0.1:8081"_s}};
        QVERIFY(!table.heartbeat(beat, u"10.0.0.1"_s, &outcome));
        const ServerTable::FastDetection fast{intervalMs,
                                              [watched](const QString &) { return watched; }};
        qint64 probeStarted = -1, probeAnswerAt = -1, died = -1;
        for (now = 250; now <= 5900; now += 250) {
            if (probeAnswerAt >= 0 && now >= probeAnswerAt) {
                if (beatDuringProbe)
                    QVERIFY(!table.heartbeat(beat, u"10.0.0.1"_s, &outcome));
                if (table.fastProbeFinished(u"a"_s, probeOk, intervalMs))
                    died = now;
                probeAnswerAt = -1;
            }
            const ServerTable::Due due = table.due(3 * intervalMs, 0, fast);
            QVERIFY(due.died.isEmpty());
            if (due.fastProbe.contains(u"a"_s)) {
                QVERIFY(died < 0);
                if (probeStarted < 0)
                    probeStarted = now;
                table.fastProbeStarted(u"a"_s);
                probeAnswerAt = now + probeTakesMs;
                if (probeTakesMs == 0) { // refused: answered before the next tick
                    if (table.fastProbeFinished(u"a"_s, probeOk, intervalMs))
                        died = now;
                    probeAnswerAt = -1;
                }
            }
        }
        QCOMPARE(probeStarted, firstProbeAtMs);
        QCOMPARE(died, deadAtMs);
        QCOMPARE(table.isLive(u"a"_s), deadAtMs < 0);
        // The 3-missed rule still holds for everybody (here: a server still alive at 5900 ms
        // without any heartbeat since 0 ms, or since the one during the probe).
        now = 12000;
        const ServerTable::Due late = table.due(3 * intervalMs, 0, fast);
        QCOMPARE(late.died.contains(u"a"_s), deadAtMs < 0);
    }
};

QTEST_GUILESS_MAIN(TestFailureDetector)
#include "tst_failuredetector.moc"
