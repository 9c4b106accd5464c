// readServerSettings: flags become settings, and unusable values are refused with a sentence
// naming the flag (the program prints it and exits) rather than silently becoming something else.
#include "ParsedFlags.h"
#include "ServerSettings.h"

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
};

QTEST_GUILESS_MAIN(tst_ServerSettings)
#include "tst_serversettings.moc"
