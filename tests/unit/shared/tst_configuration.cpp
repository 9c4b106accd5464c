// Configuration loading (docs/interfaces.md "Programs and flags"):
// flag > environment > INI file > default, typed accessors, refusal of unknown INI keys, --help
// listing every setting, and secrets that never need to appear on a command line.

#include "config/Configuration.h"

#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest>
#include <cstdio>
#include <fcntl.h>
#include <unistd.h>

using ic::config::Configuration;
using Outcome = ic::config::Configuration::Outcome;

namespace {

// A program name no machine has an /etc/instantchat/<name>.conf for.
const QString program = QStringLiteral("tst-configuration-no-such-program");

const QStringList variables{QStringLiteral("INSTANTCHAT_PORT"),
                            QStringLiteral("INSTANTCHAT_BIND"),
                            QStringLiteral("INSTANTCHAT_ALLOWED_ORIGINS"),
                            QStringLiteral("INSTANTCHAT_RATE_LIMITS"),
                            QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN_FILE"),
                            QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"),
                            QStringLiteral("INSTANTCHAT_CONFIG"),
                            QStringLiteral("INSTANTCHAT_LOAD_CEILING")};

Configuration makeConfiguration()
{
    Configuration configuration(program, QStringLiteral("Test program."));
    configuration.add({QStringLiteral("port"), QStringLiteral("PORT"), QStringLiteral("TCP port."),
                       QStringLiteral("8081")});
    configuration.add({QStringLiteral("bind"), QStringLiteral("ADDRESS"),
                       QStringLiteral("Listen address."), QStringLiteral("127.0.0.1")});
    configuration.add({QStringLiteral("allowed-origins"), QStringLiteral("URLS"),
                       QStringLiteral("Allowed origins."),
                       QStringLiteral("http://localhost:8080,http://127.0.0.1:8080")});
    configuration.add({QStringLiteral("rate-limits"), QStringLiteral("on|off"),
                       QStringLiteral("Per-client rate limits."), QStringLiteral("on")});
    configuration.add({QStringLiteral("cluster-token-file"), QStringLiteral("FILE"),
                       QStringLiteral("Cluster token file."), QString()});
    configuration.add({QStringLiteral("load-ceiling"), QStringLiteral("FRACTION"),
                       QStringLiteral("Load ceiling."), QStringLiteral("0.9")});
    return configuration;
}

QStringList args(std::initializer_list<const char *> list)
{
    QStringList out{program};
    for (const char *item : list)
        out.append(QString::fromUtf8(item));
    return out;
}

// Runs `function` with stdout redirected into a file and returns what it printed (the parser
// prints --help and --version itself, as a program's main() would want).
template <typename Function> QByteArray captureStdout(Function function)
{
    QTemporaryFile file;
    if (!file.open())
        return {};
    std::fflush(stdout);
    const int saved = ::dup(STDOUT_FILENO);
    ::dup2(file.handle(), STDOUT_FILENO);
    function();
    std::fflush(stdout);
    ::dup2(saved, STDOUT_FILENO);
    ::close(saved);
    file.seek(0);
    return file.readAll();
}

} // namespace

// The port as the programs read it (strictly); -1 when it is not a valid port.
qint64 portOf(const Configuration &configuration)
{
    qint64 port = -1;
    QString error;
    return configuration.integerValue(QStringLiteral("port"), 0, 65535, &port, &error) ? port : -1;
}

class TestConfiguration : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString writeFile(const QString &name, const QByteArray &content)
    {
        const QString path = m_dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return {};
        file.write(content);
        return path;
    }

private slots:
    void init()
    {
        for (const QString &variable : variables)
            qunsetenv(qPrintable(variable));
    }

    void cleanup() { init(); }

    void defaults()
    {
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({}), QStringLiteral("1.0")), Outcome::Run);
        QCOMPARE(configuration.value(QStringLiteral("port")), QStringLiteral("8081"));
        QCOMPARE(portOf(configuration), 8081);
        QCOMPARE(configuration.source(QStringLiteral("port")), QStringLiteral("default"));
        QCOMPARE(configuration.value(QStringLiteral("cluster-token-file")), QString());
        QCOMPARE(configuration.value(QStringLiteral("config")),
                 QStringLiteral("/etc/instantchat/%1.conf").arg(program));
    }

    void precedence()
    {
        const QString ini =
            writeFile(QStringLiteral("precedence.conf"), "port=1111\nbind=10.0.0.1\n");
        qputenv("INSTANTCHAT_PORT", "2222");

        Configuration all = makeConfiguration();
        QCOMPARE(all.parse(args({"--config", qPrintable(ini), "--port", "3333"}), QString()),
                 Outcome::Run);
        QCOMPARE(portOf(all), 3333);
        QCOMPARE(all.source(QStringLiteral("port")), QStringLiteral("flag"));
        QCOMPARE(all.value(QStringLiteral("bind")), QStringLiteral("10.0.0.1"));
        QCOMPARE(all.source(QStringLiteral("bind")), QStringLiteral("file"));
        QCOMPARE(all.value(QStringLiteral("config")), ini);

        Configuration noFlag = makeConfiguration();
        QCOMPARE(noFlag.parse(args({"--config", qPrintable(ini)}), QString()), Outcome::Run);
        QCOMPARE(portOf(noFlag), 2222);
        QCOMPARE(noFlag.source(QStringLiteral("port")), QStringLiteral("environment"));

        qunsetenv("INSTANTCHAT_PORT");
        Configuration fileOnly = makeConfiguration();
        QCOMPARE(fileOnly.parse(args({"--config", qPrintable(ini)}), QString()), Outcome::Run);
        QCOMPARE(portOf(fileOnly), 1111);
        QCOMPARE(fileOnly.source(QStringLiteral("port")), QStringLiteral("file"));

        // `--port=N` is the same as `--port N`.
        Configuration equalsForm = makeConfiguration();
        QCOMPARE(equalsForm.parse(args({"--port=4444"}), QString()), Outcome::Run);
        QCOMPARE(portOf(equalsForm), 4444);
    }

    void configFileFromEnvironment()
    {
        const QString ini = writeFile(QStringLiteral("env.conf"), "[General]\nport=5555\n");
        qputenv("INSTANTCHAT_CONFIG", ini.toUtf8());
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({}), QString()), Outcome::Run);
        QCOMPARE(portOf(configuration), 5555);
        QCOMPARE(configuration.value(QStringLiteral("config")), ini);
    }

    void explicitMissingFileFails()
    {
        Configuration flag = makeConfiguration();
        QCOMPARE(flag.parse(
                     args({"--config", qPrintable(m_dir.filePath(QStringLiteral("missing.conf")))}),
                     QString()),
                 Outcome::ExitFailure);
        qputenv("INSTANTCHAT_CONFIG", m_dir.filePath(QStringLiteral("missing.conf")).toUtf8());
        Configuration environment = makeConfiguration();
        QCOMPARE(environment.parse(args({}), QString()), Outcome::ExitFailure);
    }

    // A typo in a config file must not silently fall back to a default.
    void unknownIniKeyRefused_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("typo") << QByteArray("prot=8081\n");
        QTest::newRow("known then unknown") << QByteArray("port=1\nnonsense=2\n");
        QTest::newRow("underscore spelling") << QByteArray("allowed_origins=x\n");
        QTest::newRow("in a section") << QByteArray("[server]\nport=1\n");
    }

    void unknownIniKeyRefused()
    {
        QFETCH(QByteArray, content);
        const QString ini = writeFile(QStringLiteral("unknown.conf"), content);
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({"--config", qPrintable(ini)}), QString()),
                 Outcome::ExitFailure);
    }

    void commandLineErrors()
    {
        Configuration unknownFlag = makeConfiguration();
        QCOMPARE(unknownFlag.parse(args({"--no-such-flag", "1"}), QString()), Outcome::ExitFailure);
        Configuration positional = makeConfiguration();
        QCOMPARE(positional.parse(args({"stray"}), QString()), Outcome::ExitFailure);
        Configuration missingValue = makeConfiguration();
        QCOMPARE(missingValue.parse(args({"--port"}), QString()), Outcome::ExitFailure);
    }

    void helpListsEverySetting()
    {
        Configuration configuration = makeConfiguration();
        Outcome outcome = Outcome::Run;
        const QByteArray help =
            captureStdout([&] { outcome = configuration.parse(args({"--help"}), QString()); });
        QCOMPARE(outcome, Outcome::ExitSuccess);
        for (const char *flag : {"--port", "--bind", "--allowed-origins", "--rate-limits",
                                 "--cluster-token-file", "--load-ceiling", "--config"}) {
            QVERIFY2(help.contains(flag), flag);
        }
        QVERIFY(help.contains("[default: 8081]"));
        QVERIFY(help.contains("INSTANTCHAT_"));
    }

    void version()
    {
        Configuration configuration = makeConfiguration();
        Outcome outcome = Outcome::Run;
        const QByteArray out = captureStdout([&] {
            outcome = configuration.parse(args({"--version"}), QStringLiteral("9.8.7-test"));
        });
        QCOMPARE(outcome, Outcome::ExitSuccess);
        QVERIFY2(out.contains("9.8.7-test"), out.constData());
    }

    void listValues()
    {
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({}), QString()), Outcome::Run);
        QCOMPARE(configuration.listValue(QStringLiteral("allowed-origins")),
                 QStringList({QStringLiteral("http://localhost:8080"),
                              QStringLiteral("http://127.0.0.1:8080")}));
        configuration.set(QStringLiteral("allowed-origins"), QStringLiteral(" a , b,,c ,"));
        QCOMPARE(configuration.listValue(QStringLiteral("allowed-origins")),
                 QStringList({QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
        // The empty string means "none" (e.g. `--servers ""`).
        configuration.set(QStringLiteral("allowed-origins"), QString());
        QVERIFY(configuration.listValue(QStringLiteral("allowed-origins")).isEmpty());
    }

    // QSettings splits unquoted comma lists in INI files; the value must read like the flag.
    void listFromIniFile()
    {
        const QString ini =
            writeFile(QStringLiteral("list.conf"),
                      "allowed-origins=https://chat.example.org,http://localhost:8080\n");
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({"--config", qPrintable(ini)}), QString()), Outcome::Run);
        QCOMPARE(configuration.listValue(QStringLiteral("allowed-origins")),
                 QStringList({QStringLiteral("https://chat.example.org"),
                              QStringLiteral("http://localhost:8080")}));
    }

    void listFromEnvironment()
    {
        qputenv("INSTANTCHAT_ALLOWED_ORIGINS", "http://a:1, http://b:2");
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({}), QString()), Outcome::Run);
        QCOMPARE(configuration.listValue(QStringLiteral("allowed-origins")),
                 QStringList({QStringLiteral("http://a:1"), QStringLiteral("http://b:2")}));
    }

    void switchValues_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<bool>("expected");
        for (const char *yes : {"on", "ON", "true", "True", "yes", "1", " on "})
            QTest::newRow(yes) << QString::fromLatin1(yes) << true << true;
        for (const char *no : {"off", "OFF", "false", "no", "0"})
            QTest::newRow(no) << QString::fromLatin1(no) << true << false;
        // Anything else is a mistake to report, not "off".
        for (const char *bad : {"", "maybe", "onn", "2"})
            QTest::newRow(*bad ? bad : "(empty)") << QString::fromLatin1(bad) << false << false;
    }

    void switchValues()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(bool, expected);
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({"--rate-limits", qPrintable(text)}), QString()),
                 Outcome::Run);
        bool value = !expected;
        QString error;
        QCOMPARE(configuration.switchValue(QStringLiteral("rate-limits"), &value, &error), valid);
        if (valid) {
            QCOMPARE(value, expected);
            QVERIFY(error.isEmpty());
        } else {
            QCOMPARE(error, QStringLiteral("--rate-limits must be on or off"));
            QCOMPARE(value, !expected); // untouched
        }
    }

    void integerValues_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<bool>("valid");
        QTest::addColumn<qint64>("expected");
        QTest::newRow("plain") << QStringLiteral("9000") << true << qint64(9000);
        QTest::newRow("spaces") << QStringLiteral(" 9000 ") << true << qint64(9000);
        QTest::newRow("lowest") << QStringLiteral("0") << true << qint64(0);
        QTest::newRow("highest") << QStringLiteral("65535") << true << qint64(65535);
        QTest::newRow("above") << QStringLiteral("65536") << false << qint64(0);
        QTest::newRow("negative") << QStringLiteral("-1") << false << qint64(0);
        QTest::newRow("word") << QStringLiteral("eighty") << false << qint64(0);
        QTest::newRow("trailing garbage") << QStringLiteral("80x") << false << qint64(0);
        QTest::newRow("fraction") << QStringLiteral("80.5") << false << qint64(0);
        QTest::newRow("empty") << QString() << false << qint64(0);
    }

    void integerValues()
    {
        QFETCH(QString, text);
        QFETCH(bool, valid);
        QFETCH(qint64, expected);
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({"--port", qPrintable(text)}), QString()), Outcome::Run);
        qint64 value = -42;
        QString error;
        QCOMPARE(configuration.integerValue(QStringLiteral("port"), 0, 65535, &value, &error),
                 valid);
        if (valid) {
            QCOMPARE(value, expected);
        } else {
            QCOMPARE(error, QStringLiteral("--port must be a whole number from 0 to 65535"));
            QCOMPARE(value, qint64(-42));
        }
    }

    void numericValues()
    {
        Configuration configuration = makeConfiguration();
        QCOMPARE(
            configuration.parse(args({"--port", " 9000 ", "--load-ceiling", "0.75"}), QString()),
            Outcome::Run);
        QCOMPARE(portOf(configuration), 9000);
        QCOMPARE(configuration.doubleValue(QStringLiteral("load-ceiling")), 0.75);
        QCOMPARE(configuration.doubleValue(QStringLiteral("load-ceiling")) * 4, 3.0);
    }

    void environmentNames()
    {
        QCOMPARE(Configuration::environmentName(QStringLiteral("cluster-token-file")),
                 QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN_FILE"));
        QCOMPARE(Configuration::environmentName(QStringLiteral("port")),
                 QStringLiteral("INSTANTCHAT_PORT"));
        // The environment variable named that way is really the one read.
        qputenv("INSTANTCHAT_CLUSTER_TOKEN_FILE", "/x/y");
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({}), QString()), Outcome::Run);
        QCOMPARE(configuration.value(QStringLiteral("cluster-token-file")), QStringLiteral("/x/y"));
    }

    void secretFromFile()
    {
        const QString tokenFile = writeFile(QStringLiteral("token"), "s3cr3t-token\n");
        qputenv("INSTANTCHAT_CLUSTER_TOKEN", "from-environment");
        Configuration configuration = makeConfiguration();
        QCOMPARE(
            configuration.parse(args({"--cluster-token-file", qPrintable(tokenFile)}), QString()),
            Outcome::Run);
        QString error;
        // The file wins; its trailing newline (every editor adds one) is not part of the secret.
        QCOMPARE(configuration.secret(QStringLiteral("cluster-token-file"),
                                      QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"), &error),
                 QStringLiteral("s3cr3t-token"));
        QVERIFY(error.isEmpty());
    }

    void secretFromEnvironment()
    {
        qputenv("INSTANTCHAT_CLUSTER_TOKEN", "from-environment");
        Configuration configuration = makeConfiguration();
        QCOMPARE(configuration.parse(args({}), QString()), Outcome::Run);
        QString error;
        QCOMPARE(configuration.secret(QStringLiteral("cluster-token-file"),
                                      QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"), &error),
                 QStringLiteral("from-environment"));
        QVERIFY(error.isEmpty());

        qunsetenv("INSTANTCHAT_CLUSTER_TOKEN");
        QCOMPARE(configuration.secret(QStringLiteral("cluster-token-file"),
                                      QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"), &error),
                 QString());
    }

    // A secret file that cannot be read is an error, not "no secret" (that would turn auth off).
    void unreadableSecretFile()
    {
        qputenv("INSTANTCHAT_CLUSTER_TOKEN", "from-environment");
        Configuration configuration = makeConfiguration();
        const QByteArray missing = m_dir.filePath(QStringLiteral("no-token")).toUtf8();
        QCOMPARE(
            configuration.parse(args({"--cluster-token-file", missing.constData()}), QString()),
            Outcome::Run);
        QString error;
        const QString secret =
            configuration.secret(QStringLiteral("cluster-token-file"),
                                 QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"), &error);
        QVERIFY(secret.isEmpty());
        QVERIFY(!error.isEmpty());
        QVERIFY(error.contains(QString::fromUtf8(missing)));
    }
};

QTEST_GUILESS_MAIN(TestConfiguration)
#include "tst_configuration.moc"
