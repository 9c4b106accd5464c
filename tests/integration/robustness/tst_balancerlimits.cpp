// Limits of the balancer's HTTP front against a real instantchat-balancer:
//  - a 400 MiB chunked body whose chunks carry "\r\n0\r\n\r\n" in their data is refused with 413
//    once --max-body is passed, and the balancer's memory stays bounded (RSS printed);
//  - one address cannot hold more than --max-connections-per-address connections (429 and a
//    metric), while a second address is served throughout; past --max-connections any address
//    gets 503;
//  - a request head trickled one byte a second is cut off by --handshake-timeout counted from the
//    connection's start, a body likewise by --body-timeout (408), and others are still served.

#include "RobustSupport.h"

#include <QCoreApplication>
#include <QHostAddress>
#include <QTest>

using namespace ic::testing;
using namespace ic::testing::robust;

namespace {

// A connection from the given loopback address (127.0.0.2 is a second client).
std::unique_ptr<QTcpSocket> connectFrom(const QString &local, quint16 port)
{
    auto socket = std::make_unique<QTcpSocket>();
    // A refused connection is answered and closed at once: it may never be seen connected
    // between two checks, only through the signal.
    auto connected = std::make_shared<bool>(false);
    QObject::connect(socket.get(), &QTcpSocket::connected, [connected] { *connected = true; });
    socket->bind(QHostAddress(local), 0);
    socket->connectToHost(QHostAddress(QStringLiteral("127.0.0.1")), port);
    if (!waitUntil([&] { return *connected; }, 5000))
        return nullptr;
    return socket;
}

int statusOf(const QByteArray &response)
{
    const QList<QByteArray> parts = response.left(response.indexOf("\r\n")).split(' ');
    return parts.size() >= 2 && parts.at(0).startsWith("HTTP/") ? parts.at(1).toInt() : -1;
}

// GET /healthz from 127.0.0.2 on a fresh connection: the status, -1 for none.
int healthFromSecondAddress(quint16 port)
{
    std::unique_ptr<QTcpSocket> socket = connectFrom(QStringLiteral("127.0.0.2"), port);
    if (!socket)
        return -1;
    socket->write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    QByteArray data;
    waitUntil(
        [&] {
            data += socket->readAll();
            return data.contains("\r\n\r\n") || socket->state() != QAbstractSocket::ConnectedState;
        },
        5000);
    return statusOf(data);
}

} // namespace

class BalancerLimitsTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> start(const QStringList &extra)
    {
        auto balancer = std::make_unique<TestProcess>(
            QStringLiteral("instantchat-balancer"),
            QStringList{QStringLiteral("--servers"), QString()} + extra);
        if (!balancer->start()) {
            qWarning("%s", qPrintable(balancer->errorString()));
            return nullptr;
        }
        return balancer;
    }

private slots:
    void chunkedBodyOverMaxBody()
    {
        std::unique_ptr<TestProcess> balancer = start({}); // --max-body 4 MiB
        QVERIFY(balancer);
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), balancer->port());
        QVERIFY(waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; }));
        socket.write("POST /upload_drawing HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n");
        // 4 KiB chunks whose data ends in what a search for the last chunk would take as one,
        // sent 1 MiB at a time.
        QByteArray data(4096 - 7, 'd');
        data += "\r\n0\r\n\r\n";
        QByteArray chunk;
        while (chunk.size() < 1024 * 1024)
            chunk += QByteArray::number(data.size(), 16) + "\r\n" + data + "\r\n";
        const qint64 total = 400LL * 1024 * 1024;
        const qint64 before = rssKiB(balancer->pid());
        qint64 peak = before;
        qint64 sent = 0;
        QByteArray answer;
        QElapsedTimer timer;
        timer.start();
        while (timer.elapsed() < 60000) {
            answer += socket.readAll();
            if (answer.contains("\r\n\r\n") || socket.state() != QAbstractSocket::ConnectedState)
                break;
            if (sent < total && socket.bytesToWrite() < 2 * chunk.size()) {
                socket.write(chunk);
                sent += chunk.size();
            }
            peak = std::max(peak, rssKiB(balancer->pid()));
            if (peak - before > 256 * 1024)
                break; // clearly unbounded: stop before the machine suffers
            socket.waitForBytesWritten(20);
            QCoreApplication::processEvents();
        }
        waitUntil(
            [&] {
                answer += socket.readAll();
                return answer.contains("\r\n\r\n") && answer.endsWith("\n");
            },
            3000);
        peak = std::max(peak, rssKiB(balancer->pid()));
        socket.abort();
        QTest::qWait(1000);
        const qint64 after = rssKiB(balancer->pid());
        qInfo("chunked body: %lld MiB sent of %lld MiB; answer %d after %lld ms: %s; balancer RSS "
              "before %lld KiB, peak %lld KiB (+%lld), after %lld KiB",
              sent >> 20, total >> 20, statusOf(answer), timer.elapsed(),
              answer.mid(answer.indexOf("\r\n\r\n") + 4).trimmed().constData(), before, peak,
              peak - before, after);
        QCOMPARE(statusOf(answer), 413);
        QVERIFY(answer.contains("error: the request body is too large"));
        QVERIFY2(peak - before < 32 * 1024, "the balancer's memory grew by 32 MiB or more");
        QVERIFY(balancer->isRunning());
        QCOMPARE(healthFromSecondAddress(balancer->port()), 200);
    }

    // 100 connections from 127.0.0.1, each holding a half-sent request, with a cap of 20.
    void connectionsPerAddress()
    {
        const int cap = 20;
        std::unique_ptr<TestProcess> balancer =
            start({QStringLiteral("--max-connections-per-address"), QString::number(cap),
                   QStringLiteral("--handshake-timeout"), QStringLiteral("60")});
        QVERIFY(balancer);
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        int servedSecond = 0, probes = 0;
        for (int i = 0; i < 100; ++i) {
            std::unique_ptr<QTcpSocket> socket =
                connectFrom(QStringLiteral("127.0.0.1"), balancer->port());
            QVERIFY2(socket, qPrintable(QStringLiteral("connection %1 failed").arg(i)));
            socket->write("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: "); // never finished
            sockets.push_back(std::move(socket));
            if (i % 20 == 19) {
                ++probes;
                servedSecond += healthFromSecondAddress(balancer->port()) == 200 ? 1 : 0;
            }
        }
        QTest::qWait(1000);
        int held = 0, refused = 0;
        QByteArray sentence;
        for (auto &socket : sockets) {
            const QByteArray data = socket->readAll();
            if (statusOf(data) == 429) {
                ++refused;
                sentence = data.mid(data.indexOf("\r\n\r\n") + 4).trimmed();
            } else if (socket->state() == QAbstractSocket::ConnectedState && data.isEmpty()) {
                ++held;
            }
        }
        // The refusals are counted in the metrics (read from the second address).
        std::unique_ptr<QTcpSocket> metrics =
            connectFrom(QStringLiteral("127.0.0.2"), balancer->port());
        QVERIFY(metrics);
        metrics->write("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        QByteArray scrape;
        waitUntil([&] {
            scrape += metrics->readAll();
            return metrics->state() != QAbstractSocket::ConnectedState;
        });
        scrape += metrics->readAll();
        QByteArray counted;
        for (const QByteArray &line : scrape.split('\n'))
            if (line.startsWith(
                    "instantchat_balancer_connections_refused_total{reason=\"address\"}"))
                counted = line.mid(line.lastIndexOf(' ') + 1);
        qInfo("one address: %d connections held, %d refused with 429 (\"%s\"), metric %s; the "
              "second address was served %d of %d times meanwhile",
              held, refused, sentence.constData(), counted.constData(), servedSecond, probes);
        QCOMPARE(held, cap);
        QCOMPARE(refused, 100 - cap);
        QVERIFY(sentence.startsWith("error:"));
        QCOMPARE(counted.toDouble(), double(refused));
        QCOMPARE(servedSecond, probes);
        sockets.clear();
        // Closed connections free their places.
        QTest::qWait(500);
        std::unique_ptr<QTcpSocket> again =
            connectFrom(QStringLiteral("127.0.0.1"), balancer->port());
        QVERIFY(again);
        QCOMPARE(healthFromSecondAddress(balancer->port()), 200);
    }

    // The total cap: with --max-connections 10 the 11th connection, from another address,
    // gets 503 with a sentence and is counted.
    void totalConnections()
    {
        std::unique_ptr<TestProcess> balancer =
            start({QStringLiteral("--max-connections"), QStringLiteral("10")});
        QVERIFY(balancer);
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 10; ++i) {
            sockets.push_back(connectFrom(QStringLiteral("127.0.0.1"), balancer->port()));
            QVERIFY(sockets.back());
            sockets.back()->write("GET / HTTP/1.1\r\n"); // held open, half-sent
        }
        QTest::qWait(300);
        std::unique_ptr<QTcpSocket> extra =
            connectFrom(QStringLiteral("127.0.0.2"), balancer->port());
        QVERIFY(extra);
        QByteArray answer;
        waitUntil([&] {
            answer += extra->readAll();
            return extra->state() != QAbstractSocket::ConnectedState;
        });
        answer += extra->readAll();
        qInfo("total cap 10: the 11th connection got %d (\"%s\")", statusOf(answer),
              answer.mid(answer.indexOf("\r\n\r\n") + 4).trimmed().constData());
        QCOMPARE(statusOf(answer), 503);
        QVERIFY(answer.contains("error: the balancer has too many connections"));
        sockets.pop_back(); // one place frees up
        QTest::qWait(300);
        const RawHttp scrape = rawHttp(balancer->port(), get("/metrics", balancer->port()));
        QCOMPARE(scrape.status, 200);
        QVERIFY2(scrape.body.contains(
                     "instantchat_balancer_connections_refused_total{reason=\"total\"} 1"),
                 scrape.body.constData());
    }

    void slowRequests_data()
    {
        QTest::addColumn<QByteArray>("head");    // sent at once
        QTest::addColumn<QByteArray>("trickle"); // then one byte a second
        QTest::addColumn<QByteArray>("sentence");
        QTest::newRow("headers") << QByteArray()
                                 << QByteArray("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") +
                                        QByteArray(200, 'a')
                                 << QByteArray("error: the request headers did not arrive in time");
        QTest::newRow("body") << QByteArray("POST /upload_drawing HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                            "Content-Length: 1000\r\n\r\n")
                              << QByteArray(1000, 'b')
                              << QByteArray("error: the request body did not arrive in time");
    }

    // A byte a second must not keep a request open: the deadline (3 s) is absolute.
    void slowRequests()
    {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, trickle);
        QFETCH(QByteArray, sentence);
        std::unique_ptr<TestProcess> balancer =
            start({QStringLiteral("--handshake-timeout"), QStringLiteral("3"),
                   QStringLiteral("--body-timeout"), QStringLiteral("3")});
        QVERIFY(balancer);
        std::unique_ptr<QTcpSocket> socket =
            connectFrom(QStringLiteral("127.0.0.1"), balancer->port());
        QVERIFY(socket);
        QElapsedTimer timer;
        timer.start();
        socket->write(head);
        QByteArray answer;
        int trickled = 0, servedSecond = 0, probes = 0;
        // At most 30 s: the old idle timer (120 s, restarted by every byte) never fires here.
        while (timer.elapsed() < 30000 && trickled < trickle.size()) {
            socket->write(trickle.mid(trickled++, 1));
            ++probes;
            servedSecond += healthFromSecondAddress(balancer->port()) == 200 ? 1 : 0;
            QTest::qWait(1000);
            answer += socket->readAll();
            if (socket->state() != QAbstractSocket::ConnectedState || !answer.isEmpty())
                break;
        }
        waitUntil([&] {
            answer += socket->readAll();
            return socket->state() != QAbstractSocket::ConnectedState;
        });
        qInfo("%s sent a byte a second: answered %d (\"%s\") and closed after %.1f s, %d bytes "
              "trickled; the second address was served %d of %d times meanwhile",
              QTest::currentDataTag(), statusOf(answer),
              answer.mid(answer.indexOf("\r\n\r\n") + 4).trimmed().constData(),
              double(timer.elapsed()) / 1000.0, trickled, servedSecond, probes);
        QCOMPARE(statusOf(answer), 408);
        QVERIFY(answer.contains(sentence));
        QVERIFY(socket->state() != QAbstractSocket::ConnectedState);
        QCOMPARE(servedSecond, probes);
    }
};

QTEST_MAIN(BalancerLimitsTest)
#include "tst_balancerlimits.moc"
