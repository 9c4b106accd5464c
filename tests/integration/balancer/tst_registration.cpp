// A server that cannot register with its balancer says so: a warning naming the reason in its
// log, /healthz answering 503 "not registered: <reason>" (while /livez stays 200 for liveness
// probes), instantchat_server_registered 0 and a reason-labelled failure counter. Once registered:
// /healthz 200 "ok" and instantchat_server_registered 1.
// A registered server that dies stays listed in /sd (so Prometheus keeps alerting on it) for
// --forget-dead-after seconds, or, with 0, until an admin forgets it (POST
// /admin/api/forget-server).

#include "BalancerFixture.h"

using namespace ic::testing;

class TestRegistration : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_tokenFile;
    std::unique_ptr<TestProcess> m_balancer;
    const QByteArray m_token = "registration-test-token";

    static double metric(const QByteArray &scrape, const QByteArray &series)
    {
        for (const QByteArray &line : scrape.split('\n')) {
            if (line.startsWith(series + ' '))
                return line.mid(series.size() + 1).trimmed().toDouble();
        }
        return -1;
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tokenFile = writeFile(m_dir, QStringLiteral("token"), m_token + '\n');
        m_balancer = startBalancer({QStringLiteral("--servers"), QString(),
                                    QStringLiteral("--cluster-token-file"), m_tokenFile,
                                    QStringLiteral("--port"), QStringLiteral("0"),
                                    QStringLiteral("--bind"), QStringLiteral("127.0.0.1")});
        QVERIFY(m_balancer);
    }

    void failureIsVisible_data()
    {
        QTest::addColumn<QString>("balancer"); // empty: the balancer of this test
        QTest::addColumn<QByteArray>("token"); // empty: no token file
        QTest::addColumn<QByteArray>("reason");
        QTest::addColumn<QByteArray>("phrase");
        QTest::newRow("wrong token")
            << QString() << QByteArray("not-the-token") << QByteArray("token")
            << QByteArray("refused the cluster token");
        QTest::newRow("no token") << QString() << QByteArray() << QByteArray("token")
                                  << QByteArray("this server has none");
        // Port 1 on loopback: nothing listens there.
        QTest::newRow("unreachable") << QStringLiteral("http://127.0.0.1:1") << m_token
                                     << QByteArray("unreachable") << QByteArray("unreachable");
    }

    void failureIsVisible()
    {
        QFETCH(QString, balancer);
        QFETCH(QByteArray, token);
        QFETCH(QByteArray, reason);
        QFETCH(QByteArray, phrase);
        const QString url = balancer.isEmpty()
                                ? QStringLiteral("http://127.0.0.1:%1").arg(m_balancer->port())
                                : balancer;
        const QString tokenFile =
            token.isEmpty()
                ? QString()
                : writeFile(
                      m_dir,
                      QStringLiteral("token-%1").arg(QString::fromUtf8(QTest::currentDataTag())),
                      token + '\n');
        auto server = startRoomServer(url, tokenFile);
        QVERIFY(server);

        QVERIFY2(server->waitForOutput("not registered with the balancer: ", 6000),
                 server->output().constData());
        QVERIFY2(server->output().contains(phrase), server->output().constData());
        QVERIFY(server->output().contains(" warning registration: "));

        HttpResult health;
        QVERIFY(waitUntil(
            [&] {
                health = httpGet(server->httpUrl(QStringLiteral("/healthz")));
                return health.body.contains(phrase);
            },
            5000));
        qInfo("/healthz: %d %s", health.status, health.body.trimmed().constData());
        QCOMPARE(health.status, 503);
        QVERIFY(health.body.startsWith("not registered: "));
        QCOMPARE(httpGet(server->httpUrl(QStringLiteral("/livez"))).status, 200);

        const QByteArray scrape = httpGet(server->httpUrl(QStringLiteral("/metrics"))).body;
        QCOMPARE(metric(scrape, "instantchat_server_registered"), 0.0);
        QVERIFY(metric(scrape, "instantchat_server_registration_failures_total{reason=\"" + reason +
                                   "\"}") >= 1.0);

        // The balancer never lists it.
        QVERIFY(!balancerGet(*m_balancer, QStringLiteral("/sd"))
                     .body.contains(server->hostPort().toUtf8()));
    }

    void registeredIsHealthy()
    {
        auto server = startRoomServer(QStringLiteral("http://127.0.0.1:%1").arg(m_balancer->port()),
                                      m_tokenFile);
        QVERIFY(server);
        QVERIFY(waitUntil(
            [&] { return httpGet(server->httpUrl(QStringLiteral("/healthz"))).status == 200; },
            6000));
        QCOMPARE(httpGet(server->httpUrl(QStringLiteral("/healthz"))).body, QByteArray("ok"));
        const QByteArray scrape = httpGet(server->httpUrl(QStringLiteral("/metrics"))).body;
        QCOMPARE(metric(scrape, "instantchat_server_registered"), 1.0);
        QVERIFY(!server->output().contains("not registered"));
    }

    void withoutBalancerHealthzIsOk()
    {
        auto server = startRoomServer();
        QVERIFY(server);
        const HttpResult health = httpGet(server->httpUrl(QStringLiteral("/healthz")));
        QCOMPARE(health.status, 200);
        QCOMPARE(health.body, QByteArray("ok"));
    }

    void deadServerStaysInSd_data()
    {
        QTest::addColumn<int>("forgetAfter");
        QTest::newRow("kept until an admin forgets it") << 0;
        QTest::newRow("forgotten after --forget-dead-after 2") << 2;
    }

    void deadServerStaysInSd()
    {
        QFETCH(int, forgetAfter);
        const QByteArray password = "registration-admin";
        auto balancer = startBalancer(
            {QStringLiteral("--servers"), QString(), QStringLiteral("--cluster-token-file"),
             m_tokenFile, QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--bind"),
             QStringLiteral("127.0.0.1"), QStringLiteral("--heartbeat-interval"),
             QStringLiteral("1"), QStringLiteral("--forget-dead-after"),
             QString::number(forgetAfter)},
            {QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=") + QString::fromLatin1(password)});
        QVERIFY(balancer);
        auto server = startRoomServer(QStringLiteral("http://127.0.0.1:%1").arg(balancer->port()),
                                      m_tokenFile);
        QVERIFY(server);
        const QByteArray target = server->hostPort().toUtf8();
        const auto inSd = [&] {
            return balancerGet(*balancer, QStringLiteral("/sd")).body.contains(target);
        };
        QVERIFY(waitUntil(inSd, 6000));
        const QString id = server->hostPort().replace(u':', u'-');
        const auto alive = [&] {
            const HttpResult result = balancerGet(*balancer, QStringLiteral("/admin/api/servers"),
                                                  {{"Authorization", basicAuth(password)}});
            for (const QJsonValue &s :
                 jsonObject(result).value(QLatin1StringView("servers")).toArray())
                if (s.toObject().value(QLatin1StringView("id")).toString() == id)
                    return s.toObject().value(QLatin1StringView("alive")).toBool();
            return false;
        };
        QVERIFY(alive());

        server->kill(); // no deregistration: a crash, a power cut
        QVERIFY(waitUntil([&] { return !alive(); }, 8000));
        if (forgetAfter > 0) {
            QVERIFY(waitUntil([&] { return !inSd(); }, (forgetAfter + 4) * 1000));
            return;
        }
        // Dead, and still a Prometheus target a while later.
        settle(3000);
        QVERIFY(inSd());
        const QUrl forget = balancer->httpUrl(QStringLiteral("/admin/api/forget-server"));
        const HttpResult unknown = httpPost(forget, R"({"server":"nobody-1"})", "application/json",
                                            {{"Authorization", basicAuth(password)}});
        QCOMPARE(unknown.status, 404);
        const HttpResult forgotten =
            httpPost(forget, QByteArray("{\"server\":\"") + id.toUtf8() + "\"}", "application/json",
                     {{"Authorization", basicAuth(password)}});
        QCOMPARE(forgotten.status, 200);
        QVERIFY(!inSd());
    }

    void liveServerCannotBeForgotten()
    {
        const QByteArray password = "registration-admin";
        auto balancer = startBalancer(
            {QStringLiteral("--servers"), QString(), QStringLiteral("--cluster-token-file"),
             m_tokenFile, QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--bind"),
             QStringLiteral("127.0.0.1")},
            {QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=") + QString::fromLatin1(password)});
        QVERIFY(balancer);
        auto server = startRoomServer(QStringLiteral("http://127.0.0.1:%1").arg(balancer->port()),
                                      m_tokenFile);
        QVERIFY(server);
        const QByteArray target = server->hostPort().toUtf8();
        QVERIFY(waitUntil(
            [&] { return balancerGet(*balancer, QStringLiteral("/sd")).body.contains(target); },
            6000));
        const HttpResult refused = httpPost(
            balancer->httpUrl(QStringLiteral("/admin/api/forget-server")),
            QByteArray("{\"server\":\"") + server->hostPort().replace(u':', u'-').toUtf8() + "\"}",
            "application/json", {{"Authorization", basicAuth(password)}});
        QCOMPARE(refused.status, 409);
        QVERIFY(balancerGet(*balancer, QStringLiteral("/sd")).body.contains(target));
    }
};

QTEST_GUILESS_MAIN(TestRegistration)
#include "tst_registration.moc"
