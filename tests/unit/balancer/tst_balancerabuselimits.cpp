// Abuse limits on the balancer: the client address behind trusted proxies, and byte-cost buckets
// for drawing uploads.

#include "core/RateLimiter.h"
#include "net/TrustedProxies.h"

#include <QTest>

using namespace ic::balancer;
using ic::net::TrustedProxies;

class TestAbuseLimits : public QObject
{
    Q_OBJECT

private slots:
    void spoofedHeaderFromUntrustedPeerIgnored()
    {
        TrustedProxies proxies;
        QString error;
        QVERIFY(proxies.parse(QStringLiteral("127.0.0.1,::1"), &error));
        QCOMPARE(proxies.clientAddress(QHostAddress(QStringLiteral("198.51.100.20")), "10.9.9.9",
                                       "10.8.8.8"),
                 QStringLiteral("198.51.100.20"));
    }

    void trustedChainResolved()
    {
        TrustedProxies proxies;
        QString error;
        QVERIFY(proxies.parse(QStringLiteral("127.0.0.1,::1,172.16.0.0/12"), &error));
        QCOMPARE(proxies.clientAddress(QHostAddress(QStringLiteral("::1")),
                                       "1.2.3.4, 203.0.113.5, 172.20.0.2", {}),
                 QStringLiteral("203.0.113.5"));
        QCOMPARE(
            proxies.clientAddress(QHostAddress(QStringLiteral("127.0.0.1")), {}, "203.0.113.6"),
            QStringLiteral("203.0.113.6"));
        QCOMPARE(proxies.clientAddress(QHostAddress(QStringLiteral("127.0.0.1")), {}, {}),
                 QStringLiteral("127.0.0.1"));
        QVERIFY(!proxies.parse(QStringLiteral("300.1.1.1"), &error));
    }

    void byteCostBucket()
    {
        RateLimiter bytes(0.001, 1000.0); // practically no refill during the test
        const QHostAddress a(QStringLiteral("10.0.0.1")), b(QStringLiteral("10.0.0.2"));
        QVERIFY(bytes.allow(a, 600));
        QVERIFY(!bytes.allow(a, 600)); // refused, and nothing taken
        QVERIFY(bytes.allow(a, 400));
        QVERIFY(bytes.allow(b, 1000)); // per address
        RateLimiter off(0.001, 1.0);
        off.setEnabled(false); // --rate-limits off
        for (int i = 0; i < 100; ++i)
            QVERIFY(off.allow(a, 1e9));
    }
};

QTEST_GUILESS_MAIN(TestAbuseLimits)
#include "tst_balancerabuselimits.moc"
