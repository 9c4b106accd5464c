// loadSettings: the balancer's flags become settings, and unusable values are refused with a
// sentence naming the flag rather than silently becoming 0 or off (a typo in --warm-up used to
// mean "no warm-up", one in --rate-limits meant "limits off").
#include "BalancerSettings.h"
#include "ParsedFlags.h"

#include <QTest>

using ic::balancer::BalancerSettings;

namespace {

struct Read
{
    bool ok = false;
    QString error;
    BalancerSettings settings;
};

Read readWith(const QStringList &flags)
{
    Read read;
    const auto configuration = ic::testing::parseFlags(
        QStringLiteral("balancer"), &ic::balancer::declareSettings, flags, &read.error);
    if (configuration)
        read.ok = ic::balancer::loadSettings(*configuration, QStringLiteral("/nonexistent"),
                                             &read.settings, &read.error);
    return read;
}

} // namespace

class tst_BalancerSettings : public QObject
{
    Q_OBJECT

private slots:
    void defaults()
    {
        const Read read = readWith({});
        QVERIFY2(read.ok, qPrintable(read.error));
        QCOMPARE(read.settings.port, quint16(8080));
        QCOMPARE(read.settings.heartbeatIntervalSeconds, 2);
        QCOMPARE(read.settings.probeIntervalMs, 2000);
        QCOMPARE(read.settings.warmUpSeconds, -1);
        QCOMPARE(read.settings.rateLimits, true);
        QCOMPARE(read.settings.gatewayRoutes, false);
        QCOMPARE(read.settings.drawingMaxDimension, 2048);
        QCOMPARE(read.settings.maxBodyBytes, qint64(4 * 1024 * 1024));
    }

    void givenValuesAreRead()
    {
        const Read read =
            readWith({QStringLiteral("--port"), QStringLiteral("9090"), QStringLiteral("--warm-up"),
                      QStringLiteral("0"), QStringLiteral("--rate-limits"), QStringLiteral("off"),
                      QStringLiteral("--gateway-routes"), QStringLiteral("on"),
                      QStringLiteral("--probe-interval"), QStringLiteral("250"),
                      QStringLiteral("--drawing-max-dimension"), QStringLiteral("512"),
                      QStringLiteral("--heartbeat-interval"), QStringLiteral("5")});
        QVERIFY2(read.ok, qPrintable(read.error));
        QCOMPARE(read.settings.port, quint16(9090));
        QCOMPARE(read.settings.warmUpSeconds, 0);
        QCOMPARE(read.settings.rateLimits, false);
        QCOMPARE(read.settings.gatewayRoutes, true);
        QCOMPARE(read.settings.probeIntervalMs, 250);
        QCOMPARE(read.settings.drawingMaxDimension, 512);
        QCOMPARE(read.settings.heartbeatIntervalSeconds, 5);
    }

    void badValuesAreRefused_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");
        QTest::newRow("port text") << QStringLiteral("port") << QStringLiteral("http");
        QTest::newRow("port too big") << QStringLiteral("port") << QStringLiteral("70000");
        QTest::newRow("warm-up text") << QStringLiteral("warm-up") << QStringLiteral("soon");
        QTest::newRow("warm-up below -1") << QStringLiteral("warm-up") << QStringLiteral("-2");
        QTest::newRow("rate-limits typo") << QStringLiteral("rate-limits") << QStringLiteral("of");
        QTest::newRow("gateway-routes word")
            << QStringLiteral("gateway-routes") << QStringLiteral("enabled");
        QTest::newRow("heartbeat zero")
            << QStringLiteral("heartbeat-interval") << QStringLiteral("0");
        QTest::newRow("heartbeat fraction")
            << QStringLiteral("heartbeat-interval") << QStringLiteral("1.5");
        QTest::newRow("probe too fast") << QStringLiteral("probe-interval") << QStringLiteral("10");
        QTest::newRow("dimension text")
            << QStringLiteral("drawing-max-dimension") << QStringLiteral("big");
        QTest::newRow("memory zero") << QStringLiteral("drawing-memory") << QStringLiteral("0");
        QTest::newRow("max-body unit") << QStringLiteral("max-body") << QStringLiteral("4MB");
        QTest::newRow("lifetime negative")
            << QStringLiteral("drawing-lifetime") << QStringLiteral("-5");
        QTest::newRow("ceiling above 1") << QStringLiteral("load-ceiling") << QStringLiteral("1.5");
    }

    void badValuesAreRefused()
    {
        QFETCH(QString, flag);
        QFETCH(QString, value);
        const Read read = readWith({QStringLiteral("--") + flag, value});
        QVERIFY(!read.ok);
        QVERIFY2(read.error.startsWith(QStringLiteral("--") + flag + u' '), qPrintable(read.error));
    }
};

QTEST_GUILESS_MAIN(tst_BalancerSettings)
#include "tst_balancersettings.moc"
