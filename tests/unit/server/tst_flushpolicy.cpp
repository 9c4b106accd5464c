// FlushPolicy: when a worker flushes the frames it collected (write coalescing under load).
#include "app/FlushPolicy.h"

#include <QTest>

using ic::server::FlushPolicy;

namespace {

constexpr qint64 ms = 1'000'000;
constexpr qint64 window = FlushPolicy::windowNs;

// Runs one measuring window in which the thread used `share` of its time.
void runWindow(FlushPolicy &policy, qint64 &now, qint64 &cpu, double share)
{
    now += window;
    cpu += qint64(double(window) * share);
    QVERIFY(policy.windowEnded(now));
    policy.endWindow(now, cpu);
}

} // namespace

class tst_FlushPolicy : public QObject
{
    Q_OBJECT

private slots:
    void firstCallOnlyStartsAWindow()
    {
        FlushPolicy policy(20 * ms);
        QVERIFY(policy.windowEnded(5 * ms));
        policy.endWindow(5 * ms, 999 * ms); // a huge CPU figure must not count: no window yet
        QCOMPARE(policy.busyShare(), 0.0);
        QVERIFY(!policy.holding());
        QVERIFY(!policy.windowEnded(5 * ms + window - 1));
        QVERIFY(policy.windowEnded(5 * ms + window));
    }

    void idleThreadFlushesAtOnce()
    {
        FlushPolicy policy(20 * ms);
        qint64 now = 0, cpu = 0;
        policy.endWindow(now, cpu);
        runWindow(policy, now, cpu, 0.2);
        QCOMPARE(policy.busyShare(), 0.2);
        QVERIFY(!policy.holding());
        QCOMPARE(policy.flushDelay(now, now), 0);
    }

    void busyThreadHoldsUntilTheOldestWriteIsMaxDelayOld()
    {
        FlushPolicy policy(20 * ms);
        qint64 now = 0, cpu = 0;
        policy.endWindow(now, cpu);
        runWindow(policy, now, cpu, 0.9);
        QVERIFY(policy.holding());
        QCOMPARE(policy.flushDelay(now, now), 20 * ms);
        QCOMPARE(policy.flushDelay(now + 5 * ms, now), 15 * ms);
        QCOMPARE(policy.flushDelay(now + 20 * ms, now), 0);
        QCOMPARE(policy.flushDelay(now + 50 * ms, now), 0); // overdue is due, never negative
    }

    void hysteresisKeepsHoldingUntilClearlyIdle()
    {
        FlushPolicy policy(20 * ms);
        qint64 now = 0, cpu = 0;
        policy.endWindow(now, cpu);
        runWindow(policy, now, cpu, 0.5); // between the thresholds: not yet
        QVERIFY(!policy.holding());
        runWindow(policy, now, cpu, 0.7);
        QVERIFY(policy.holding());
        runWindow(policy, now, cpu, 0.45); // the savings lowered the share: still holding
        QVERIFY(policy.holding());
        runWindow(policy, now, cpu, 0.35);
        QVERIFY(policy.holding());
        runWindow(policy, now, cpu, 0.1);
        QVERIFY(!policy.holding());
        QCOMPARE(policy.flushDelay(now, now), 0);
    }

    void zeroDelayNeverHolds()
    {
        FlushPolicy policy(0);
        QVERIFY(!policy.windowEnded(0)); // nothing to measure: no CPU-clock reads at all
        policy.endWindow(0, 0);
        policy.endWindow(window, window);
        QVERIFY(!policy.holding());
        QCOMPARE(policy.flushDelay(window, window), 0);
    }

    void shareIsClampedToOne()
    {
        // Thread CPU can run ahead of the wall clock by a clock tick; the share stays a share.
        FlushPolicy policy(20 * ms);
        policy.endWindow(0, 0);
        policy.endWindow(window, window + 3 * ms);
        QCOMPARE(policy.busyShare(), 1.0);
    }
};

QTEST_APPLESS_MAIN(tst_FlushPolicy)
#include "tst_flushpolicy.moc"
