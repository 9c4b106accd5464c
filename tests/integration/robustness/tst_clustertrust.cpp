// Who may speak for the cluster, with real processes on loopback. Without a cluster token the
// internal routes of the balancer and the server answer only --internal-peers (loopback by
// default); a server id stays bound to the address that registered it; heartbeat loads are
// clamped; the balancer passes the client address on /r/ and /s/, so password guesses are
// limited per client, not per balancer.
//
// "Another address" is another loopback address (the client socket is bound to 127.0.0.2,
// .3, ...). Loopback is a member by default, so the refusal of non-members is shown with
// --internal-peers 127.0.0.1: the same check, with 127.0.0.2 outside the list.

#include "RobustSupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace ic::testing;
using namespace ic::testing::robust;

namespace {

const QByteArray adminPassword = "admin-secret-for-tests";

QByteArray post(const QByteArray &target, quint16 port, const QByteArray &json)
{
    return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
           "\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: " +
           QByteArray::number(json.size()) + "\r\n\r\n" + json;
}

QByteArray heartbeat(const QString &id, const QString &address, const QByteArray &load = "{}")
{
    return R"({"id":")" + id.toUtf8() + R"(","address":")" + address.toUtf8() +
           R"(","version":"test","load":)" + load + "}";
}

} // namespace

class ClusterTrustTest : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    std::unique_ptr<TestProcess> m_balancer;
    std::unique_ptr<TestProcess> m_server;

    QJsonArray adminServers() const
    {
        const RawHttp r =
            rawHttp(m_balancer->port(),
                    get("/admin/api/servers", m_balancer->port(),
                        "Authorization: Basic " + ("admin:" + adminPassword).toBase64() + "\r\n"));
        return QJsonDocument::fromJson(r.body)
            .object()
            .value(QLatin1StringView("servers"))
            .toArray();
    }

    QJsonObject adminServer(const QString &id) const
    {
        for (const QJsonValue &server : adminServers()) {
            if (server.toObject().value(QLatin1StringView("id")).toString() == id)
                return server.toObject();
        }
        return {};
    }

    // The id the real server registered under (the one whose address is its own).
    QString realServerId() const
    {
        for (const QJsonValue &server : adminServers()) {
            const QJsonObject s = server.toObject();
            if (s.value(QLatin1StringView("address")).toString() == m_server->hostPort())
                return s.value(QLatin1StringView("id")).toString();
        }
        return {};
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString passwordFile = m_dir.filePath(QStringLiteral("admin-password"));
        QFile file(passwordFile);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(adminPassword + '\n');
        file.close();
        m_balancer = std::make_unique<TestProcess>(
            QStringLiteral("instantchat-balancer"),
            QStringList{QStringLiteral("--servers"), QString(),
                        QStringLiteral("--admin-password-file"), passwordFile,
                        QStringLiteral("--warm-up"), QStringLiteral("1")});
        m_balancer->setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN="),
                                    QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=")});
        QVERIFY2(m_balancer->start(), qPrintable(m_balancer->errorString()));
        // Rate limits on (the default): the password-guess bucket is what item 2 is about.
        m_server = std::make_unique<TestProcess>(
            QStringLiteral("instantchat-server"),
            QStringList{QStringLiteral("--workers"), QStringLiteral("1"),
                        QStringLiteral("--allowed-origins"), QString::fromLatin1(origin),
                        QStringLiteral("--balancer"),
                        QStringLiteral("http://127.0.0.1:%1").arg(m_balancer->port())});
        m_server->setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")});
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        QVERIFY2(waitUntil(
                     [&] {
                         const QString id = realServerId();
                         return !id.isEmpty() &&
                                adminServer(id).value(QLatin1StringView("alive")).toBool();
                     },
                     10000),
                 "the server did not register");
    }

    void startupWarnsThatTheClusterIsOpen()
    {
        QVERIFY2(m_balancer->standardError().contains("no cluster token"),
                 m_balancer->standardError().constData());
        QVERIFY2(m_server->standardError().contains("no cluster token"),
                 m_server->standardError().constData());
    }

    // A heartbeat reusing a registered id from another address would have moved its rooms.
    void foreignHeartbeatForAKnownIdIsRefused()
    {
        const QString id = realServerId();
        const RawHttp r = rawHttp(m_balancer->port(),
                                  post("/internal/heartbeat", m_balancer->port(),
                                       heartbeat(id, QStringLiteral("127.0.0.2:9"))),
                                  8000, QStringLiteral("127.0.0.2"));
        qInfo("heartbeat for %s from 127.0.0.2: %d %s", qPrintable(id), r.status,
              r.body.trimmed().constData());
        QCOMPARE(r.status, 409);
        QVERIFY(r.body.startsWith("error: "));
        const QJsonObject server = adminServer(id);
        QCOMPARE(server.value(QLatin1StringView("address")).toString(), m_server->hostPort());
        QVERIFY(server.value(QLatin1StringView("alive")).toBool());
    }

    void foreignDeregisterIsRefused()
    {
        const QString id = realServerId();
        const RawHttp r = rawHttp(
            m_balancer->port(),
            post("/internal/deregister", m_balancer->port(), R"({"id":")" + id.toUtf8() + R"("})"),
            8000, QStringLiteral("127.0.0.2"));
        qInfo("deregister of %s from 127.0.0.2: %d %s", qPrintable(id), r.status,
              r.body.trimmed().constData());
        QCOMPARE(r.status, 403);
        settle(500);
        QVERIFY(adminServer(id).value(QLatin1StringView("alive")).toBool());
    }

    void negativeLoadsAreClamped()
    {
        const QString id = QStringLiteral("clamp-test");
        const QByteArray load = R"({"connections":-1000000,"rooms":-5,"usersOnline":-3,)"
                                R"("maxConnections":-1,"cpu":-300,"rss":-1,"hostCpu":1e300,)"
                                R"("hostMem":-2})";
        const RawHttp r = rawHttp(m_balancer->port(),
                                  post("/internal/heartbeat", m_balancer->port(),
                                       heartbeat(id, QStringLiteral("127.0.0.2:9"), load)),
                                  8000, QStringLiteral("127.0.0.2"));
        QCOMPARE(r.status, 200);
        const QJsonObject seen = adminServer(id).value(QLatin1StringView("load")).toObject();
        qInfo("sent connections -1000000, cpu -300, hostCpu 1e300; the balancer keeps %s",
              QJsonDocument(seen).toJson(QJsonDocument::Compact).constData());
        QCOMPARE(seen.value(QLatin1StringView("connections")).toInt(-1), 0);
        QCOMPARE(seen.value(QLatin1StringView("rooms")).toInt(-1), 0);
        QCOMPARE(seen.value(QLatin1StringView("maxConnections")).toInt(-1), 0);
        QCOMPARE(seen.value(QLatin1StringView("cpu")).toDouble(-1), 0.0);
        QCOMPARE(seen.value(QLatin1StringView("hostCpu")).toDouble(-1), 100.0);
        QCOMPARE(seen.value(QLatin1StringView("hostMem")).toDouble(-1), 0.0);
        // Bound both ways: the real server's address may not end this registration either.
        const QByteArray deregister = R"({"id":"clamp-test"})";
        QCOMPARE(rawHttp(m_balancer->port(),
                         post("/internal/deregister", m_balancer->port(), deregister), 8000,
                         QStringLiteral("127.0.0.1"))
                     .status,
                 403);
        QCOMPARE(rawHttp(m_balancer->port(),
                         post("/internal/deregister", m_balancer->port(), deregister), 8000,
                         QStringLiteral("127.0.0.2"))
                     .status,
                 200);
        QVERIFY(adminServer(id).isEmpty());
    }

    // With --internal-peers 127.0.0.1, 127.0.0.2 is an outsider: what any non-loopback peer
    // is by default.
    void nonMembersAreRefused()
    {
        TestProcess balancer(QStringLiteral("instantchat-balancer"),
                             {QStringLiteral("--servers"), QString(),
                              QStringLiteral("--internal-peers"), QStringLiteral("127.0.0.1")});
        balancer.setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")});
        QVERIFY2(balancer.start(), qPrintable(balancer.errorString()));
        TestProcess server(QStringLiteral("instantchat-server"),
                           {QStringLiteral("--workers"), QStringLiteral("1"),
                            QStringLiteral("--internal-peers"), QStringLiteral("127.0.0.1")});
        server.setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")});
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QString outsider = QStringLiteral("127.0.0.2"), member = QStringLiteral("127.0.0.1");

        const QByteArray beat =
            heartbeat(QStringLiteral("outsider"), QStringLiteral("127.0.0.2:9"));
        const RawHttp refused = rawHttp(
            balancer.port(), post("/internal/heartbeat", balancer.port(), beat), 8000, outsider);
        qInfo("balancer heartbeat from an outsider: %d %s", refused.status,
              refused.body.trimmed().constData());
        QCOMPARE(refused.status, 403);
        QCOMPARE(rawHttp(balancer.port(),
                         post("/internal/deregister", balancer.port(), R"({"id":"outsider"})"),
                         8000, outsider)
                     .status,
                 403);
        QCOMPARE(rawHttp(balancer.port(), post("/internal/heartbeat", balancer.port(), beat), 8000,
                         member)
                     .status,
                 200);

        // A room on the server, created by a member.
        QCOMPARE(rawHttp(server.port(),
                         get("/direct_sending?roomName=secret-room&m=hello", server.port()), 8000,
                         member)
                     .status,
                 200);
        const RawHttp list =
            rawHttp(server.port(), get("/internal/rooms", server.port()), 8000, outsider);
        qInfo("server room list for an outsider: %d %s", list.status,
              list.body.trimmed().constData());
        QCOMPARE(list.status, 403);
        QVERIFY(!list.body.contains("secret-room"));
        QCOMPARE(rawHttp(server.port(),
                         post("/internal/delete-room", server.port(), R"({"name":"secret-room"})"),
                         8000, outsider)
                     .status,
                 403);
        QCOMPARE(rawHttp(server.port(),
                         get("/direct_retrieval?roomName=secret-room", server.port()), 8000,
                         outsider)
                     .status,
                 403);
        // /hw: the load for everybody, whether a room exists only for members.
        const auto roomFound = [&](const QString &source) {
            const RawHttp hw = rawHttp(
                server.port(), get("/hw?roomName=secret-room", server.port()), 8000, source);
            return QJsonDocument::fromJson(hw.body)
                .object()
                .value(QLatin1StringView("rf"))
                .toBool();
        };
        QVERIFY(roomFound(member));
        QVERIFY(!roomFound(outsider));
        // Members still manage the room.
        QCOMPARE(rawHttp(server.port(), get("/internal/rooms", server.port()), 8000, member).status,
                 200);
        QCOMPARE(rawHttp(server.port(),
                         post("/internal/delete-room", server.port(), R"({"name":"secret-room"})"),
                         8000, member)
                     .status,
                 200);
    }

    // The server limits password guesses per client address as the balancer names it
    // (X-Instantchat-Client, believed from a member): the guesser runs out, somebody else with
    // the right password still gets in. The requests go to the server in parallel, as the
    // balancer forwards them: PBKDF2 is slow, so one at a time they never outrun the refill
    // (1 a second), and the balancer's own connection pool would pace them the same way.
    void passwordGuessesAreLimitedPerClient()
    {
        const quint16 port = m_server->port();
        const auto direct = [&](const QByteArray &password, const QByteArray &client) {
            return get("/direct_retrieval?roomName=guarded-room&p=" + password, port,
                       "X-Instantchat-Client: " + client + "\r\n");
        };
        QCOMPARE(rawHttp(port, direct("right-password", "198.51.100.4"), 15000).status, 200);
        struct Exchange
        {
            std::unique_ptr<QTcpSocket> socket;
            QByteArray data;
            int status() const
            {
                const int end = int(data.indexOf("\r\n"));
                const QList<QByteArray> line = data.left(end).split(' ');
                return end > 0 && line.size() >= 2 ? line.at(1).toInt() : -1;
            }
        };
        const auto send = [&](const QByteArray &request) {
            Exchange exchange;
            exchange.socket = std::make_unique<QTcpSocket>();
            exchange.socket->connectToHost(QStringLiteral("127.0.0.1"), port);
            exchange.socket->write(request);
            return exchange;
        };
        std::vector<Exchange> wrong;
        for (int i = 0; i < 20; ++i)
            wrong.push_back(send(direct("wrong-" + QByteArray::number(i), "198.51.100.2")));
        // Sent once the guesser's requests have arrived (the first refusals are out).
        QVERIFY(waitUntil(
            [&] {
                for (Exchange &exchange : wrong) {
                    exchange.data += exchange.socket->readAll();
                    if (exchange.status() == 429)
                        return true;
                }
                return false;
            },
            30000));
        Exchange right = send(direct("right-password", "198.51.100.3"));
        QVERIFY(waitUntil(
            [&] {
                right.data += right.socket->readAll();
                bool done = right.status() > 0;
                for (Exchange &exchange : wrong) {
                    exchange.data += exchange.socket->readAll();
                    done = exchange.status() > 0 && done;
                }
                return done;
            },
            120000));
        QMap<int, int> statuses;
        for (Exchange &exchange : wrong)
            ++statuses[exchange.status()];
        QStringList summary;
        for (auto it = statuses.cbegin(); it != statuses.cend(); ++it)
            summary << QStringLiteral("%1 x %2").arg(it.value()).arg(it.key());
        qInfo("20 wrong guesses for client 198.51.100.2: %s",
              qPrintable(summary.join(QStringLiteral(", "))));
        qInfo("then the right password for client 198.51.100.3: %d", right.status());
        QVERIFY(statuses.value(429) > 0); // the limit still holds for the guesser
        QCOMPARE(statuses.value(200), 0);
        QCOMPARE(right.status(), 200);
    }

    // The balancer names the client to the server on /r/ and /s/: a stand-in server (a socket
    // of this test, listed in --servers) shows what arrives.
    void balancerPassesTheClientAddress()
    {
        QTcpServer upstream;
        QVERIFY(upstream.listen(QHostAddress::LocalHost, 0));
        QByteArrayList seen;
        connect(&upstream, &QTcpServer::newConnection, this, [&] {
            while (QTcpSocket *socket = upstream.nextPendingConnection()) {
                connect(socket, &QTcpSocket::readyRead, socket, [socket, &seen] {
                    const QByteArray head = socket->readAll();
                    QByteArray body = R"({"cpu":0,"ram":0,"uo":0,"rf":false,"rooms":[]})";
                    if (head.startsWith("GET /direct_")) {
                        seen << head;
                        body = "ok";
                    }
                    socket->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: " +
                                  QByteArray::number(body.size()) + "\r\n\r\n" + body);
                });
            }
        });
        TestProcess balancer(QStringLiteral("instantchat-balancer"),
                             {QStringLiteral("--servers"),
                              QStringLiteral("127.0.0.1:%1").arg(upstream.serverPort()),
                              QStringLiteral("--warm-up"), QStringLiteral("0")});
        balancer.setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")});
        QVERIFY2(balancer.start(), qPrintable(balancer.errorString()));
        QVERIFY(waitUntil(
            [&] {
                return rawHttp(balancer.port(), get("/r/relayed-room", balancer.port()), 3000,
                               QStringLiteral("127.0.0.7"))
                           .status == 200;
            },
            10000));
        rawHttp(balancer.port(), get("/s/relayed-room?m=hi", balancer.port()), 3000,
                QStringLiteral("127.0.0.8"));
        QVERIFY(!seen.isEmpty());
        const auto client = [](const QByteArray &head) {
            for (const QByteArray &line : head.split('\n')) {
                if (line.toLower().startsWith("x-instantchat-client:"))
                    return line.mid(21).trimmed();
            }
            return QByteArray();
        };
        qInfo("the server was told: /r/ from %s, /s/ from %s", client(seen.first()).constData(),
              client(seen.last()).constData());
        QCOMPARE(client(seen.first()), QByteArray("127.0.0.7"));
        QCOMPARE(client(seen.last()), QByteArray("127.0.0.8"));
    }

    // The server's 404 says a fixed sentence, never the path, and forbids sniffing.
    void serverNotFoundDoesNotEcho()
    {
        const RawHttp r =
            rawHttp(m_server->port(),
                    get("/%3Chtml%3E%3Cscript%3Ealert(1)%3C/script%3E", m_server->port()));
        qInfo("server 404: %s", r.body.trimmed().constData());
        QCOMPARE(r.status, 404);
        QVERIFY(!r.body.contains("script"));
        QVERIFY(!r.body.contains("html"));
        QVERIFY(r.head.toLower().contains("x-content-type-options: nosniff"));
    }

    // New rooms from rotating addresses: each address stays inside its own limits, the total
    // is bounded by --new-rooms-per-second (5 here: burst 50, then 5 a second).
    void newRoomsFromRotatingAddressesAreBounded()
    {
        TestProcess balancer(QStringLiteral("instantchat-balancer"),
                             {QStringLiteral("--servers"), m_server->hostPort(),
                              QStringLiteral("--new-rooms-per-second"), QStringLiteral("5"),
                              QStringLiteral("--warm-up"), QStringLiteral("0")});
        balancer.setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")});
        QVERIFY2(balancer.start(), qPrintable(balancer.errorString()));
        QVERIFY(waitUntil(
            [&] {
                const RawHttp r = rawHttp(
                    balancer.port(), get("/pick_backend?roomName=warm-up-room", balancer.port()));
                return QJsonDocument::fromJson(r.body)
                    .object()
                    .value(QLatin1StringView("bA"))
                    .toString()
                    .contains(QString::number(m_server->port()));
            },
            10000));
        QElapsedTimer clock;
        clock.start();
        int placed = 0, refused = 0;
        for (int i = 0; i < 200; ++i) {
            // 100 source addresses, two new rooms each: no address reaches its own limit.
            const QString source = QStringLiteral("127.0.1.%1").arg(1 + i % 100);
            const RawHttp r = rawHttp(
                balancer.port(),
                get("/pick_backend?roomName=flood-" + QByteArray::number(i), balancer.port()), 8000,
                source);
            const QJsonObject answer = QJsonDocument::fromJson(r.body).object();
            if (!answer.value(QLatin1StringView("bA")).toString().isEmpty())
                ++placed;
            else if (answer.value(QLatin1StringView("e"))
                         .toString()
                         .contains(u"Too many new rooms"))
                ++refused;
        }
        const double seconds = clock.elapsed() / 1000.0;
        qInfo("200 new rooms from 100 addresses in %.2f s: %d placed, %d refused (bound: 50 + 5/s)",
              seconds, placed, refused);
        QVERIFY(refused > 0);
        QVERIFY(placed <= 50 + int(5 * seconds) + 2);
        QCOMPARE(placed + refused, 200);
        // Rooms that exist keep being found: the bound is only on new ones.
        const RawHttp again =
            rawHttp(balancer.port(), get("/pick_backend?roomName=flood-0", balancer.port()), 8000,
                    QStringLiteral("127.0.2.1"));
        QVERIFY(!QJsonDocument::fromJson(again.body)
                     .object()
                     .value(QLatin1StringView("bA"))
                     .toString()
                     .isEmpty());
    }

    // The pages carry a Content-Security-Policy that allows only our own scripts, and the web
    // UI has nothing inline that it would block.
    void pagesSendAContentSecurityPolicy()
    {
        const RawHttp page = rawHttp(m_balancer->port(), get("/", m_balancer->port()));
        QCOMPARE(page.status, 200);
        QByteArray policy;
        for (const QByteArray &line : page.head.split('\n')) {
            if (line.toLower().startsWith("content-security-policy:"))
                policy = line.mid(24).trimmed();
        }
        qInfo("Content-Security-Policy: %s", policy.constData());
        QVERIFY(policy.contains("script-src 'self'"));
        QVERIFY(policy.contains("object-src 'none'"));
        const QByteArray scriptSource = policy.mid(policy.indexOf("script-src"));
        QVERIFY(!scriptSource.left(scriptSource.indexOf(';')).contains("unsafe"));
        QVERIFY(page.head.toLower().contains("x-content-type-options: nosniff"));
        // Every script of the page is a file (an inline one would be blocked).
        const QList<QByteArray> scripts = page.body.split('<');
        int external = 0;
        for (const QByteArray &tag : scripts) {
            if (!tag.startsWith("script"))
                continue;
            QVERIFY2(tag.contains("src="), tag.constData());
            ++external;
        }
        QVERIFY(external > 0);
        QVERIFY(!page.body.contains(" onclick=") && !page.body.contains(" onload="));
    }

    void cleanupTestCase()
    {
        if (m_server)
            QCOMPARE(m_server->terminate(), 0);
        if (m_balancer)
            QCOMPARE(m_balancer->terminate(), 0);
    }
};

QTEST_GUILESS_MAIN(ClusterTrustTest)
#include "tst_clustertrust.moc"
