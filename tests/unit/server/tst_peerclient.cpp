// PeerClient: the lean keep-alive HTTP client that carries replica batches to another server.
// The peer here is a real listening socket on loopback that answers with scripted bytes, so
// every path of the client (reuse, queueing, the retry after an idle close, broken answers,
// timeouts) runs against real TCP.
#include "app/PeerClient.h"

#include <QProcess>
#include <QSslConfiguration>
#include <QSslKey>
#include <QSslServer>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using ic::server::PeerClient;

namespace {

QByteArray answer200(const QByteArray &body, const QByteArray &extraHeaders = {})
{
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           QByteArray::number(body.size()) + "\r\n" + extraHeaders + "\r\n" + body;
}

// A peer that reads whole requests and answers each with whatever `respond` returns (an empty
// answer: say nothing). It counts connections and keeps every request it read.
class ScriptedPeer : public QObject
{
public:
    struct Seen
    {
        QByteArray head;
        QByteArray body;
        int connection = 0;
    };

    std::function<QByteArray(const Seen &)> respond = [](const Seen &) { return answer200("{}"); };
    bool closeAfterAnswer = false;
    QList<Seen> seen;
    int connections = 0;
    int mostOpenAtOnce = 0;

    // With a TLS configuration the peer speaks https (the socket shows up after the handshake).
    explicit ScriptedPeer(const QSslConfiguration *tls = nullptr)
    {
        if (tls) {
            auto *server = new QSslServer(this);
            server->setSslConfiguration(*tls);
            m_server = server;
        } else {
            m_server = new QTcpServer(this);
        }
        m_tls = tls != nullptr;
        QVERIFY(m_server->listen(QHostAddress::LocalHost));
        const auto accept = [this]() {
            while (QTcpSocket *socket = m_server->nextPendingConnection()) {
                const int number = ++connections;
                ++m_open;
                mostOpenAtOnce = std::max(mostOpenAtOnce, m_open);
                connect(socket, &QTcpSocket::disconnected, this, [this, socket]() {
                    --m_open;
                    socket->deleteLater();
                });
                connect(socket, &QTcpSocket::readyRead, this,
                        [this, socket, number]() { read(socket, number); });
                if (socket->bytesAvailable() > 0) // came with the end of the TLS handshake
                    read(socket, number);
            }
        };
        // A TLS server announces a connection once its handshake is done, with its own signal.
        if (m_tls)
            connect(m_server, &QTcpServer::pendingConnectionAvailable, this, accept);
        else
            connect(m_server, &QTcpServer::newConnection, this, accept);
    }
    QUrl url() const
    {
        return QUrl(QStringLiteral("%1://127.0.0.1:%2")
                        .arg(m_tls ? QStringLiteral("https") : QStringLiteral("http"))
                        .arg(m_server->serverPort()));
    }

private:
    void read(QTcpSocket *socket, int number)
    {
        QByteArray &in = m_in[socket];
        in += socket->readAll();
        for (;;) {
            const qsizetype headEnd = in.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return;
            const QByteArray head = in.first(headEnd);
            const qsizetype lengthAt = head.toLower().indexOf("content-length: ");
            const qsizetype length =
                lengthAt < 0 ? 0 : head.mid(lengthAt + 16).split('\r').first().toLongLong();
            if (in.size() < headEnd + 4 + length)
                return;
            Seen request{head, in.mid(headEnd + 4, length), number};
            in.remove(0, headEnd + 4 + length);
            seen.append(request);
            const QByteArray answer = respond(request);
            if (!answer.isEmpty())
                socket->write(answer);
            if (closeAfterAnswer) {
                socket->flush();
                socket->disconnectFromHost();
            }
        }
    }

    QTcpServer *m_server = nullptr;
    bool m_tls = false;
    QHash<QTcpSocket *, QByteArray> m_in;
    int m_open = 0;
};

struct Collected
{
    QList<PeerClient::Answer> answers;
    PeerClient::Done done()
    {
        return [this](const PeerClient::Answer &answer) { answers.append(answer); };
    }
};

} // namespace

class tst_PeerClient : public QObject
{
    Q_OBJECT

private slots:
    void postsTheRequestAndReadsTheAnswer()
    {
        ScriptedPeer peer;
        peer.respond = [](const ScriptedPeer::Seen &) { return answer200(R"({"acked":7})"); };
        PeerClient client(peer.url(), "secret", 4);
        Collected got;
        const QByteArray batch("ICRB\x00\x01payload", 13); // binary: NULs travel too
        client.post("/internal/replica/apply", "application/octet-stream", batch, 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        QCOMPARE(got.answers[0].status, 200);
        QCOMPARE(got.answers[0].body, QByteArray(R"({"acked":7})"));
        QCOMPARE(peer.seen.size(), 1);
        const QByteArray head = peer.seen[0].head;
        QVERIFY(head.startsWith("POST /internal/replica/apply HTTP/1.1\r\n"));
        QVERIFY(head.contains("\r\nX-Instantchat-Token: secret"));
        QVERIFY(head.contains("\r\nContent-Type: application/octet-stream"));
        QVERIFY(head.contains(QByteArray("\r\nHost: 127.0.0.1:") +
                              QByteArray::number(peer.url().port())));
        QCOMPARE(peer.seen[0].body, batch);
    }

    void noTokenNoTokenHeader()
    {
        ScriptedPeer peer;
        PeerClient client(peer.url(), {}, 1);
        Collected got;
        client.post("/x", "text/plain", "a", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        QVERIFY(!peer.seen[0].head.toLower().contains("x-instantchat-token"));
    }

    void keepsTheConnectionForTheNextRequest()
    {
        ScriptedPeer peer;
        PeerClient client(peer.url(), {}, 4);
        Collected got;
        for (int i = 0; i < 5; ++i) {
            client.post("/x", "text/plain", QByteArray::number(i), 5000, got.done());
            QTRY_COMPARE(got.answers.size(), i + 1);
        }
        QCOMPARE(peer.connections, 1);
        QCOMPARE(client.connectionCount(), 1);
        for (int i = 0; i < 5; ++i)
            QCOMPARE(peer.seen[i].body, QByteArray::number(i));
    }

    void queuesBeyondItsConnections()
    {
        ScriptedPeer peer;
        PeerClient client(peer.url(), {}, 2);
        Collected got;
        for (int i = 0; i < 7; ++i)
            client.post("/x", "text/plain", QByteArray::number(i), 5000, got.done());
        QCOMPARE(client.queued(), 5);
        QTRY_COMPARE(got.answers.size(), 7);
        QVERIFY(peer.mostOpenAtOnce <= 2);
        QCOMPARE(peer.connections, 2);
        // Queued requests leave in the order they came.
        QList<QByteArray> order;
        for (const ScriptedPeer::Seen &seen : std::as_const(peer.seen))
            order.append(seen.body);
        QCOMPARE(order, (QList<QByteArray>{"0", "1", "2", "3", "4", "5", "6"}));
        for (const PeerClient::Answer &answer : std::as_const(got.answers))
            QCOMPARE(answer.status, 200);
    }

    void sendsAgainWhenTheIdleConnectionWasClosed()
    {
        ScriptedPeer peer;
        peer.closeAfterAnswer = true; // as a peer closing idle keep-alive connections does
        PeerClient client(peer.url(), {}, 1);
        Collected got;
        client.post("/x", "text/plain", "first", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        client.post("/x", "text/plain", "second", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 2);
        QCOMPARE(got.answers[1].status, 200);
        QCOMPARE(peer.seen.last().body, QByteArray("second"));
        QCOMPARE(peer.connections, 2);
    }

    void connectionCloseAnswerIsNotReused()
    {
        ScriptedPeer peer;
        peer.respond = [](const ScriptedPeer::Seen &) {
            return answer200("{}", "Connection: close\r\n");
        };
        PeerClient client(peer.url(), {}, 1);
        Collected got;
        client.post("/x", "text/plain", "1", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        QCOMPARE(client.connectionCount(), 0);
        client.post("/x", "text/plain", "2", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 2);
        QCOMPARE(got.answers[1].status, 200);
        QCOMPARE(peer.connections, 2);
    }

    void otherStatusesAreReported_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("409") << QByteArray("HTTP/1.1 409 Conflict\r\nContent-Length: 2\r\n\r\nno")
                             << 409 << QByteArray("no");
        QTest::newRow("410 http/1.0")
            << QByteArray("HTTP/1.0 410 Gone\r\nContent-Length: 0\r\n\r\n") << 410 << QByteArray();
        QTest::newRow("header case") << QByteArray("HTTP/1.1 503 X\r\ncOnTeNt-LeNgTh: 3\r\n\r\nabc")
                                     << 503 << QByteArray("abc");
    }
    void otherStatusesAreReported()
    {
        QFETCH(QByteArray, answer);
        QFETCH(int, status);
        QFETCH(QByteArray, body);
        ScriptedPeer peer;
        peer.respond = [answer](const ScriptedPeer::Seen &) { return answer; };
        PeerClient client(peer.url(), {}, 1);
        Collected got;
        client.post("/x", "text/plain", "1", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        QCOMPARE(got.answers[0].status, status);
        QCOMPARE(got.answers[0].body, body);
    }

    void brokenAnswersEndTheRequest_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::newRow("not http") << QByteArray("hello there\r\n\r\n");
        QTest::newRow("no length") << QByteArray("HTTP/1.1 200 OK\r\n\r\n{}");
        QTest::newRow("chunked") << QByteArray(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n{}");
        QTest::newRow("negative length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: -4\r\n\r\n");
        QTest::newRow("huge length")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n");
        QTest::newRow("status letters")
            << QByteArray("HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n");
        QTest::newRow("endless head")
            << QByteArray("HTTP/1.1 200 OK\r\n") + QByteArray(40 * 1024, 'a');
    }
    void brokenAnswersEndTheRequest()
    {
        QFETCH(QByteArray, answer);
        ScriptedPeer peer;
        peer.respond = [answer](const ScriptedPeer::Seen &) { return answer; };
        PeerClient client(peer.url(), {}, 1);
        Collected got;
        client.post("/x", "text/plain", "1", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        QCOMPARE(got.answers[0].status, 0);
        QVERIFY(!got.answers[0].problem.isEmpty());
        QCOMPARE(client.connectionCount(), 0);
        // The client is not stuck: the next request gets a fresh connection and its answer.
        peer.respond = [](const ScriptedPeer::Seen &) { return answer200("ok"); };
        client.post("/x", "text/plain", "2", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 2);
        QCOMPARE(got.answers[1].status, 200);
        QCOMPARE(got.answers[1].body, QByteArray("ok"));
    }

    void silentPeerTimesOutOnce()
    {
        ScriptedPeer peer;
        peer.respond = [](const ScriptedPeer::Seen &) { return QByteArray(); };
        PeerClient client(peer.url(), {}, 1);
        Collected got;
        client.post("/x", "text/plain", "1", 200, got.done());
        QTRY_COMPARE(got.answers.size(), 1);
        QCOMPARE(got.answers[0].status, 0);
        QVERIFY(!got.answers[0].problem.isEmpty());
        // A slow peer is not sent the same request a second time.
        QTest::qWait(300);
        QCOMPARE(peer.seen.size(), 1);
        QCOMPARE(got.answers.size(), 1);
    }

    void refusedConnectionIsReported()
    {
        QUrl url;
        {
            QTcpServer closed;
            QVERIFY(closed.listen(QHostAddress::LocalHost));
            url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(closed.serverPort()));
        }
        PeerClient client(url, {}, 2);
        Collected got;
        client.post("/x", "text/plain", "1", 5000, got.done());
        client.post("/x", "text/plain", "2", 5000, got.done());
        QTRY_COMPARE(got.answers.size(), 2);
        QCOMPARE(got.answers[0].status, 0);
        QCOMPARE(got.answers[1].status, 0);
        QVERIFY(!got.answers[0].problem.isEmpty());
    }

    // Servers reach each other over https when they run with --tls-cert: the same client over
    // QSslSocket, verifying the peer against the trusted CAs (here: only the test certificate).
    void speaksTlsWithAVerifiedPeer()
    {
        const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
        if (openssl.isEmpty())
            QFAIL("the openssl command line tool is not in PATH (scripts/setup.sh installs it)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString cert = dir.filePath(QStringLiteral("peer.crt"));
        const QString key = dir.filePath(QStringLiteral("peer.key"));
        QProcess make;
        make.start(openssl,
                   {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                    QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                    QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=127.0.0.1"),
                    QStringLiteral("-addext"), QStringLiteral("subjectAltName=IP:127.0.0.1"),
                    QStringLiteral("-keyout"), key, QStringLiteral("-out"), cert});
        QVERIFY(make.waitForFinished(60000));
        QCOMPARE(make.exitCode(), 0);
        const QList<QSslCertificate> certificates = QSslCertificate::fromPath(cert);
        QCOMPARE(certificates.size(), 1);
        QFile keyFile(key);
        QVERIFY(keyFile.open(QIODevice::ReadOnly));
        const QSslKey privateKey(&keyFile, QSsl::Rsa);
        QVERIFY(!privateKey.isNull());

        QSslConfiguration serverTls = QSslConfiguration::defaultConfiguration();
        serverTls.setLocalCertificate(certificates.first());
        serverTls.setPrivateKey(privateKey);
        ScriptedPeer peer(&serverTls);
        peer.respond = [](const ScriptedPeer::Seen &) { return answer200("secure"); };

        const QSslConfiguration before = QSslConfiguration::defaultConfiguration();
        QSslConfiguration trusting = before;
        trusting.setCaCertificates(certificates);
        QSslConfiguration::setDefaultConfiguration(trusting);
        Collected got;
        {
            PeerClient client(peer.url(), {}, 1);
            client.post("/x", "text/plain", "1", 10000, got.done());
            QTRY_COMPARE_WITH_TIMEOUT(got.answers.size(), 1, 10000);
            client.post("/x", "text/plain", "2", 10000, got.done());
            QTRY_COMPARE_WITH_TIMEOUT(got.answers.size(), 2, 10000);
        }
        QSslConfiguration::setDefaultConfiguration(before);
        QCOMPARE(got.answers[0].problem, QString());
        QCOMPARE(got.answers[0].status, 200);
        QCOMPARE(got.answers[0].body, QByteArray("secure"));
        QCOMPARE(got.answers[1].status, 200);
        QCOMPARE(peer.connections, 1); // kept open across requests, like plain connections

        // A peer whose certificate is not trusted gets nothing.
        ScriptedPeer stranger(&serverTls);
        PeerClient client(stranger.url(), {}, 1);
        client.post("/x", "text/plain", "3", 10000, got.done());
        QTRY_COMPARE_WITH_TIMEOUT(got.answers.size(), 3, 10000);
        QCOMPARE(got.answers[2].status, 0);
        QCOMPARE(stranger.seen.size(), 0);
    }

    void destroyingTheClientCallsNobody()
    {
        ScriptedPeer peer;
        peer.respond = [](const ScriptedPeer::Seen &) { return QByteArray(); };
        Collected got;
        {
            PeerClient client(peer.url(), {}, 1);
            client.post("/x", "text/plain", "1", 5000, got.done());
            client.post("/x", "text/plain", "2", 5000, got.done());
            QTRY_COMPARE(peer.seen.size(), 1);
        }
        QTest::qWait(50);
        QCOMPARE(got.answers.size(), 0);
    }
};

QTEST_GUILESS_MAIN(tst_PeerClient)
#include "tst_peerclient.moc"
