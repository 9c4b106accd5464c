// readServerSettings: flags become settings, and unusable values are refused with a sentence
// naming the flag (the program prints it and exits) rather than silently becoming something else.
#include "ParsedFlags.h"
#include "app/ServerFlags.h"
#include "rooms/Room.h"

#include <QTest>

using ic::server::ServerSettings;

namespace {

struct Read
{
    bool ok = false;
    QString error;
    ServerSettings settings;
};

Read readWith(const QStringList &flags)
{
    Read read;
    const auto configuration = ic::testing::parseFlags(
        QStringLiteral("server"), &ic::server::declareServerSettings, flags, &read.error);
    if (configuration)
        read.ok = ic::server::readServerSettings(*configuration, read.settings, &read.error);
    return read;
}

} // namespace

class tst_ServerSettings : public QObject
{
    Q_OBJECT

private slots:
    void writeHoldDefaultsAndAcceptsZero()
    {
        const Read defaults = readWith({});
        QVERIFY2(defaults.ok, qPrintable(defaults.error));
        QCOMPARE(defaults.settings.writeHoldMs, 20);
        const Read off = readWith({QStringLiteral("--write-hold-ms"), QStringLiteral("0")});
        QVERIFY2(off.ok, qPrintable(off.error));
        QCOMPARE(off.settings.writeHoldMs, 0);
    }

    void writeHoldRefusesBadValues_data()
    {
        QTest::addColumn<QString>("value");
        QTest::newRow("negative") << QStringLiteral("-1");
        QTest::newRow("text") << QStringLiteral("soon");
        QTest::newRow("over a second") << QStringLiteral("1001");
        QTest::newRow("fraction") << QStringLiteral("2.5");
    }

    void writeHoldRefusesBadValues()
    {
        QFETCH(QString, value);
        const Read read = readWith({QStringLiteral("--write-hold-ms"), value});
        QVERIFY(!read.ok);
        QVERIFY2(read.error.contains(QStringLiteral("--write-hold-ms")), qPrintable(read.error));
    }

    void replicationDefaultsAndSwitches()
    {
        const Read defaults = readWith({});
        QVERIFY2(defaults.ok, qPrintable(defaults.error));
        QCOMPARE(defaults.settings.replication, true);
        QCOMPARE(defaults.settings.replicaTimeoutMs, 2000);
        const Read off = readWith({QStringLiteral("--replication"), QStringLiteral("off"),
                                   QStringLiteral("--replica-timeout"), QStringLiteral("500")});
        QVERIFY2(off.ok, qPrintable(off.error));
        QCOMPARE(off.settings.replication, false);
        QCOMPARE(off.settings.replicaTimeoutMs, 500);
    }

    void replicationRefusesBadValues_data()
    {
        QTest::addColumn<QString>("flag");
        QTest::addColumn<QString>("value");
        QTest::newRow("replication maybe")
            << QStringLiteral("--replication") << QStringLiteral("maybe");
        QTest::newRow("timeout zero") << QStringLiteral("--replica-timeout") << QStringLiteral("0");
        QTest::newRow("timeout over a minute")
            << QStringLiteral("--replica-timeout") << QStringLiteral("60001");
        QTest::newRow("timeout text")
            << QStringLiteral("--replica-timeout") << QStringLiteral("2s");
    }

    void replicationRefusesBadValues()
    {
        QFETCH(QString, flag);
        QFETCH(QString, value);
        const Read read = readWith({flag, value});
        QVERIFY(!read.ok);
        QVERIFY2(read.error.contains(flag), qPrintable(read.error));
    }

    // The room budget is derived so a join (largest member list + ALL_TM) fits the outbound
    // queue; values that cannot fit are refused at start-up.
    void roomBudgetFitsTheOutboundLimit()
    {
        const Read defaults = readWith({});
        QVERIFY2(defaults.ok, qPrintable(defaults.error));
        QCOMPARE(defaults.settings.room.roomBytesMax, qint64(2 * 1024 * 1024));
        QCOMPARE(defaults.settings.room.serverBytesMax, qint64(1) << 30);
        QCOMPARE(defaults.settings.room.userExpirySeconds, qint64(3600));
        QCOMPARE(defaults.settings.room.authorisationExpirySeconds, qint64(120));

        const Read small = readWith({QStringLiteral("--outbound-limit"), QStringLiteral("1048576"),
                                     QStringLiteral("--max-users"), QStringLiteral("500")});
        QVERIFY2(small.ok, qPrintable(small.error));
        const qint64 members = ic::server::Room::membersFrameBound(small.settings.room.limits);
        qInfo("--outbound-limit 1 MiB, --max-users 500: largest R_M_CH %lld bytes, derived room "
              "budget %lld",
              members, small.settings.room.roomBytesMax);
        QVERIFY(small.settings.room.roomBytesMax + members < 1048576);

        for (const QStringList &flags :
             {QStringList{QStringLiteral("--outbound-limit"), QStringLiteral("1048576"),
                          QStringLiteral("--room-memory"), QStringLiteral("1048576")},
              QStringList{QStringLiteral("--max-users"), QStringLiteral("10000")},
              QStringList{QStringLiteral("--outbound-limit"), QStringLiteral("1048576")},
              QStringList{QStringLiteral("--room-memory"), QStringLiteral("4096")}}) {
            const Read refused = readWith(flags);
            QVERIFY2(!refused.ok, qPrintable(flags.join(u' ')));
            QVERIFY2(refused.error.contains(QStringLiteral("--outbound-limit")),
                     qPrintable(refused.error));
        }
        const Read explicitBudget =
            readWith({QStringLiteral("--room-memory"), QStringLiteral("1000000")});
        QVERIFY2(explicitBudget.ok, qPrintable(explicitBudget.error));
        QCOMPARE(explicitBudget.settings.room.roomBytesMax, qint64(1000000));
    }
};

QTEST_GUILESS_MAIN(tst_ServerSettings)
#include "tst_serversettings.moc"
