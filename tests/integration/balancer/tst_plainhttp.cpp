// /r/ and /s/ through the balancer to a real server: replies, every error with its status, and
// 503 when no server is live.

#include "BalancerFixture.h"

using namespace ic::testing;

class TestPlainHttp : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;
    std::unique_ptr<TestProcess> m_balancer;

    HttpResult get(const QString &pathAndQuery) { return balancerGet(*m_balancer, pathAndQuery); }

private slots:
    void initTestCase()
    {
        m_server = startRoomServer();
        QVERIFY(m_server);
        // 127.0.0.1 stands for the gateway: trusted explicitly (no proxy is trusted by default).
        m_balancer =
            startBalancer({QStringLiteral("--servers"), m_server->hostPort(),
                           QStringLiteral("--warm-up"), QStringLiteral("0"),
                           QStringLiteral("--trusted-proxies"), QStringLiteral("127.0.0.1")});
        QVERIFY(m_balancer);
        QVERIFY(waitUntil(
            [&] {
                return jsonObject(pick(*m_balancer, QStringLiteral("probe-room")))
                           .value(QLatin1StringView("bA"))
                           .toString()
                           .size() > 0;
            },
            8000));
    }

    void sendThenRead()
    {
        HttpResult sent = get(QStringLiteral("/s/UA-Room?m=hello%20world&p=pw"));
        QCOMPARE(sent.status, 200);
        QVERIFY(sent.body.contains("Created new room!"));
        QVERIFY(sent.body.contains("message sent"));
        sent = get(QStringLiteral("/s/ua-room?m=second&p=pw&format=json"));
        QCOMPARE(sent.status, 200);
        QCOMPARE(jsonObject(sent),
                 (QJsonObject{{QStringLiteral("createdNewRoom"), false},
                              {QStringLiteral("responseText"), QStringLiteral("message sent")}}));

        const HttpResult text = get(QStringLiteral("/r/%20UA-ROOM?p=pw"));
        QCOMPARE(text.status, 200);
        QVERIFY(text.body.contains(
            "Showing 2 of 2 universally accessible chat room messages below this line"));
        QVERIFY(text.body.contains("#1 external-user: hello world"));
        QVERIFY(text.body.contains("#2 external-user: second"));
        const HttpResult quiet = get(QStringLiteral("/r/ua-room?p=pw&quite=true&l=1"));
        QVERIFY(quiet.body.startsWith("Showing 1 of 2"));
        const HttpResult json = get(QStringLiteral("/r/ua-room?p=pw&format=json&id=2"));
        QCOMPARE(json.status, 200);
        const QJsonObject answer = jsonObject(json);
        QCOMPARE(answer.value(QLatin1StringView("messagesCount")).toInt(), 1);
        QCOMPARE(answer.value(QLatin1StringView("totalRoomMessagesCount")).toInt(), 2);
        QCOMPARE(answer.value(QLatin1StringView("messages"))
                     .toArray()
                     .first()
                     .toObject()
                     .value(QLatin1StringView("text"))
                     .toString(),
                 QStringLiteral("second"));
        // Reading a new room creates it.
        const HttpResult fresh = get(QStringLiteral("/r/fresh-room"));
        QVERIFY2(fresh.body.contains("system: you have just created this room"),
                 fresh.body.constData());
    }

    void errorsHaveFittingStatuses()
    {
        // Wrong password: 403 in both forms.
        HttpResult wrong = get(QStringLiteral("/r/ua-room?p=nope"));
        QCOMPARE(wrong.status, 403);
        QVERIFY(wrong.body.startsWith("error: "));
        wrong = get(QStringLiteral("/s/ua-room?p=nope&m=x&format=json"));
        QCOMPARE(wrong.status, 403);
        QVERIFY(jsonObject(wrong)
                    .value(QLatin1StringView("error"))
                    .toString()
                    .startsWith(QStringLiteral("error: ")));
        // Invalid names are refused by the balancer itself: 400.
        for (const QString &path :
             {QStringLiteral("/r/ab"), QStringLiteral("/s/admin?m=x"), QStringLiteral("/r/a%2Fbcd"),
              QStringLiteral("/s/has%20space?m=x"), QStringLiteral("/r/") + QString(101, u'x')}) {
            const HttpResult refused = get(path);
            QVERIFY2(refused.status == 400, qPrintable(path));
            QVERIFY2(refused.body.startsWith("error: "), refused.body.constData());
        }
        // Broken percent-encoding, sent raw (QUrl would refuse to send it).
        const QByteArray broken = rawExchange(
            m_balancer->port(), "GET /r/a%ZZbc HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QVERIFY2(broken.startsWith("HTTP/1.1 400"), broken.constData());
        QVERIFY(broken.contains("\r\n\r\nerror: "));
        const HttpResult jsonRefused = get(QStringLiteral("/r/ab?format=json"));
        QCOMPARE(jsonRefused.status, 400);
        QVERIFY(jsonObject(jsonRefused)
                    .value(QLatin1StringView("error"))
                    .toString()
                    .startsWith(QStringLiteral("error: a room name")));
        // A message over the limit: the server's status is relayed.
        const HttpResult tooLong = get(QStringLiteral("/s/ua-room?p=pw&m=") + QString(10001, u'a'));
        QVERIFY2(tooLong.status == 413 || tooLong.status == 400,
                 QByteArray::number(tooLong.status).constData());
        QVERIFY(tooLong.body.startsWith("error: "));
        // Not GET: 405.
        QCOMPARE(httpPost(m_balancer->httpUrl(QStringLiteral("/s/ua-room")), "m=x").status, 405);
    }

    void noLiveServerIs503()
    {
        // A balancer whose only server is a closed port.
        auto lonely = startBalancer({QStringLiteral("--servers"), QStringLiteral("127.0.0.1:9"),
                                     QStringLiteral("--warm-up"), QStringLiteral("0")});
        QVERIFY(lonely);
        const HttpResult text = balancerGet(*lonely, QStringLiteral("/r/any-room"));
        QCOMPARE(text.status, 503);
        QVERIFY(text.body.startsWith("error: "));
        const HttpResult json = balancerGet(*lonely, QStringLiteral("/s/any-room?m=x&format=json"));
        QCOMPARE(json.status, 503);
        QVERIFY(jsonObject(json)
                    .value(QLatin1StringView("error"))
                    .toString()
                    .startsWith(QStringLiteral("error: ")));
        const QJsonObject picked = jsonObject(pick(*lonely, QStringLiteral("any-room")));
        QCOMPARE(picked.value(QLatin1StringView("bA")).toString(), QString());
        QVERIFY(!picked.value(QLatin1StringView("e")).toString().isEmpty());
        QVERIFY(balancerGet(*lonely, QStringLiteral("/metrics"))
                    .body.contains("instantchat_balancer_placements_total{result=\"failed\"} 3"));
    }

    void gatewayRoutesAnswerServerIds()
    {
        auto gateway = startBalancer(
            {QStringLiteral("--servers"), m_server->hostPort(), QStringLiteral("--warm-up"),
             QStringLiteral("0"), QStringLiteral("--gateway-routes"), QStringLiteral("on"),
             QStringLiteral("--public-url"), QStringLiteral("https://chat.example.org")});
        QVERIFY(gateway);
        const QString id = m_server->hostPort().replace(u':', u'-');
        QString address;
        QVERIFY(waitUntil(
            [&] {
                address = jsonObject(pick(*gateway, QStringLiteral("gateway-room")))
                              .value(QLatin1StringView("bA"))
                              .toString();
                return !address.isEmpty();
            },
            8000));
        QCOMPARE(address, QStringLiteral("chat.example.org/b/") + id);
        QCOMPARE(balancerGet(*gateway, QStringLiteral("/internal/route-check?id=") + id).status,
                 204);
        QCOMPARE(
            balancerGet(*gateway, QStringLiteral("/internal/route-check?id=127.0.0.1-1")).status,
            404);
        const QJsonArray sd =
            QJsonDocument::fromJson(balancerGet(*gateway, QStringLiteral("/sd")).body).array();
        QCOMPARE(sd.size(), 1);
        QCOMPARE(sd.first()
                     .toObject()
                     .value(QLatin1StringView("labels"))
                     .toObject()
                     .value(QLatin1StringView("server_id"))
                     .toString(),
                 id);
        QCOMPARE(
            sd.first().toObject().value(QLatin1StringView("targets")).toArray().first().toString(),
            m_server->hostPort());
    }

    void sendingIsRateLimited()
    {
        // Rate limits are on by default: a script sending in a tight loop is slowed with 429.
        int limited = 0;
        for (int i = 0; i < 40 && limited == 0; ++i)
            limited += get(QStringLiteral("/s/busy-room?m=%1").arg(i)).status == 429 ? 1 : 0;
        QCOMPARE(limited, 1);
    }

    void forwardedClientsHaveOwnBuckets()
    {
        // 127.0.0.1 is a trusted proxy here (--trusted-proxies): behind it each forwarded
        // client has its own bucket, so the loop above did not use up this client's sends.
        int limited = 0;
        for (int i = 0; i < 40 && limited == 0; ++i)
            limited += get(QStringLiteral("/s/busy-room?m=x%1").arg(i)).status == 429 ? 1 : 0;
        QCOMPARE(limited, 1); // the proxy's own address is still limited
        const QByteArray forwarded = rawExchange(
            m_balancer->port(), "GET /s/busy-room?m=forwarded HTTP/1.1\r\nHost: x\r\n"
                                "X-Forwarded-For: 203.0.113.9\r\nConnection: close\r\n\r\n");
        QVERIFY2(!forwarded.startsWith("HTTP/1.1 429"), forwarded.left(60).constData());
        QVERIFY2(forwarded.startsWith("HTTP/1.1 "), forwarded.left(60).constData());
    }

    void metricsCountRoutes()
    {
        const QByteArray metrics = get(QStringLiteral("/metrics")).body;
        QVERIFY(
            metrics.contains("instantchat_balancer_requests_total{route=\"s\",status=\"200\"}"));
        QVERIFY(
            metrics.contains("instantchat_balancer_requests_total{route=\"r\",status=\"403\"} 1"));
        QVERIFY(metrics.contains("instantchat_balancer_placements_total{result=\"new\"}"));
        QVERIFY(metrics.contains("instantchat_balancer_servers_up 1"));
        QVERIFY(metrics.contains("instantchat_balancer_servers_known 1"));
        QVERIFY(metrics.contains("instantchat_balancer_pick_latency_seconds_bucket"));
        QVERIFY(metrics.contains("process_resident_memory_bytes"));
    }
    // The password in the X-Room-Password header (what the web UI's examples show): a room made
    // with it needs it, in the header or, from old clients, as ?p= (deprecated).
    void passwordInHeader()
    {
        // A client of its own (the limits tests above used up the test address's buckets).
        const QByteArray client = "203.0.113.77";
        const auto withPassword = [&](const QString &path, const QByteArray &password) {
            return balancerGet(*m_balancer, path,
                               {{"X-Room-Password", password}, {"X-Forwarded-For", client}});
        };
        HttpResult sent = withPassword(QStringLiteral("/s/hdr-room?m=hello"), "h%d secret");
        QCOMPARE(sent.status, 200);
        QVERIFY(sent.body.contains("Created new room!"));
        QCOMPARE(
            balancerGet(*m_balancer, QStringLiteral("/r/hdr-room"), {{"X-Forwarded-For", client}})
                .status,
            403);
        QCOMPARE(withPassword(QStringLiteral("/r/hdr-room"), "wrong").status, 403);
        const HttpResult read = withPassword(QStringLiteral("/r/hdr-room"), "h%d secret");
        QCOMPARE(read.status, 200);
        QVERIFY(read.body.contains("external-user: hello"));
        QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/r/hdr-room?p=h%25d%20secret"),
                             {{"X-Forwarded-For", client}})
                     .status,
                 200);
        // Straight at the server (as the balancer forwards it): the header is enough.
        const HttpResult direct =
            httpGet(m_server->httpUrl(QStringLiteral("/direct_retrieval?roomName=hdr-room")),
                    {{"X-Room-Password", "h%d secret"}});
        QCOMPARE(direct.status, 200);
    }
};

QTEST_GUILESS_MAIN(TestPlainHttp)
#include "tst_plainhttp.moc"
