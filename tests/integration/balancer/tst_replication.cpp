// Room replicas between two real servers (docs/interfaces.md "Replicas"): server A keeps a copy
// of each of its rooms on server B and answers a change only once B has it. The balancer's part
// (POST /internal/replica/target) is played by a stand-in in this process, so the servers' side is
// tested on its own: which server keeps the copy, 503 (no other server), a replica server that is
// gone. After a kill -9 of A, POST B/internal/replica/promote makes the copies live rooms: every
// client rejoins on B with its session and finds every message it got an RP for, the same names,
// the same creator; a password room still wants its password. With --replication off no copy is
// made. B refuses a malformed batch (400) and keeps its copy unchanged. A copy that went missing
// on B (dropped) answers 409 and A sends the whole room again; a room deleted on A takes its copy
// on B with it. The real balancer notices a kill -9 by itself and promotes the copy.
// Printed, not asserted: the replica lag (A's instantchat_replica_lag_seconds mean).

#include "BalancerFixture.h"
#include "RejoiningClient.h"

#include <QElapsedTimer>
#include <QTcpServer>
#include <vector>

using namespace ic::testing;
using ic::proto::ServerFrame;

namespace {

const QByteArray token = "replication-test-token";

// Answers what the servers ask the balancer: heartbeats (so they count as registered) and
// replica targets, with the cluster token checked. Keep-alive connections, several requests each.
class StandInBalancer : public QObject
{
public:
    // id → the copy's server for rooms of that server; missing: 503 (no other live server).
    QHash<QString, QPair<QString, QString>> targets; // server id → (target id, target url)
    int targetQuestions = 0;
    int refusedTokens = 0;

    bool listen() { return m_server.listen(QHostAddress::LocalHost, 0); }
    QString url() const { return QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()); }

    StandInBalancer()
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *socket = m_server.nextPendingConnection()) {
                socket->setParent(this);
                connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            }
        });
    }

private:
    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            const QByteArray head = buffer.left(headEnd);
            qsizetype length = 0;
            for (const QByteArray &line : head.split('\n'))
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
            if (buffer.size() < headEnd + 4 + length)
                return;
            const QByteArray body = buffer.mid(headEnd + 4, length);
            buffer.remove(0, headEnd + 4 + length);
            socket->write(answer(head, body));
        }
    }
    QByteArray answer(const QByteArray &head, const QByteArray &body)
    {
        const auto reply = [](int status, const QByteArray &json) {
            return "HTTP/1.1 " + QByteArray::number(status) +
                   " X\r\nContent-Type: application/json\r\nContent-Length: " +
                   QByteArray::number(json.size()) + "\r\n\r\n" + json;
        };
        if (!head.toLower().contains("x-instantchat-token: " + token)) {
            ++refusedTokens;
            return reply(403, R"({"error":"error: missing or wrong cluster token"})");
        }
        if (head.startsWith("POST /internal/heartbeat "))
            return reply(200, R"({"heartbeatInterval":2,"handoff":false})");
        if (head.startsWith("POST /internal/replica/target ")) {
            ++targetQuestions;
            const QJsonObject question = QJsonDocument::fromJson(body).object();
            const QString id = question.value(QLatin1StringView("id")).toString();
            if (!targets.contains(id))
                return reply(503, R"({"error":"error: no other live server"})");
            const QJsonObject target{{QStringLiteral("id"), targets.value(id).first},
                                     {QStringLiteral("url"), targets.value(id).second}};
            return reply(200, QJsonDocument(target).toJson(QJsonDocument::Compact));
        }
        return reply(404, R"({"error":"error: not here"})");
    }

    QTcpServer m_server;
    QHash<QTcpSocket *, QByteArray> m_buffers;
};

using Client = RejoiningClient;

QStringList texts(const ServerFrame &messages)
{
    QStringList out;
    for (const ic::proto::WireMessage &m :
         messages.messages.value_or(QList<ic::proto::WireMessage>()))
        out.append(m.text.value_or(QString()));
    return out;
}

} // namespace

class TestReplication : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_tokenFile;
    StandInBalancer m_balancer;

    std::unique_ptr<TestProcess> server(const QString &id, const QStringList &extra = {})
    {
        return startRoomServer(m_balancer.url(), m_tokenFile,
                               QStringList{QStringLiteral("--server-id"), id} + extra);
    }
    static Headers tokenHeader() { return {{"X-Instantchat-Token", token}}; }
    static QJsonObject internalGet(const TestProcess &server, const QString &path)
    {
        return jsonObject(httpGet(server.httpUrl(path), tokenHeader()));
    }
    static HttpResult internalPost(const TestProcess &server, const QString &path,
                                   const QByteArray &body,
                                   const QByteArray &type = "application/json")
    {
        return httpPost(server.httpUrl(path), body, type, tokenHeader());
    }
    static QStringList names(const QJsonObject &object, const char *key)
    {
        QStringList out;
        for (const QJsonValue &value : object.value(QLatin1StringView(key)).toArray())
            out.append(value.isObject()
                           ? value.toObject().value(QLatin1StringView("name")).toString()
                           : value.toString());
        out.sort();
        return out;
    }
    static double metric(const TestProcess &server, const QByteArray &name)
    {
        const HttpResult result = httpGet(server.httpUrl(QStringLiteral("/metrics")));
        for (const QByteArray &line : result.body.split('\n'))
            if (line.startsWith(name + ' '))
                return line.mid(name.size() + 1).toDouble();
        return -1;
    }
    // The batch header of `room` followed by `tail`: passes the name check, fails later.
    static QByteArray batchHead(const QByteArray &room)
    {
        QByteArray bytes("ICRB");
        const auto u16 = [&](quint16 v) { bytes.append(char(v & 0xff)).append(char(v >> 8)); };
        u16(1);
        u16(quint16(room.size()));
        bytes += room;
        return bytes;
    }

    // The real balancer and `count` servers registering with it (ids `<prefix>0`, …), all live.
    bool startCluster(std::unique_ptr<TestProcess> &balancer,
                      std::vector<std::unique_ptr<TestProcess>> &servers, int count,
                      const QString &prefix)
    {
        const QByteArray admin = "replication-admin";
        balancer = startBalancer(
            {QStringLiteral("--servers"), QString(), QStringLiteral("--cluster-token-file"),
             m_tokenFile, QStringLiteral("--rate-limits"), QStringLiteral("off"),
             QStringLiteral("--warm-up"), QStringLiteral("1")},
            {QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD=") + QString::fromLatin1(admin)});
        if (!balancer)
            return false;
        const QString url = QStringLiteral("http://127.0.0.1:%1").arg(balancer->port());
        for (int i = 0; i < count; ++i) {
            servers.push_back(startRoomServer(
                url, m_tokenFile, {QStringLiteral("--server-id"), prefix + QString::number(i)}));
            if (!servers.back())
                return false;
        }
        return waitUntil(
            [&] {
                const HttpResult result =
                    balancerGet(*balancer, QStringLiteral("/admin/api/servers"),
                                {{"Authorization", basicAuth(admin)}});
                int live = 0;
                for (const QJsonValue &s :
                     jsonObject(result).value(QLatin1StringView("servers")).toArray())
                    live += s.toObject().value(QLatin1StringView("alive")).toBool() ? 1 : 0;
                return live == count;
            },
            10000);
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        m_tokenFile = writeFile(m_dir, QStringLiteral("token"), token + '\n');
        QVERIFY(m_balancer.listen());
    }

    // The whole path: copies on B while A serves, kill -9 A, promote on B, rejoin on B.
    void copiesSurviveTheirPrimary()
    {
        auto b = server(QStringLiteral("rep-b"));
        QVERIFY(b);
        m_balancer.targets.insert(QStringLiteral("rep-a"),
                                  {QStringLiteral("rep-b"), b->httpUrl(QString()).toString()});
        auto a = server(QStringLiteral("rep-a"));
        QVERIFY(a);

        Client alice, bob, carol;
        const auto setUp = [](Client &c, const char *name, int pv, const char *room,
                              const char *password = "") {
            c.name = QLatin1StringView(name);
            c.pv = pv;
            c.room = QLatin1StringView(room);
            c.password = QLatin1StringView(password);
        };
        setUp(alice, "alice", 2, "replica-locked", "sesame");
        setUp(bob, "bob", 1, "replica-open");
        setUp(carol, "carol", 2, "replica-open");
        QHash<QString, QString> creator; // room → creator's uId
        for (Client *c : {&alice, &bob, &carol}) {
            QVERIFY(c->connect(a->port()));
            const Joined joined = c->join("R_C_J", c->password, c->name);
            QVERIFY2(joined.reply, qPrintable(c->name));
            c->userId = joined.reply->userId.value();
            if (!creator.contains(c->room))
                creator.insert(c->room, c->userId);
        }
        QStringList acknowledged;
        for (int i = 0; i < 5; ++i) {
            for (Client *c : {&alice, &bob, &carol}) {
                const QString text = QStringLiteral("%1-says-%2").arg(c->name).arg(i);
                const auto reply = c->say(text);
                QVERIFY(reply && reply->command == u"RP");
                acknowledged.append(text);
            }
        }
        // An RP means the copy has it: B lists both copies at once, A holds them as rooms.
        const QStringList both{QStringLiteral("replica-locked"), QStringLiteral("replica-open")};
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"), both);
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "rooms"), QStringList());
        QCOMPARE(names(internalGet(*a, QStringLiteral("/internal/rooms")), "rooms"), both);
        QCOMPARE(names(internalGet(*a, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList());
        QCOMPARE(metric(*a, "instantchat_replicated_rooms"), 2.0);
        QCOMPARE(m_balancer.refusedTokens, 0);

        // What B refuses changes nothing: garbage, a batch of the room cut short, no token.
        const HttpResult garbage = internalPost(*b, QStringLiteral("/internal/replica/apply"),
                                                "not a batch at all", "application/octet-stream");
        QCOMPARE(garbage.status, 400);
        QVERIFY2(garbage.body.contains("error: "), garbage.body.constData());
        const HttpResult cut =
            internalPost(*b, QStringLiteral("/internal/replica/apply"),
                         batchHead("replica-open") + QByteArray("\x05\x00\x00\x00\x02", 5),
                         "application/octet-stream");
        QCOMPARE(cut.status, 400);
        QVERIFY2(cut.body.contains("error: "), cut.body.constData());
        QCOMPARE(httpPost(b->httpUrl(QStringLiteral("/internal/replica/apply")),
                          batchHead("replica-open"), "application/octet-stream")
                     .status,
                 403);
        QCOMPARE(
            internalPost(*b, QStringLiteral("/internal/replica/promote"), "{\"rooms\":5}").status,
            400);
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"), both);
        // A still replicates into the same copy (a damaged copy would answer resync).
        const double resyncs = metric(*a, "instantchat_replica_resyncs_total");
        QVERIFY(bob.say(QStringLiteral("after-garbage")));
        acknowledged.append(QStringLiteral("after-garbage"));
        QCOMPARE(metric(*a, "instantchat_replica_resyncs_total"), resyncs);

        // History as a fresh reader sees it on A, then A dies without a word.
        QHash<QString, QList<ic::proto::WireMessage>> history;
        for (Client *c : {&alice, &bob}) {
            Client reader;
            reader.name = QStringLiteral("reader");
            reader.room = c->room;
            QVERIFY(reader.connect(a->port()));
            const Joined joined = reader.join("R_J", c->password, QString());
            QVERIFY(joined.messages);
            history.insert(c->room, joined.messages->messages.value());
        }
        const double lag = metric(*a, "instantchat_replica_lag_seconds_sum") /
                           std::max(1.0, metric(*a, "instantchat_replica_lag_seconds_count"));
        qInfo("replica lag (ship to ack) on A: mean %.3f ms over %.0f batches", lag * 1000,
              metric(*a, "instantchat_replica_lag_seconds_count"));
        a->kill();

        const HttpResult promoted =
            internalPost(*b, QStringLiteral("/internal/replica/promote"),
                         R"({"rooms":["replica-locked","replica-open","never-was-here"]})");
        QCOMPARE(promoted.status, 200);
        QCOMPARE(names(jsonObject(promoted), "promoted"), both);
        QCOMPARE(names(jsonObject(promoted), "missing"),
                 QStringList{QStringLiteral("never-was-here")});
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "rooms"), both);
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList());
        QCOMPARE(metric(*b, "instantchat_rooms_promoted_total"), 2.0);

        QStringList found;
        for (Client *c : {&alice, &bob, &carol}) {
            QVERIFY(c->connect(b->port()));
            const Joined joined = c->join("R_J", QString(), c->name);
            QVERIFY2(joined.reply,
                     qPrintable(c->name + QStringLiteral(": error %1").arg(joined.error)));
            QCOMPARE(joined.reply->userId.value(), c->userId);
            QCOMPARE(userName(*joined.members, c->userId), c->name);
            QCOMPARE(joined.description->creatorUserId.value_or(QString()), creator.value(c->room));
            QCOMPARE(joined.messages->messages.value(), history.value(c->room));
            found += texts(*joined.messages);
        }
        for (const QString &text : std::as_const(acknowledged))
            QVERIFY2(found.contains(text), qPrintable(text));
        // A new session still needs the password.
        Client stranger;
        stranger.name = QStringLiteral("stranger");
        stranger.room = alice.room;
        QVERIFY(stranger.connect(b->port()));
        QCOMPARE(stranger.join("R_J", QString(), QString()).error, 203);
        QVERIFY(stranger.connect(b->port()));
        QVERIFY(stranger.join("R_J", alice.password, QString()).reply);
        // The promoted rooms serve: a message gets its RP (B has no target: none held).
        QVERIFY(carol.say(QStringLiteral("on-b-now")));
        m_balancer.targets.clear();
    }

    // The real balancer: it names the copy's server, notices the kill -9 of the room's server
    // by itself and promotes the copy; a client that reconnects through /pick_backend lands on
    // the other server and finds every acknowledged message. Printed: death to promotion.
    void balancerFailsOver()
    {
        std::unique_ptr<TestProcess> balancer;
        std::vector<std::unique_ptr<TestProcess>> servers;
        QVERIFY(startCluster(balancer, servers, 2, QStringLiteral("fo-")));
        Client fay;
        fay.name = QStringLiteral("fay");
        fay.pv = 2;
        fay.room = QStringLiteral("failover-room");
        fay.password = QStringLiteral("hush");
        const quint16 first = pickedPort(pick(*balancer, fay.room));
        const int primary = servers[0]->port() == first ? 0 : 1;
        QCOMPARE(servers[primary]->port(), first);
        QVERIFY(fay.connect(first));
        const Joined created = fay.join("R_C_J", fay.password, fay.name);
        QVERIFY(created.reply);
        fay.userId = created.reply->userId.value();
        QStringList acknowledged;
        for (int i = 0; i < 10; ++i) {
            const QString text = QStringLiteral("fo-%1").arg(i);
            const auto reply = fay.say(text);
            QVERIFY(reply && reply->command == u"RP");
            acknowledged.append(text);
        }
        const TestProcess &other = *servers[1 - primary];
        QCOMPARE(names(internalGet(other, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList{fay.room});

        QElapsedTimer clock;
        clock.start();
        servers[primary]->kill();
        // The balancer promotes the copy and places the room on the other server.
        QVERIFY2(waitUntil(
                     [&] {
                         return names(internalGet(other, QStringLiteral("/internal/rooms")),
                                      "rooms") == QStringList{fay.room};
                     },
                     10000),
                 "the copy was promoted");
        const qint64 promotedMs = clock.elapsed();
        QVERIFY(
            waitUntil([&] { return pickedPort(pick(*balancer, fay.room)) == other.port(); }, 5000));
        qInfo("kill -9 to the copy promoted: %lld ms; to /pick_backend naming the new server: "
              "%lld ms",
              promotedMs, clock.elapsed());
        QVERIFY(fay.connect(other.port()));
        const Joined rejoined = fay.join("R_J", QString(), fay.name);
        QVERIFY2(rejoined.reply, qPrintable(QString::number(rejoined.error)));
        QCOMPARE(rejoined.reply->userId.value(), fay.userId);
        QCOMPARE(userName(*rejoined.members, fay.userId), fay.name);
        QCOMPARE(rejoined.description->creatorUserId.value_or(QString()), fay.userId);
        QCOMPARE(texts(*rejoined.messages), acknowledged);
        Client stranger;
        stranger.name = QStringLiteral("stranger");
        stranger.room = fay.room;
        QVERIFY(stranger.connect(other.port()));
        QCOMPARE(stranger.join("R_J", QString(), QString()).error, 203);
    }

    // An idle room sends no batch; when the server keeping its copy dies, the room's server still
    // notices (it checks its copy servers every 2 s) and makes a new copy on the third server,
    // without any message being sent. Without the check the room would stay uncopied until its
    // next change, and a crash of its own server in between would lose it.
    void idleRoomGetsANewCopyWhenItsCopyServerDies()
    {
        std::unique_ptr<TestProcess> balancer;
        std::vector<std::unique_ptr<TestProcess>> servers;
        QVERIFY(startCluster(balancer, servers, 3, QStringLiteral("idle-")));
        Client gil;
        gil.name = QStringLiteral("gil");
        gil.room = QStringLiteral("idle-room");
        const quint16 port = pickedPort(pick(*balancer, gil.room));
        int primary = -1;
        for (int i = 0; i < 3; ++i)
            primary = servers[i]->port() == port ? i : primary;
        QVERIFY(primary >= 0);
        QVERIFY(gil.connect(port));
        QVERIFY(gil.join("R_C_J", QString(), gil.name).reply);
        const auto reply = gil.say(QStringLiteral("only message"));
        QVERIFY(reply && reply->command == u"RP");
        const auto holder = [&]() {
            for (int i = 0; i < 3; ++i) {
                if (servers[i] && names(internalGet(*servers[i], QStringLiteral("/internal/rooms")),
                                        "replicas") == QStringList{gil.room})
                    return i;
            }
            return -1;
        };
        const int copy = holder();
        QVERIFY(copy >= 0 && copy != primary);
        const int third = 3 - primary - copy;

        QElapsedTimer clock;
        clock.start();
        servers[copy]->kill();
        servers[copy].reset();
        // Nothing is sent in the room from here on.
        QVERIFY2(waitUntil([&] { return holder() == third; }, 20000),
                 "the idle room has a new copy on the third server");
        qInfo("copy server killed to a new copy of the idle room: %lld ms", clock.elapsed());
        QVERIFY(metric(*servers[primary], "instantchat_replica_failures_total") >= 1);
    }

    // A room deleted on its server takes its copy with it (POST /internal/replica/drop).
    void deletedRoomDropsItsCopy()
    {
        auto b = server(QStringLiteral("drop-b"));
        QVERIFY(b);
        m_balancer.targets.insert(QStringLiteral("drop-a"),
                                  {QStringLiteral("drop-b"), b->httpUrl(QString()).toString()});
        auto a = server(QStringLiteral("drop-a"));
        QVERIFY(a);
        Client gus;
        gus.name = QStringLiteral("gus");
        gus.room = QStringLiteral("short-lived");
        QVERIFY(gus.connect(a->port()));
        QVERIFY(gus.join("R_C_J", QString(), gus.name).reply);
        QVERIFY(gus.say(QStringLiteral("bye")));
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList{gus.room});
        // A copy that went missing answers 409: A sends the whole room again (a resync).
        const HttpResult dropped = internalPost(*b, QStringLiteral("/internal/replica/drop"),
                                                R"({"rooms":["short-lived"]})");
        QCOMPARE(jsonObject(dropped).value(QLatin1StringView("dropped")).toInt(-1), 1);
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList());
        QCOMPARE(metric(*a, "instantchat_replica_resyncs_total"), 0.0);
        const auto again = gus.say(QStringLiteral("again"));
        QVERIFY(again && again->command == u"RP");
        QCOMPARE(metric(*a, "instantchat_replica_resyncs_total"), 1.0);
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList{gus.room});
        QCOMPARE(
            internalPost(*a, QStringLiteral("/internal/delete-room"), R"({"name":"short-lived"})")
                .status,
            200);
        QVERIFY(waitUntil(
            [&] {
                return names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas")
                    .isEmpty();
            },
            5000));
        const HttpResult none =
            internalPost(*b, QStringLiteral("/internal/replica/drop"), R"({"rooms":["nope"]})");
        QCOMPARE(none.status, 200);
        QCOMPARE(jsonObject(none).value(QLatin1StringView("dropped")).toInt(-1), 0);
        m_balancer.targets.clear();
    }

    // --replication off: the server never asks for a target and B keeps nothing.
    void replicationOffMakesNoCopy()
    {
        auto b = server(QStringLiteral("off-b"));
        QVERIFY(b);
        m_balancer.targets.insert(QStringLiteral("off-a"),
                                  {QStringLiteral("off-b"), b->httpUrl(QString()).toString()});
        auto a = server(QStringLiteral("off-a"),
                        {QStringLiteral("--replication"), QStringLiteral("off")});
        QVERIFY(a);
        const int questions = m_balancer.targetQuestions;
        Client dora;
        dora.name = QStringLiteral("dora");
        dora.room = QStringLiteral("no-copy-room");
        QVERIFY(dora.connect(a->port()));
        QVERIFY(dora.join("R_C_J", QString(), dora.name).reply);
        QVERIFY(dora.say(QStringLiteral("alone")));
        settle(500);
        QCOMPARE(m_balancer.targetQuestions, questions);
        QCOMPARE(names(internalGet(*b, QStringLiteral("/internal/rooms")), "replicas"),
                 QStringList());
        QCOMPARE(metric(*a, "instantchat_replicated_rooms"), 0.0);
        m_balancer.targets.clear();
    }

    // No target (503) or a target that is gone: the room serves without a copy, nothing held.
    void noCopyServerHoldsNothing_data()
    {
        QTest::addColumn<bool>("deadTarget");
        QTest::newRow("balancer answers 503") << false;
        QTest::newRow("target refuses connections") << true;
    }
    void noCopyServerHoldsNothing()
    {
        QFETCH(bool, deadTarget);
        if (deadTarget) {
            QTcpServer closed;
            QVERIFY(closed.listen(QHostAddress::LocalHost, 0));
            const quint16 port = closed.serverPort();
            closed.close();
            m_balancer.targets.insert(
                QStringLiteral("lone-a"),
                {QStringLiteral("gone"), QStringLiteral("http://127.0.0.1:%1").arg(port)});
        }
        auto a = server(QStringLiteral("lone-a"));
        QVERIFY(a);
        Client erin;
        erin.name = QStringLiteral("erin");
        erin.room = QStringLiteral("lonely-room");
        QVERIFY(erin.connect(a->port()));
        QVERIFY(erin.join("R_C_J", QString(), erin.name).reply);
        for (int i = 0; i < 3; ++i) {
            const auto reply = erin.say(QStringLiteral("still-served-%1").arg(i));
            QVERIFY(reply && reply->command == u"RP");
        }
        QVERIFY(metric(*a, "instantchat_replica_failures_total") >= 1);
        QCOMPARE(metric(*a, "instantchat_replicated_rooms"), 0.0);
        m_balancer.targets.clear();
    }
};

QTEST_GUILESS_MAIN(TestReplication)
#include "tst_replication.moc"
