// Placement across real servers: pick_backend's answer, every client of a room on one server,
// spreading by load, registration and its token, deregistration, failover of a killed server
// and a balancer restart that keeps rooms where they are.

#include "BalancerFixture.h"

#include <QElapsedTimer>
#include <QUrlQuery>

using namespace ic::testing;

class TestCluster : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_tokenFile;
    std::unique_ptr<TestProcess> m_balancer;
    std::vector<std::unique_ptr<TestProcess>> m_servers;
    const QByteArray m_token = "cluster-secret-for-tests";
    const QByteArray m_adminPassword = "admin-secret-for-tests";

    QString balancerUrl() const
    {
        return QStringLiteral("http://127.0.0.1:%1").arg(m_balancer->port());
    }

    QStringList balancerArguments(quint16 port, bool quickWarmUp) const
    {
        QStringList arguments{QStringLiteral("--servers"),
                              QString(),
                              QStringLiteral("--cluster-token-file"),
                              m_tokenFile,
                              QStringLiteral("--rate-limits"),
                              QStringLiteral("off"),
                              QStringLiteral("--port"),
                              QString::number(port),
                              QStringLiteral("--bind"),
                              QStringLiteral("127.0.0.1")};
        if (quickWarmUp)
            arguments << QStringLiteral("--warm-up") << QStringLiteral("1");
        return arguments;
    }

    QJsonArray adminServers() const
    {
        const HttpResult result = balancerGet(*m_balancer, QStringLiteral("/admin/api/servers"),
                                              {{"Authorization", basicAuth(m_adminPassword)}});
        return jsonObject(result).value(QLatin1StringView("servers")).toArray();
    }

    int liveServers() const
    {
        int live = 0;
        for (const QJsonValue &server : adminServers())
            live += server.toObject().value(QLatin1StringView("alive")).toBool() ? 1 : 0;
        return live;
    }

    TestProcess *serverOnPort(quint16 port)
    {
        for (auto &server : m_servers) {
            if (server && server->port() == port)
                return server.get();
        }
        return nullptr;
    }

    // GET a server's own route with the cluster token.
    HttpResult serverGet(const TestProcess &server, const QString &pathAndQuery)
    {
        return httpGet(QUrl(QStringLiteral("http://%1%2").arg(server.hostPort(), pathAndQuery)),
                       {{"X-Instantchat-Token", m_token}});
    }

    bool serverHoldsRoom(const TestProcess &server, const QString &room)
    {
        const HttpResult hw = serverGet(server, QStringLiteral("/hw?roomName=") + room);
        return jsonObject(hw).value(QLatin1StringView("rf")).toBool();
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tokenFile = writeFile(m_dir, QStringLiteral("token"), m_token + '\n');
        m_balancer = startBalancer(
            balancerArguments(0, true),
            {QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=") + QString::fromLatin1(m_adminPassword)});
        QVERIFY(m_balancer);
        for (int i = 0; i < 3; ++i) {
            m_servers.push_back(startRoomServer(balancerUrl(), m_tokenFile));
            QVERIFY(m_servers.back());
        }
        QVERIFY2(waitUntil([&] { return liveServers() == 3; }, 10000), "three servers registered");
    }

    void pickBackendAnswerShape()
    {
        const HttpResult result = pick(*m_balancer, QStringLiteral("Shape-Room"));
        QCOMPARE(result.status, 200);
        QCOMPARE(result.header("Cache-Control"), QByteArray("no-store"));
        QVERIFY(result.header("Content-Type").startsWith("application/json"));
        const QJsonObject answer = jsonObject(result);
        QCOMPARE(answer.keys(),
                 (QStringList{QStringLiteral("aN"), QStringLiteral("bA"), QStringLiteral("e")}));
        QVERIFY(serverOnPort(pickedPort(result)));
        QCOMPARE(answer.value(QLatin1StringView("e")).toString(), QString());
        QCOMPARE(answer.value(QLatin1StringView("aN")).toArray(),
                 (QJsonArray{QStringLiteral("2"), QStringLiteral("3"), QStringLiteral("4"),
                             QStringLiteral("5")}));

        // Names that exist are skipped in aN.
        for (const char *taken : {"shape-room-2", "shape-room-4"})
            QCOMPARE(pick(*m_balancer, QString::fromLatin1(taken)).status, 200);
        QCOMPARE(jsonObject(pick(*m_balancer, QStringLiteral("shape-room")))
                     .value(QLatin1StringView("aN"))
                     .toArray(),
                 (QJsonArray{QStringLiteral("3"), QStringLiteral("5"), QStringLiteral("6"),
                             QStringLiteral("7")}));

        // Errors: bA empty, e a sentence, aN null.
        for (const QString &bad : {QStringLiteral("ab"), QStringLiteral("admin"),
                                   QStringLiteral("a/b c"), QString(), QString(101, u'x')}) {
            const HttpResult refused = pick(*m_balancer, bad);
            QCOMPARE(refused.status, 200);
            const QJsonObject error = jsonObject(refused);
            QCOMPARE(error.value(QLatin1StringView("bA")).toString(), QString());
            QVERIFY2(error.value(QLatin1StringView("e")).toString().size() > 10, qPrintable(bad));
            QVERIFY(error.value(QLatin1StringView("aN")).isNull());
            QCOMPARE(refused.header("Cache-Control"), QByteArray("no-store"));
        }
    }

    void everyClientOfARoomReachesTheSameServer()
    {
        const quint16 port = pickedPort(pick(*m_balancer, QStringLiteral("Meeting-Point")));
        TestProcess *holder = serverOnPort(port);
        QVERIFY(holder);
        // Other clients, other spellings of the same room (canonical: trimmed, lower case).
        for (const QString &spelling :
             {QStringLiteral("meeting-point"), QStringLiteral(" MEETING-POINT "),
              QStringLiteral("Meeting-point")}) {
            for (int client = 0; client < 3; ++client)
                QCOMPARE(pickedPort(pick(*m_balancer, spelling)), port);
        }
        // A WebSocket member on that server sees what another client sends through /s/.
        const QByteArray cookie = ic::session::createCookieValue();
        RawSocket member;
        QVERIFY(member.open(port, cookie));
        member.sendText(R"({"c":"R_C_J","rq":"j1","r":{"n":"meeting-point","p":""},"uN":"alice"})");
        QVERIFY(member.waitForFrame([](const auto &frame) { return frame.command == u"RP"; }));
        const HttpResult sent =
            balancerGet(*m_balancer, QStringLiteral("/s/Meeting-Point?m=hello%20there"));
        QCOMPARE(sent.status, 200);
        const auto message =
            member.waitForFrame([](const auto &frame) { return frame.command == u"TM"; });
        QVERIFY(message);
        QCOMPARE(message->messages->first().text.value(), QStringLiteral("hello%20there"));
        // Exactly one server holds the room.
        int holders = 0;
        for (auto &server : m_servers)
            holders += serverHoldsRoom(*server, QStringLiteral("meeting-point")) ? 1 : 0;
        QCOMPARE(holders, 1);
    }

    void loopbackServersAreAnsweredWithTheClientsHostName()
    {
        const HttpResult viaLocalhost = pick(*m_balancer, QStringLiteral("host-room"),
                                             "localhost:" + QByteArray::number(m_balancer->port()));
        const quint16 port = pickedPort(viaLocalhost);
        QCOMPARE(jsonObject(viaLocalhost).value(QLatin1StringView("bA")).toString(),
                 QStringLiteral("localhost:%1").arg(port));
        const HttpResult viaIp = pick(*m_balancer, QStringLiteral("host-room"),
                                      "127.0.0.1:" + QByteArray::number(m_balancer->port()));
        QCOMPARE(jsonObject(viaIp).value(QLatin1StringView("bA")).toString(),
                 QStringLiteral("127.0.0.1:%1").arg(port));
    }

    void newRoomsSpreadByLoad()
    {
        // Load the first server with rooms created directly on it (not through the balancer).
        TestProcess *loaded = m_servers[0].get();
        for (int i = 0; i < 40; ++i) {
            const HttpResult created =
                serverGet(*loaded, QStringLiteral("/direct_sending?roomName=direct-%1&m=x").arg(i));
            QVERIFY2(created.status == 200, created.body.constData());
        }
        // Its next heartbeat reports the rooms.
        QVERIFY(waitUntil(
            [&] {
                for (const QJsonValue &server : adminServers()) {
                    const QJsonObject s = server.toObject();
                    if (s.value(QLatin1StringView("address")).toString() == loaded->hostPort())
                        return s.value(QLatin1StringView("load"))
                                   .toObject()
                                   .value(QLatin1StringView("rooms"))
                                   .toInt() >= 40;
                }
                return false;
            },
            8000));
        // What the balancer saw, so a failure shows why it chose as it did.
        for (const QJsonValue &server : adminServers()) {
            const QJsonObject s = server.toObject();
            const QJsonObject load = s.value(QLatin1StringView("load")).toObject();
            qInfo("%s: rooms %d, connections %d, cpu %.1f %%",
                  qPrintable(s.value(QLatin1StringView("address")).toString()),
                  load.value(QLatin1StringView("rooms")).toInt(),
                  load.value(QLatin1StringView("connections")).toInt(),
                  load.value(QLatin1StringView("cpu")).toDouble());
        }
        QMap<quint16, int> placed;
        for (int i = 0; i < 12; ++i)
            ++placed[pickedPort(pick(*m_balancer, QStringLiteral("spread-%1").arg(i)))];
        qInfo("12 new rooms: loaded server %d, others %d and %d", placed.value(loaded->port()),
              placed.value(m_servers[1]->port()), placed.value(m_servers[2]->port()));
        QCOMPARE(placed.value(loaded->port()), 0);
        QVERIFY(placed.value(m_servers[1]->port()) >= 3);
        QVERIFY(placed.value(m_servers[2]->port()) >= 3);
        QCOMPARE(placed.value(m_servers[1]->port()) + placed.value(m_servers[2]->port()), 12);
    }

    void registrationNeedsTheClusterToken()
    {
        const QByteArray body =
            R"({"id":"intruder","address":"127.0.0.1:1","version":"x","load":{}})";
        const QUrl url = m_balancer->httpUrl(QStringLiteral("/internal/heartbeat"));
        QCOMPARE(httpPost(url, body, "application/json").status, 403);
        QCOMPARE(httpPost(url, body, "application/json", {{"X-Instantchat-Token", "wrong"}}).status,
                 403);
        QCOMPARE(httpPost(m_balancer->httpUrl(QStringLiteral("/internal/deregister")),
                          R"({"id":"x"})", "application/json")
                     .status,
                 403);
        // A real server with the wrong token never appears.
        const QString wrongToken =
            writeFile(m_dir, QStringLiteral("wrong-token"), "not-the-token\n");
        auto stranger = startRoomServer(balancerUrl(), wrongToken);
        QVERIFY(stranger);
        settle(3000);
        const HttpResult sd = balancerGet(*m_balancer, QStringLiteral("/sd"));
        QVERIFY(!sd.body.contains(stranger->hostPort().toUtf8()));
        QVERIFY(sd.body.contains(m_servers[0]->hostPort().toUtf8()));
        // The right token registers (and route-check knows the id).
        QCOMPARE(httpPost(url, R"({"id":"bad id!","address":"127.0.0.1:1"})", "application/json",
                          {{"X-Instantchat-Token", m_token}})
                     .status,
                 400);
        const HttpResult accepted =
            httpPost(url, body, "application/json", {{"X-Instantchat-Token", m_token}});
        QCOMPARE(accepted.status, 200);
        QCOMPARE(jsonObject(accepted).value(QLatin1StringView("heartbeatInterval")).toInt(), 2);
        QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/internal/route-check?id=intruder"),
                             {{"X-Instantchat-Token", m_token}})
                     .status,
                 204);
        QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/internal/route-check?id=nobody"),
                             {{"X-Instantchat-Token", m_token}})
                     .status,
                 404);
        // Nothing answers at 127.0.0.1:1: it never gets a room, and is out after 3 failed probes.
        QVERIFY(waitUntil(
            [&] {
                return balancerGet(*m_balancer, QStringLiteral("/internal/route-check?id=intruder"),
                                   {{"X-Instantchat-Token", m_token}})
                           .status == 404;
            },
            8000));
    }

    void gracefulStopDeregisters()
    {
        auto extra = startRoomServer(balancerUrl(), m_tokenFile);
        QVERIFY(extra);
        QVERIFY(waitUntil(
            [&] {
                return balancerGet(*m_balancer, QStringLiteral("/sd"))
                    .body.contains(extra->hostPort().toUtf8());
            },
            6000));
        QCOMPARE(extra->terminate(), 0);
        QVERIFY(waitUntil(
            [&] {
                return !balancerGet(*m_balancer, QStringLiteral("/sd"))
                            .body.contains(extra->hostPort().toUtf8());
            },
            1500));
    }

    void killedServerIsReplacedWithinSixSeconds()
    {
        const quint16 port = pickedPort(pick(*m_balancer, QStringLiteral("failover-room")));
        QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/s/failover-room?m=before")).status, 200);
        TestProcess *victim = serverOnPort(port);
        QVERIFY(victim);
        victim->kill();
        QElapsedTimer clock;
        clock.start();
        quint16 now = port;
        while (clock.elapsed() < 10000) {
            now = pickedPort(pick(*m_balancer, QStringLiteral("failover-room")));
            if (now != 0 && now != port)
                break;
            settle(100);
        }
        const double seconds = clock.elapsed() / 1000.0;
        qInfo("killed server out of placement after %.2f s", seconds);
        QVERIFY2(now != port && now != 0, "the room was placed again");
        QVERIFY2(seconds <= 6.0, qPrintable(QStringLiteral("took %1 s").arg(seconds)));
        QVERIFY(serverOnPort(now) && serverOnPort(now) != victim);
        // Replication is on by default: the room's copy on another server was promoted, so the
        // room goes on there with its message (it is not created anew).
        const HttpResult sent =
            balancerGet(*m_balancer, QStringLiteral("/s/failover-room?m=after"));
        QCOMPARE(sent.status, 200);
        QVERIFY2(!sent.body.contains("Created new room!"), sent.body.constData());
        const HttpResult read =
            balancerGet(*m_balancer, QStringLiteral("/r/failover-room?format=json"));
        QCOMPARE(jsonObject(read).value(QLatin1StringView("messagesCount")).toInt(), 2);
        QVERIFY(serverHoldsRoom(*serverOnPort(now), QStringLiteral("failover-room")));
        // Everything else keeps working, and the dead server left /sd's live set of placements.
        QCOMPARE(liveServers(), 2);
        for (auto &server : m_servers) {
            if (server.get() == victim)
                server.reset();
        }
    }

    void restartedBalancerSendsRoomsToTheirServers()
    {
        // Rooms created directly on each live server (the balancer never placed them) and rooms
        // placed through the balancer. Without the rebuild from /internal/rooms, the new balancer
        // would place the rooms of the busier server on the other one.
        QMap<QString, quint16> where;
        for (auto &server : m_servers) {
            if (!server)
                continue;
            for (int i = 0; i < 3; ++i) {
                const QString room = QStringLiteral("keep-%1-%2").arg(server->port()).arg(i);
                QCOMPARE(serverGet(*server,
                                   QStringLiteral("/direct_sending?roomName=%1&m=kept").arg(room))
                             .status,
                         200);
                where.insert(room, server->port());
            }
        }
        for (int i = 0; i < 3; ++i) {
            const QString room = QStringLiteral("keep-placed-%1").arg(i);
            where.insert(room, pickedPort(pick(*m_balancer, room)));
            QCOMPARE(balancerGet(*m_balancer, QStringLiteral("/s/%1?m=kept").arg(room)).status,
                     200);
        }
        QVERIFY(QSet<quint16>(where.begin(), where.end()).size() >= 2);
        const quint16 port = m_balancer->port();
        m_balancer->kill();
        // Default warm-up: unknown rooms wait until the servers have re-registered.
        m_balancer = startBalancer(
            balancerArguments(port, false),
            {QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=") + QString::fromLatin1(m_adminPassword)});
        QVERIFY(m_balancer);
        for (auto it = where.cbegin(); it != where.cend(); ++it)
            QCOMPARE(pickedPort(pick(*m_balancer, it.key())), it.value());
        const HttpResult read =
            balancerGet(*m_balancer, QStringLiteral("/r/keep-placed-0?format=json"));
        QCOMPARE(read.status, 200);
        QCOMPARE(jsonObject(read).value(QLatin1StringView("createdNewRoom")).toBool(), false);
        QCOMPARE(jsonObject(read).value(QLatin1StringView("messagesCount")).toInt(), 1);
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
