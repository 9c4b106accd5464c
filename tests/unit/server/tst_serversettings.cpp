// readServerSettings: flags become settings, and unusable values are refused with a sentence
// naming the flag (the program prints it and exits) rather than silently becoming something else.
#include "ServerSettings.h"
#include "config/Configuration.h"

#include <QTemporaryFile>
#include <QTest>

using ic::config::Configuration;
using ic::server::ServerSettings;

namespace {

struct Read
{
    bool ok = false;
    QString error;
    ServerSettings settings;
};

Read readFailed(const QString &why)
{
    Read read;
    read.error = why;
    return read;
}

Read readWith(const QStringList &flags)
{
    // An empty config file: an installed /etc/instantchat/server.conf must not leak in.
    QTemporaryFile ini;
    if (!ini.open())
        return readFailed(QStringLiteral("no temporary file"));
    Configuration configuration(QStringLiteral("server"), QStringLiteral("test"));
    ic::server::declareServerSettings(configuration);
    Read read;
    QStringList arguments{QStringLiteral("instantchat-server"), QStringLiteral("--config"),
                          ini.fileName()};
    arguments << flags;
    if (configuration.parse(arguments, QStringLiteral("test")) != Configuration::Outcome::Run) {
        read.error = QStringLiteral("parse failed");
        return read;
    }
    read.ok = ic::server::readServerSettings(configuration, read.settings, &read.error);
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
