// The balancer over TLS (--tls-cert/--tls-key, read by the shared net::loadTlsIdentity): pages
// over https to a client that trusts the certificate, nothing for plain http on that port, and
// a sentence (and no start) for a file that is not a PEM certificate.

#include "BalancerFixture.h"

#include <QEventLoop>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QSslSocket>
#include <QStandardPaths>
#include <QTcpSocket>

using namespace ic::testing;

class TestBalancerTls : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_cert, m_key;

    QStringList tlsArguments(const QString &cert, const QString &key) const
    {
        return {QStringLiteral("--servers"), QString(), QStringLiteral("--tls-cert"), cert,
                QStringLiteral("--tls-key"), key};
    }

private slots:
    void initTestCase()
    {
        QVERIFY2(QSslSocket::supportsSsl(), "this Qt has no TLS backend");
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        QVERIFY2(!openssl.isEmpty(),
                 "the openssl tool is not in PATH (scripts/setup.sh installs it)");
        QVERIFY(m_dir.isValid());
        m_cert = m_dir.filePath(QStringLiteral("cert.pem"));
        m_key = m_dir.filePath(QStringLiteral("key.pem"));
        QProcess process;
        process.setProcessChannelMode(QProcess::MergedChannels);
        process.start(openssl,
                      {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                       QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                       QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                       QStringLiteral("-days"), QStringLiteral("1"), QStringLiteral("-subj"),
                       QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                       QStringLiteral("subjectAltName=IP:127.0.0.1"), QStringLiteral("-keyout"),
                       m_key, QStringLiteral("-out"), m_cert});
        QVERIFY(process.waitForFinished(60000));
        QVERIFY2(process.exitCode() == 0, process.readAll().constData());
    }

    void pagesOverHttps()
    {
        auto balancer = startBalancer(tlsArguments(m_cert, m_key));
        QVERIFY(balancer);
        QUrl url = balancer->httpUrl(QStringLiteral("/"));
        url.setScheme(QStringLiteral("https"));

        QNetworkAccessManager network;
        QNetworkRequest request(url);
        QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
        trust.setCaCertificates(QSslCertificate::fromPath(m_cert, QSsl::Pem));
        request.setSslConfiguration(trust);
        request.setTransferTimeout(10000);
        QNetworkReply *reply = network.get(request);
        QEventLoop loop;
        connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
        loop.exec();
        QVERIFY2(reply->error() == QNetworkReply::NoError, qPrintable(reply->errorString()));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QVERIFY(reply->readAll().contains("<html"));
        const QSslCertificate peer = reply->sslConfiguration().peerCertificate();
        QCOMPARE(peer, QSslCertificate::fromPath(m_cert, QSsl::Pem).value(0));
        reply->deleteLater();

        // Plain HTTP to the TLS port gets no HTTP answer.
        QTcpSocket plain;
        plain.connectToHost(QStringLiteral("127.0.0.1"), balancer->port());
        QVERIFY(plain.waitForConnected(5000));
        plain.write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        plain.waitForReadyRead(2000);
        QVERIFY(!plain.readAll().startsWith("HTTP/1.1 200"));
    }

    void badIdentityIsRefusedWithASentence_data()
    {
        QTest::addColumn<QString>("cert");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QByteArray>("sentence");
        QTest::newRow("key as certificate") << QStringLiteral("key") << QStringLiteral("key")
                                            << QByteArray("--tls-cert must hold a PEM certificate");
        QTest::newRow("missing key") << QStringLiteral("cert") << QStringLiteral("missing")
                                     << QByteArray("cannot read --tls-cert");
    }
    void badIdentityIsRefusedWithASentence()
    {
        QFETCH(QString, cert);
        QFETCH(QString, key);
        QFETCH(QByteArray, sentence);
        const auto file = [this](const QString &which) {
            return which == u"cert"  ? m_cert
                   : which == u"key" ? m_key
                                     : m_dir.filePath(QStringLiteral("missing.pem"));
        };
        TestProcess balancer(QStringLiteral("instantchat-balancer"),
                             tlsArguments(file(cert), file(key)));
        QVERIFY(!balancer.start(10000));
        QVERIFY2(balancer.output().contains(sentence), balancer.output().constData());
    }
};

QTEST_MAIN(TestBalancerTls)
#include "tst_tls.moc"
