// Failover, the balancer's side, against the real balancer process. The room servers are test
// peers: small HTTP endpoints in this process that register with heartbeats like a server,
// answer GET /hw, GET /internal/rooms and POST /internal/replica/promote, and record the calls
// they get. Shown: the replica target is another server and is checked like the handoff calls;
// a peer that stops (heartbeats and port) has its replicated room promoted on the replica's
// peer (kill -> promote call time printed), a pick for that room waits during the failover and
// then answers the replica's peer, a room without a replica is lost and counted, the copies the
// dead peer held are cleared; a slow peer that still answers /hw stays alive.

#include "BalancerFixture.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

using namespace ic::testing;
using namespace Qt::StringLiterals;

namespace {

// One room server as far as the balancer can tell: HTTP/1.1 with keep-alive, Content-Length
// bodies only (what QNetworkAccessManager sends).
class TestPeer : public QObject
{
    Q_OBJECT
public:
    struct Promote
    {
        QStringList rooms;
        QByteArray token;
        qint64 atMs = 0; // on `clock`
    };

    TestPeer(QString id, QUrl balancer, QByteArray token, const QElapsedTimer *clock)
        : m_id(std::move(id)), m_balancer(std::move(balancer)), m_token(std::move(token)),
          m_clock(clock)
    {
        connect(&m_listener, &QTcpServer::newConnection, this, &TestPeer::accept);
        m_beats.setInterval(2000);
        connect(&m_beats, &QTimer::timeout, this, &TestPeer::beat);
    }

    bool start()
    {
        if (!m_listener.listen(QHostAddress::LocalHost, 0))
            return false;
        beat();
        m_beats.start();
        return true;
    }
    // Stops like a killed process: no more heartbeats, the port closed, connections reset.
    void kill()
    {
        m_beats.stop();
        m_listener.close();
        for (const QPointer<QTcpSocket> &socket : std::as_const(m_sockets)) {
            if (socket)
                socket->abort();
        }
    }
    // Pausing sends one last heartbeat first, so the silence is measured from now.
    void pauseHeartbeats(bool paused)
    {
        beat();
        if (paused)
            m_beats.stop();
        else
            m_beats.start();
    }

    QString id() const { return m_id; }
    quint16 port() const { return m_listener.serverPort(); }
    QString address() const { return u"127.0.0.1:%1"_s.arg(port()); }

    int hwDelayMs = 0;           // a slow server
    bool holdPromotions = false; // promote answers wait for releasePromotions()
    QSet<QString> copies;        // rooms it has a copy of
    QList<Promote> promotes;
    int hwRequests = 0;

    void releasePromotions()
    {
        holdPromotions = false;
        for (const auto &[socket, body] : std::exchange(m_heldPromotes, {})) {
            if (socket)
                respond(socket, 200, body);
        }
    }

private:
    void beat()
    {
        QNetworkRequest request(QUrl(m_balancer.toString() + u"/internal/heartbeat"_s));
        request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArray("application/json"));
        request.setRawHeader("X-Instantchat-Token", m_token);
        const QJsonObject body{{u"id"_s, m_id},
                               {u"address"_s, address()},
                               {u"version"_s, u"test-peer"_s},
                               {u"load"_s, QJsonObject{}}};
        QNetworkReply *reply =
            m_network.post(request, QJsonDocument(body).toJson(QJsonDocument::Compact));
        connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    }

    void accept()
    {
        while (QTcpSocket *socket = m_listener.nextPendingConnection()) {
            m_sockets.append(socket);
            connect(socket, &QTcpSocket::readyRead, this, [this, socket] { read(socket); });
            connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
        }
    }

    void read(QTcpSocket *socket)
    {
        QByteArray &buffer = m_buffers[socket];
        buffer += socket->readAll();
        for (;;) {
            const qsizetype headEnd = buffer.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            const QList<QByteArray> lines = buffer.left(headEnd).split('\n');
            qsizetype length = 0;
            QByteArray token;
            for (const QByteArray &line : lines.mid(1)) {
                const QByteArray name = line.left(line.indexOf(':')).trimmed().toLower();
                const QByteArray value = line.mid(line.indexOf(':') + 1).trimmed();
                if (name == "content-length")
                    length = value.toLongLong();
                else if (name == "x-instantchat-token")
                    token = value;
            }
            if (buffer.size() < headEnd + 4 + length)
                return;
            const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
            const QByteArray body = buffer.mid(headEnd + 4, length);
            buffer.remove(0, headEnd + 4 + length);
            handle(socket, requestLine.value(0), requestLine.value(1), token, body);
        }
    }

    void handle(QTcpSocket *socket, const QByteArray &method, const QByteArray &path,
                const QByteArray &token, const QByteArray &body)
    {
        if (method == "GET" && path == "/hw") {
            ++hwRequests;
            QPointer<QTcpSocket> guarded(socket);
            QTimer::singleShot(hwDelayMs, this, [this, guarded] {
                if (guarded)
                    respond(guarded, 200, R"({"cpu":1,"ram":1,"uo":0})");
            });
        } else if (method == "GET" && path == "/internal/rooms") {
            QJsonArray replicas;
            for (const QString &room : std::as_const(copies))
                replicas.append(room);
            respond(
                socket, 200,
                QJsonDocument(QJsonObject{{u"rooms"_s, QJsonArray{}}, {u"replicas"_s, replicas}})
                    .toJson(QJsonDocument::Compact));
        } else if (method == "POST" && path == "/internal/replica/promote") {
            Promote promote{{}, token, m_clock->elapsed()};
            QJsonArray promoted, missing;
            for (const QJsonValue &room :
                 QJsonDocument::fromJson(body).object().value(u"rooms"_s).toArray()) {
                promote.rooms.append(room.toString());
                (copies.remove(room.toString()) ? promoted : missing).append(room);
            }
            promotes.append(promote);
            const QByteArray answer =
                QJsonDocument(QJsonObject{{u"promoted"_s, promoted}, {u"missing"_s, missing}})
                    .toJson(QJsonDocument::Compact);
            if (holdPromotions)
                m_heldPromotes.append({QPointer<QTcpSocket>(socket), answer});
            else
                respond(socket, 200, answer);
        } else {
            respond(socket, 404, "{}");
        }
    }

    void respond(QTcpSocket *socket, int status, const QByteArray &body)
    {
        socket->write("HTTP/1.1 " + QByteArray::number(status) +
                      (status == 200 ? " OK" : " Not Found") +
                      "\r\nContent-Type: application/json\r\nContent-Length: " +
                      QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }

    QString m_id;
    QUrl m_balancer;
    QByteArray m_token;
    const QElapsedTimer *m_clock;
    QTcpServer m_listener;
    QTimer m_beats;
    QNetworkAccessManager m_network;
    QList<QPointer<QTcpSocket>> m_sockets;
    QHash<QTcpSocket *, QByteArray> m_buffers;
    QList<std::pair<QPointer<QTcpSocket>, QByteArray>> m_heldPromotes;
};

} // namespace

class TestFailover : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    const QByteArray m_token = "failover-cluster-token";
    const QByteArray m_adminPassword = "failover-admin-password";
    std::unique_ptr<TestProcess> m_balancer;
    QElapsedTimer m_clock;
    std::unique_ptr<TestPeer> m_a, m_b, m_c;
    QNetworkAccessManager m_network;

    TestPeer *peer(const QString &id)
    {
        return id == u"peer-a" ? m_a.get() : id == u"peer-b" ? m_b.get() : m_c.get();
    }
    HttpResult internal(const QString &path, const QJsonObject &body)
    {
        return httpPost(m_balancer->httpUrl(u"/internal/"_s + path),
                        QJsonDocument(body).toJson(QJsonDocument::Compact), "application/json",
                        {{"X-Instantchat-Token", m_token}});
    }
    HttpResult target(const QString &id, const QString &room)
    {
        return internal(u"replica/target"_s, {{u"id"_s, id}, {u"room"_s, room}});
    }
    void drain(const QString &id, bool drained)
    {
        const HttpResult r =
            httpPost(m_balancer->httpUrl(u"/admin/api/drain"_s),
                     QJsonDocument(QJsonObject{{u"id"_s, id}, {u"drained"_s, drained}})
                         .toJson(QJsonDocument::Compact),
                     "application/json", {{"Authorization", basicAuth(m_adminPassword)}});
        QCOMPARE(r.status, 200);
    }
    bool live(const QString &id)
    {
        const HttpResult r = httpGet(m_balancer->httpUrl(u"/internal/route-check?id="_s + id),
                                     {{"X-Instantchat-Token", m_token}});
        return r.status == 204;
    }
    QJsonObject adminServer(const QString &id)
    {
        const HttpResult result = balancerGet(*m_balancer, u"/admin/api/servers"_s,
                                              {{"Authorization", basicAuth(m_adminPassword)}});
        for (const QJsonValue &s : jsonObject(result).value(u"servers"_s).toArray()) {
            if (s.toObject().value(u"id"_s).toString() == id)
                return s.toObject();
        }
        return {};
    }
    double metric(const QByteArray &name)
    {
        const HttpResult result = balancerGet(*m_balancer, u"/metrics"_s);
        for (const QByteArray &line : result.body.split('\n')) {
            if (line.startsWith(name + ' '))
                return line.mid(name.size() + 1).toDouble();
        }
        return -1;
    }
    QString holderOf(const HttpResult &picked)
    {
        const quint16 port = pickedPort(picked);
        for (TestPeer *p : {m_a.get(), m_b.get(), m_c.get()}) {
            if (p->port() == port)
                return p->id();
        }
        return {};
    }
    // Places `room` on peer `id` (the others drained meanwhile).
    void placeOn(const QString &room, const QString &id)
    {
        const QStringList all{u"peer-a"_s, u"peer-b"_s, u"peer-c"_s};
        for (const QString &other : all) {
            if (other != id && peer(other))
                drain(other, true);
        }
        const HttpResult picked = pick(*m_balancer, room);
        for (const QString &other : all) {
            if (other != id && peer(other))
                drain(other, false);
        }
        QCOMPARE(holderOf(picked), id);
    }
    // A POST from another loopback address: the status code, or 0.
    int postFrom(const QString &local, const QString &path, const QByteArray &body)
    {
        return postFromAddress(*m_balancer, local, path, body, m_token);
    }

    QString m_replicaOfOne; // the peer chosen for fo-one's copy

private slots:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString tokenFile = writeFile(m_dir, u"token"_s, m_token + '\n');
        m_balancer = startBalancer(
            {u"--servers"_s, QString(), u"--cluster-token-file"_s, tokenFile, u"--rate-limits"_s,
             u"off"_s, u"--warm-up"_s, u"0"_s, u"--heartbeat-interval"_s, u"2"_s},
            {u"INSTANTCHAT_ADMIN_PASSWORD="_s + QString::fromLatin1(m_adminPassword)});
        QVERIFY(m_balancer);
        m_clock.start();
        const QUrl url(u"http://"_s + m_balancer->hostPort());
        m_a = std::make_unique<TestPeer>(u"peer-a"_s, url, m_token, &m_clock);
        m_b = std::make_unique<TestPeer>(u"peer-b"_s, url, m_token, &m_clock);
        m_c = std::make_unique<TestPeer>(u"peer-c"_s, url, m_token, &m_clock);
        QVERIFY(m_a->start() && m_b->start() && m_c->start());
        // Live and their (empty) room lists read: a pick gets an answer.
        QVERIFY(waitUntil(
            [&] {
                return live(u"peer-a"_s) && live(u"peer-b"_s) && live(u"peer-c"_s) &&
                       pickedPort(pick(*m_balancer, u"readiness"_s)) != 0;
            },
            10000));
    }

    void replicaTargetIsAnotherServerAndChecked()
    {
        placeOn(u"fo-one"_s, u"peer-a"_s);
        const HttpResult chosen = target(u"peer-a"_s, u"fo-one"_s);
        QCOMPARE(chosen.status, 200);
        m_replicaOfOne = jsonObject(chosen).value(u"id"_s).toString();
        qInfo("replica target for fo-one (on peer-a): %s", chosen.body.constData());
        QVERIFY(m_replicaOfOne == u"peer-b" || m_replicaOfOne == u"peer-c");
        QCOMPARE(jsonObject(chosen).value(u"url"_s).toString(),
                 u"http://"_s + peer(m_replicaOfOne)->address());
        peer(m_replicaOfOne)->copies.insert(u"fo-one"_s);

        // Refusals, each with a sentence, changing nothing.
        const HttpResult noId = internal(u"replica/target"_s, {{u"room"_s, u"fo-one"_s}});
        QCOMPARE(noId.status, 400);
        QVERIFY(noId.body.startsWith("error: "));
        QCOMPARE(target(u"peer-a"_s, u"bad/name"_s).status, 400);
        QCOMPARE(target(u"nobody"_s, u"fo-one"_s).status, 404);
        QCOMPARE(postFrom(u"127.0.0.2"_s, u"/internal/replica/target"_s,
                          R"({"id":"peer-a","room":"fo-one"})"),
                 403);
        const HttpResult notItsRoom = target(u"peer-b"_s, u"fo-one"_s);
        QCOMPARE(notItsRoom.status, 409);
        qInfo("409: %s", notItsRoom.body.constData());
        const HttpResult get = balancerGet(*m_balancer, u"/internal/replica/target"_s,
                                           {{"X-Instantchat-Token", m_token}});
        QCOMPARE(get.status, 405);
        // Nobody else undrained: 503.
        placeOn(u"fo-lost"_s, u"peer-a"_s);
        drain(u"peer-b"_s, true);
        drain(u"peer-c"_s, true);
        const HttpResult none = target(u"peer-a"_s, u"fo-lost"_s);
        drain(u"peer-b"_s, false);
        drain(u"peer-c"_s, false);
        QCOMPARE(none.status, 503);
        qInfo("503: %s", none.body.constData());
        QCOMPARE(metric("instantchat_balancer_replicated_rooms"), 1.0);
        QCOMPARE(adminServer(m_replicaOfOne).value(u"replicasHeld"_s).toInt(), 1);
    }

    void slowPeerThatAnswersIsNotDeclaredDead()
    {
        // peer-c holds a room with a copy, so it is watched closely; it stops its heartbeats
        // for 5 s (3 missed would be 6 s) and answers /hw after 600 ms (the probe waits 1 s).
        placeOn(u"fo-slow"_s, u"peer-c"_s);
        drain(u"peer-a"_s, true);
        const HttpResult chosen = target(u"peer-c"_s, u"fo-slow"_s);
        drain(u"peer-a"_s, false);
        QCOMPARE(chosen.status, 200);
        QCOMPARE(jsonObject(chosen).value(u"id"_s).toString(), u"peer-b"_s);
        m_b->copies.insert(u"fo-slow"_s);
        m_c->hwDelayMs = 600;
        const int probesBefore = m_c->hwRequests;
        m_c->pauseHeartbeats(true);
        QElapsedTimer silent;
        silent.start();
        bool alwaysLive = true;
        while (silent.elapsed() < 5000) {
            alwaysLive = alwaysLive && live(u"peer-c"_s);
            settle(250);
        }
        m_c->pauseHeartbeats(false);
        m_c->hwDelayMs = 0;
        qInfo("peer-c silent for 5 s, /hw asked %d times, alive throughout: %s",
              m_c->hwRequests - probesBefore, alwaysLive ? "yes" : "no");
        QVERIFY(alwaysLive);
        // Not even briefly out (a regular probe answered in time would bring it back between
        // two of the checks above): no such line, no promotion.
        for (const QByteArray &line : m_balancer->output().split('\n'))
            QVERIFY2(!(line.contains("server peer-c") && line.contains("out of placement")),
                     line.constData());
        QVERIFY(m_b->promotes.isEmpty());
        QVERIFY(
            m_balancer->output().contains("server peer-c is late with its heartbeat but answers"));
        QVERIFY(m_b->promotes.isEmpty());
    }

    void deadPeersRoomsArePromotedOnTheReplica()
    {
        // Also a room on the replica side: fo-copy-on-a lives on peer-b, its copy on peer-a.
        placeOn(u"fo-copy-on-a"_s, u"peer-b"_s);
        drain(u"peer-c"_s, true);
        const HttpResult chosen = target(u"peer-b"_s, u"fo-copy-on-a"_s);
        drain(u"peer-c"_s, false);
        QCOMPARE(jsonObject(chosen).value(u"id"_s).toString(), u"peer-a"_s);
        QCOMPARE(metric("instantchat_balancer_replicated_rooms"), 3.0);
        const double lostBefore = metric("instantchat_balancer_rooms_lost_total");
        const double failoversBefore = metric("instantchat_balancer_failovers_total");
        const double failedOverBefore = metric("instantchat_balancer_rooms_failed_over_total");

        TestPeer *replica = peer(m_replicaOfOne);
        replica->holdPromotions = true;
        const qint64 killedAt = m_clock.elapsed();
        m_a->kill();
        QVERIFY(waitUntil([&] { return !replica->promotes.isEmpty(); }, 10000));
        const TestPeer::Promote promote = replica->promotes.first();
        qInfo("peer-a stopped -> promote call on %s after %lld ms", qPrintable(m_replicaOfOne),
              promote.atMs - killedAt);
        QCOMPARE(promote.rooms, QStringList{u"fo-one"_s});
        QCOMPARE(promote.token, m_token);
        QCOMPARE(replica->promotes.size(), 1);

        // While the promotion is unanswered the room is in transit: a pick waits.
        QNetworkRequest request(m_balancer->httpUrl(u"/pick_backend"_s));
        QUrl url = request.url();
        url.setQuery(u"roomName=fo-one"_s);
        request.setUrl(url);
        QNetworkReply *waiting = m_network.get(request);
        settle(500);
        QVERIFY(!waiting->isFinished());
        QCOMPARE(metric("instantchat_balancer_rooms_in_transit"), 1.0);
        replica->releasePromotions();
        QVERIFY(waitUntil([&] { return waiting->isFinished(); }, 5000));
        HttpResult picked;
        picked.status = waiting->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        picked.body = waiting->readAll();
        waiting->deleteLater();
        qInfo("pick after the failover: %s", picked.body.constData());
        QCOMPARE(holderOf(picked), m_replicaOfOne);
        QCOMPARE(holderOf(pick(*m_balancer, u"fo-one"_s)), m_replicaOfOne);

        QVERIFY(waitUntil(
            [&] { return metric("instantchat_balancer_failovers_total") == failoversBefore + 1; }));
        QCOMPARE(metric("instantchat_balancer_rooms_failed_over_total"), failedOverBefore + 1);
        // How the balancer noticed (fast probe or the older rules, whichever came first).
        for (const QByteArray &line : m_balancer->output().split('\n')) {
            if (line.contains("server peer-a at") || line.contains("failover of server peer-a"))
                qInfo("balancer: %s", line.trimmed().constData());
        }
        // fo-lost had no copy (and readiness, placed on a or not, neither).
        const double lost = metric("instantchat_balancer_rooms_lost_total") - lostBefore;
        QVERIFY(lost >= 1);
        qInfo("rooms lost with peer-a: %.0f; last failover took %.3f s (death noticed -> last "
              "promotion answer, including the %d ms the test held it)",
              lost, metric("instantchat_balancer_last_failover_seconds"), 500);
        // fo-one's copy is now its room (no replica until it asks), fo-copy-on-a's copy died.
        QCOMPARE(metric("instantchat_balancer_replicated_rooms"), 1.0);
        QVERIFY(m_balancer->output().contains("failover of server peer-a: 1 rooms promoted"));
        // The lost room opens anew on a live peer.
        const QString reopened = holderOf(pick(*m_balancer, u"fo-lost"_s));
        QVERIFY(reopened == u"peer-b" || reopened == u"peer-c");
        QVERIFY(!live(u"peer-a"_s));
    }
};

QTEST_GUILESS_MAIN(TestFailover)
#include "tst_failover.moc"
