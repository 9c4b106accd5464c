// Token buckets behind the per-session message limit and the per-address join/create limits.

#include "core/AddressLimiter.h"
#include "limits/TokenBucket.h"

#include <QTest>

using namespace ic::server;
using ic::limits::TokenBucket;

class TestRateLimits : public QObject
{
    Q_OBJECT

private slots:
    void bucketAllowsBurstThenRate()
    {
        TokenBucket bucket(10, 20);
        int allowed = 0;
        for (int i = 0; i < 30; ++i)
            allowed += bucket.take(1000) ? 1 : 0;
        QCOMPARE(allowed, 20);
        QVERIFY(!bucket.take(1050)); // half a token back
        QVERIFY(bucket.take(1100));  // one token after 100 ms at 10/s
        QVERIFY(!bucket.take(1100));
        // Refill never exceeds the burst.
        int later = 0;
        for (int i = 0; i < 30; ++i)
            later += bucket.take(100000) ? 1 : 0;
        QCOMPARE(later, 20);
    }

    void zeroRateIsUnlimited()
    {
        TokenBucket unlimited;
        for (int i = 0; i < 1000; ++i)
            QVERIFY(unlimited.take(1));
        AddressLimiter off(0, 0);
        for (int i = 0; i < 1000; ++i)
            QVERIFY(off.allow(QStringLiteral("10.0.0.1"), 1));
    }

    void addressesAreSeparate()
    {
        AddressLimiter limiter(1, 2);
        QVERIFY(limiter.allow(QStringLiteral("10.0.0.1"), 1000));
        QVERIFY(limiter.allow(QStringLiteral("10.0.0.1"), 1000));
        QVERIFY(!limiter.allow(QStringLiteral("10.0.0.1"), 1000));
        QVERIFY(limiter.allow(QStringLiteral("10.0.0.2"), 1000));
        QVERIFY(limiter.allow(QStringLiteral("10.0.0.1"), 2000));
    }

    // Room creations: per address, and all addresses together, so rotating addresses do not
    // multiply the server's rate (20/s, burst 200 as the server's default).
    void totalBoundHoldsAgainstRotatingAddresses()
    {
        AddressLimiter creations(5, 60, 20, 200);
        int allowed = 0;
        for (int i = 0; i < 4800; ++i)
            allowed += creations.allow(QStringLiteral("10.0.%1.%2").arg(i / 250).arg(i % 250),
                                       1000 + i / 3) // 4800 attempts in 1.6 s
                           ? 1
                           : 0;
        qInfo("4800 creations from 4800 addresses in 1.6 s: %d allowed", allowed);
        QVERIFY(allowed <= 200 + 20 * 2);
        QVERIFY(allowed >= 200);
        AddressLimiter perAddressOnly(5, 60);
        int unbounded = 0;
        for (int i = 0; i < 4800; ++i)
            unbounded += perAddressOnly.allow(QString::number(i), 1000) ? 1 : 0;
        QCOMPARE(unbounded, 4800); // what the total bound is for
    }
};

QTEST_GUILESS_MAIN(TestRateLimits)
#include "tst_addresslimiter.moc"
