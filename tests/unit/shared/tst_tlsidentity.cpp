// net::loadTlsIdentity, the one reader of --tls-cert/--tls-key (server and balancer): RSA and EC
// keys from real openssl-made files, and a sentence naming the flags for everything else.

#include "net/TlsIdentity.h"

#include <QFile>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

class TestTlsIdentity : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // A self-signed certificate and its key, made by the openssl tool.
    void make(const QStringList &newKey, const QString &prefix)
    {
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        QVERIFY2(!openssl.isEmpty(),
                 "the openssl tool is not in PATH (scripts/setup.sh installs it)");
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(
            openssl,
            QStringList{QStringLiteral("req"), QStringLiteral("-x509")} + newKey +
                QStringList{QStringLiteral("-nodes"), QStringLiteral("-days"), QStringLiteral("1"),
                            QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                            QStringLiteral("-keyout"), path(prefix + QStringLiteral("key.pem")),
                            QStringLiteral("-out"), path(prefix + QStringLiteral("cert.pem"))});
        QVERIFY(process.waitForFinished(60000));
        QVERIFY2(process.exitCode() == 0, process.readAll().constData());
    }

    static void write(const QString &file, const QByteArray &bytes)
    {
        QFile out(file);
        QVERIFY(out.open(QIODevice::WriteOnly));
        out.write(bytes);
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QSslSocket::supportsSsl(), "this Qt has no TLS backend");
        QVERIFY(m_dir.isValid());
        make({QStringLiteral("-newkey"), QStringLiteral("rsa:2048")}, QStringLiteral("rsa-"));
        make({QStringLiteral("-newkey"), QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
              QStringLiteral("ec_paramgen_curve:prime256v1")},
             QStringLiteral("ec-"));
    }

    void keys_data()
    {
        QTest::addColumn<QString>("prefix");
        QTest::addColumn<int>("algorithm");
        QTest::newRow("rsa") << QStringLiteral("rsa-") << int(QSsl::Rsa);
        QTest::newRow("ec") << QStringLiteral("ec-") << int(QSsl::Ec);
    }
    void keys()
    {
        QFETCH(QString, prefix);
        QFETCH(int, algorithm);
        QString error;
        const auto identity =
            ic::net::loadTlsIdentity(path(prefix + QStringLiteral("cert.pem")),
                                     path(prefix + QStringLiteral("key.pem")), &error);
        QVERIFY2(identity, qPrintable(error));
        QVERIFY(error.isEmpty());
        QCOMPARE(int(identity->privateKey().algorithm()), algorithm);
        QCOMPARE(identity->localCertificateChain().size(), 1);
        QCOMPARE(identity->localCertificate().subjectInfo(QSslCertificate::CommonName),
                 QStringList{QStringLiteral("127.0.0.1")});
    }

    void refused_data()
    {
        QTest::addColumn<QString>("cert");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("sentence");
        const QString cannotRead = QStringLiteral("cannot read --tls-cert");
        const QString notPem = QStringLiteral("--tls-cert must hold a PEM certificate");
        QTest::newRow("no cert file")
            << QStringLiteral("missing.pem") << QStringLiteral("rsa-key.pem") << cannotRead;
        QTest::newRow("no key file")
            << QStringLiteral("rsa-cert.pem") << QStringLiteral("missing.pem") << cannotRead;
        QTest::newRow("key as cert")
            << QStringLiteral("rsa-key.pem") << QStringLiteral("rsa-key.pem") << notPem;
        QTest::newRow("cert as key")
            << QStringLiteral("rsa-cert.pem") << QStringLiteral("rsa-cert.pem") << notPem;
        QTest::newRow("garbage") << QStringLiteral("garbage.pem") << QStringLiteral("garbage.pem")
                                 << notPem;
        QTest::newRow("empty") << QStringLiteral("empty.pem") << QStringLiteral("rsa-key.pem")
                               << notPem;
    }
    void refused()
    {
        QFETCH(QString, cert);
        QFETCH(QString, key);
        QFETCH(QString, sentence);
        write(path(QStringLiteral("garbage.pem")), "-----BEGIN CERTIFICATE-----\nnot base64\n");
        write(path(QStringLiteral("empty.pem")), QByteArray());
        QString error;
        QVERIFY(!ic::net::loadTlsIdentity(path(cert), path(key), &error));
        QVERIFY2(error.startsWith(sentence), qPrintable(error));
    }
};

QTEST_MAIN(TestTlsIdentity)
#include "tst_tlsidentity.moc"
