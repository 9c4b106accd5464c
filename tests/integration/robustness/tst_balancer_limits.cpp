// Limits of the balancer's HTTP front against a real instantchat-balancer:
//  - a 400 MiB chunked body whose chunks carry "\r\n0\r\n\r\n" in their data is refused with 413
//    once --max-body is passed, and the balancer's memory stays bounded (RSS printed).

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
};

QTEST_MAIN(BalancerLimitsTest)
#include "tst_balancer_limits.moc"
