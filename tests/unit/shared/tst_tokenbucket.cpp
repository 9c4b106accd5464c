// The one token bucket (limits/TokenBucket.h) and its keyed map: refill, burst, costs, idle
// buckets forgotten one by one once full again, and no fresh burst for a client that keeps
// hitting its limit (a table that is cleared wholesale every minute hands one out).

#include "limits/TokenBucket.h"

#include <QtTest>

using ic::limits::KeyedBuckets;
using ic::limits::TokenBucket;

class TestTokenBucket : public QObject
{
    Q_OBJECT

private slots:
    void refill_data()
    {
        QTest::addColumn<double>("perSecond");
        QTest::addColumn<double>("burst");
        QTest::addColumn<QList<qint64>>("times"); // one take() each
        QTest::addColumn<int>("allowed");
        // Burst 3 at once, then nothing until time passes.
        QTest::newRow("burst") << 1.0 << 3.0 << QList<qint64>{1000, 1000, 1000, 1000, 1000} << 3;
        // At 10/s, 100 ms gives one token back, 50 ms only half of one.
        QTest::newRow("refill 100 ms") << 10.0 << 1.0 << QList<qint64>{1000, 1050, 1100, 1100} << 2;
        // Refill never exceeds the burst: an hour idle still gives only 2.
        QTest::newRow("capped at burst")
            << 1.0 << 2.0 << QList<qint64>{0, 0, 3600000, 3600000, 3600000, 3600000} << 4;
        // A clock going backwards gives nothing back.
        QTest::newRow("clock backwards") << 1.0 << 1.0 << QList<qint64>{5000, 1000, 4999} << 1;
        // Rate 0: unlimited (the --rate-limits off case).
        QTest::newRow("unlimited") << 0.0 << 0.0 << QList<qint64>{1, 1, 1, 1} << 4;
    }

    void refill()
    {
        QFETCH(double, perSecond);
        QFETCH(double, burst);
        QFETCH(QList<qint64>, times);
        QFETCH(int, allowed);
        TokenBucket bucket(perSecond, burst);
        int passed = 0;
        for (const qint64 t : times)
            passed += bucket.take(t) ? 1 : 0;
        qInfo("rate %.1f/s burst %.0f: %d of %d takes passed", perSecond, burst, passed,
              int(times.size()));
        QCOMPARE(passed, allowed);
    }

    void costs_data()
    {
        QTest::addColumn<QList<double>>("costs"); // all at the same instant, burst 1000
        QTest::addColumn<QList<bool>>("results");
        QTest::newRow("refused costs take nothing")
            << QList<double>{600, 600, 400} << QList<bool>{true, false, true};
        QTest::newRow("above the burst never passes")
            << QList<double>{1001, 1000} << QList<bool>{false, true};
    }

    void costs()
    {
        QFETCH(QList<double>, costs);
        QFETCH(QList<bool>, results);
        TokenBucket bucket(0.001, 1000);
        for (qsizetype i = 0; i < costs.size(); ++i)
            QCOMPARE(bucket.take(1000, costs.at(i)), results.at(i));
    }

    void keysAreSeparate()
    {
        KeyedBuckets buckets(1, 2);
        QVERIFY(buckets.allow(QStringLiteral("10.0.0.1"), 1000));
        QVERIFY(buckets.allow(QStringLiteral("10.0.0.1"), 1000));
        QVERIFY(!buckets.allow(QStringLiteral("10.0.0.1"), 1000));
        QVERIFY(buckets.allow(QStringLiteral("10.0.0.2"), 1000));
        QVERIFY(buckets.allow(QStringLiteral("10.0.0.1"), 2000));
    }

    // Buckets leave the table one by one, each when it is full again, never all at once.
    void expiryOneByOne_data()
    {
        QTest::addColumn<qint64>("sweepAtMs");
        QTest::addColumn<QStringList>("kept");
        // Rate 1/s, burst 5. "a" emptied at 0 s (full again at 5 s), "b" at 3 s (full at 8 s),
        // "c" took one token at 3 s (full at 4 s).
        QTest::newRow("3.5 s: all still refilling")
            << qint64(3500)
            << QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")};
        QTest::newRow("4 s: c full again")
            << qint64(4000) << QStringList{QStringLiteral("a"), QStringLiteral("b")};
        QTest::newRow("5 s: a full again") << qint64(5000) << QStringList{QStringLiteral("b")};
        QTest::newRow("7.9 s: b still refilling")
            << qint64(7900) << QStringList{QStringLiteral("b")};
        QTest::newRow("8 s: all gone") << qint64(8000) << QStringList{};
    }

    void expiryOneByOne()
    {
        QFETCH(qint64, sweepAtMs);
        QFETCH(QStringList, kept);
        KeyedBuckets buckets(1, 5, 3600000);
        for (int i = 0; i < 5; ++i)
            buckets.allow(QStringLiteral("a"), 0);
        for (int i = 0; i < 5; ++i)
            buckets.allow(QStringLiteral("b"), 3000);
        buckets.allow(QStringLiteral("c"), 3000);
        const qsizetype dropped = buckets.sweep(sweepAtMs);
        qInfo("sweep at %lld ms dropped %lld, kept %lld", sweepAtMs, qint64(dropped),
              qint64(buckets.size()));
        QCOMPARE(buckets.size(), kept.size());
        for (const QString &key : std::as_const(kept))
            QVERIFY2(buckets.contains(key), qPrintable(key));
    }

    // A client that hammers at 100 requests/s for two minutes gets its burst once, then the
    // rate; the minute mark (when the old server table was cleared) gives it nothing extra.
    void noFreshBurstForAHammeringClient_data()
    {
        QTest::addColumn<qint64>("sweepIntervalMs");
        QTest::newRow("sweep every 1 s") << qint64(1000);
        QTest::newRow("sweep every 10 s") << qint64(10000);
        QTest::newRow("sweep every 60 s") << qint64(60000);
    }

    void noFreshBurstForAHammeringClient()
    {
        QFETCH(qint64, sweepIntervalMs);
        const double perSecond = 1.0, burst = 10.0;
        KeyedBuckets buckets(perSecond, burst, sweepIntervalMs);
        int total = 0, aroundMinute = 0;
        for (qint64 t = 1; t <= 120000; t += 10) {
            const bool passed = buckets.allow(QStringLiteral("203.0.113.9"), t);
            total += passed ? 1 : 0;
            if (passed && t >= 60000 && t < 62000)
                ++aroundMinute;
        }
        qInfo("hammering for 120 s (rate %.0f/s, burst %.0f): %d allowed, %d in [60 s, 62 s)",
              perSecond, burst, total, aroundMinute);
        // burst + 120 s of refill, nothing more.
        QVERIFY2(total <= int(burst + 120 * perSecond + 1), qPrintable(QString::number(total)));
        QVERIFY2(aroundMinute <= 3, qPrintable(QString::number(aroundMinute)));
    }
};

QTEST_GUILESS_MAIN(TestTokenBucket)
#include "tst_tokenbucket.moc"
