// Every byte the server queues to a socket counts against --outbound-limit, not only broadcast
// frames: a client that sends pings and never reads the pongs, or pipelines GET /metrics (or
// /healthz) and never reads the answers, is cut off while the server's memory stays within a
// bound computed from the limits; a bystander in another room keeps getting all its messages.
// The attackers are plain descriptors with a tiny receive buffer that are never read, so what
// they do not take piles up on the server's side.

#include "RobustSupport.h"

#include <QCoreApplication>
#include <QTest>

#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ic::testing;
using namespace ic::testing::robust;

namespace {

constexpr qint64 outboundLimit = 1024 * 1024;

// A loopback TCP connection that is never read once set up.
class NonReader
{
public:
    explicit NonReader(quint16 port)
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        const int small = 4096; // before connect(): the window the server sees stays small
        ::setsockopt(m_fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~NonReader()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    bool connected() const { return m_fd >= 0; }

    // Blocking write of a handshake, then the response head, read byte by byte (nothing after it
    // is taken off the socket).
    QByteArray exchangeHead(const QByteArray &request, int timeoutMs)
    {
        if (::send(m_fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL) !=
            request.size())
            return {};
        QByteArray head;
        QElapsedTimer timer;
        timer.start();
        while (!head.endsWith("\r\n\r\n") && timer.elapsed() < timeoutMs) {
            pollfd p{m_fd, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0)
                continue;
            char c;
            if (::recv(m_fd, &c, 1, 0) != 1)
                break;
            head.append(c);
        }
        ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
        return head;
    }

    // Writes what the kernel takes now of `bytes`, repeated endlessly (a partial write goes on
    // where it stopped, so frames and requests stay whole); false once the server ended the
    // connection.
    bool sendSome(const QByteArray &bytes)
    {
        const ssize_t sent = ::send(m_fd, bytes.constData() + m_offset,
                                    size_t(bytes.size() - m_offset), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (sent < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return false;
        if (sent < 0) {
            pollfd p{m_fd, POLLOUT | POLLRDHUP, 0};
            ::poll(&p, 1, 5); // the server stopped taking bytes: wait a little, do not spin
        }
        if (sent > 0) {
            m_sent += sent;
            m_offset = (m_offset + sent) % bytes.size();
        }
        return !ended();
    }
    // The server closed or reset the connection (seen without reading anything).
    bool ended() const
    {
        pollfd p{m_fd, POLLRDHUP, 0};
        return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLERR | POLLHUP | POLLRDHUP));
    }
    qint64 sent() const { return m_sent; }

private:
    int m_fd = -1;
    qint64 m_sent = 0;
    qsizetype m_offset = 0;
};

struct Outcome
{
    bool ended = false;
    qint64 endedAfterMs = -1;
    qint64 rssBefore = 0, rssPeak = 0, rssAfter = 0; // KiB
    qint64 sent = 0;
};

// Sends `unit` over and over for up to `seconds` (or until the server ends the connection, or
// its RSS grew by `giveUpKiB`), keeping the event loop (the bystander) running and sampling the
// server's RSS.
Outcome flood(NonReader &attacker, const TestProcess &server, const QByteArray &unit, int seconds,
              qint64 giveUpKiB)
{
    Outcome out;
    out.rssBefore = out.rssPeak = rssKiB(server.pid());
    QElapsedTimer timer;
    timer.start();
    QElapsedTimer sample;
    sample.start();
    while (timer.elapsed() < seconds * 1000) {
        if (!attacker.sendSome(unit)) {
            out.ended = true;
            out.endedAfterMs = timer.elapsed();
            break;
        }
        if (sample.elapsed() >= 20) {
            sample.restart();
            out.rssPeak = std::max(out.rssPeak, rssKiB(server.pid()));
            if (out.rssPeak - out.rssBefore > giveUpKiB)
                break;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        }
    }
    out.rssPeak = std::max(out.rssPeak, rssKiB(server.pid()));
    QTest::qWait(1500); // what the server still held is released
    out.rssAfter = rssKiB(server.pid());
    out.sent = attacker.sent();
    return out;
}

// One unlabelled metric of the server (-1 when missing).
double metricValue(quint16 port, const QByteArray &name)
{
    const RawHttp scrape = rawHttp(port, get("/metrics", port));
    for (const QByteArray &line : scrape.body.split('\n'))
        if (line.startsWith(name + ' '))
            return line.mid(line.lastIndexOf(' ') + 1).toDouble();
    return -1;
}

// instantchat_slow_clients_dropped_total of the server.
double slowClientsDropped(quint16 port)
{
    return metricValue(port, "instantchat_slow_clients_dropped_total");
}

// The server's memory may grow by a few outbound limits (the queue, its copy while it grows)
// plus the input buffers and allocator slack, never by what the attacker sends.
constexpr qint64 boundKiB = (4 * outboundLimit + 24 * 1024 * 1024) / 1024;

} // namespace

class OutboundBypassTest : public QObject
{
    Q_OBJECT

    std::unique_ptr<TestProcess> m_server;

    void report(const char *what, const Outcome &o, const QString &bystander, int bystanderSent)
    {
        qInfo("%s: sent %lld KiB; server %s after %lld ms; server RSS before %lld KiB, peak %lld "
              "KiB (+%lld), after %lld KiB (bound +%lld KiB); bystander in another room: %d "
              "messages sent, %s",
              what, o.sent / 1024, o.ended ? "ended the connection" : "kept the connection",
              o.endedAfterMs, o.rssBefore, o.rssPeak, o.rssPeak - o.rssBefore, o.rssAfter, boundKiB,
              bystanderSent,
              bystander.isEmpty() ? "all came back in order" : qPrintable(bystander));
    }

private slots:
    void initTestCase()
    {
        // A 1 MiB queue cannot hold the member list of 1000 users with the longest names: the
        // server refuses such a configuration, so this one has fewer users.
        m_server = startServer({QStringLiteral("--outbound-limit"), QString::number(outboundLimit),
                                QStringLiteral("--max-users"), QStringLiteral("100"),
                                QStringLiteral("--rate-limits"), QStringLiteral("off")});
        QVERIFY(m_server);
    }

    // Pings as fast as the client can send them; the pongs are never read.
    void pingsWithoutReading()
    {
        Bystander bystander(*m_server, QStringLiteral("bystander-pings"), 100, nullptr);
        QVERIFY(bystander.start());
        NonReader attacker(m_server->port());
        QVERIFY(attacker.connected());
        const QByteArray upgrade =
            "GET /ws_entry HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\nOrigin: " +
            origin + "\r\nCookie: " + ic::session::cookieName + '=' +
            ic::session::createCookieValue() + "\r\n\r\n";
        const QByteArray head = attacker.exchangeHead(upgrade, 5000);
        QVERIFY2(head.startsWith("HTTP/1.1 101"), head.constData());
        const QByteArray init = rawFrame(0x81, R"({"p":"cp"})");
        QVERIFY(attacker.sendSome(init));
        QCOMPARE(attacker.sent(), qint64(init.size()));
        QByteArray pings;
        while (pings.size() < 64 * 1024)
            pings += rawFrame(0x89, QByteArray(125, 'p'));

        const double droppedBefore = slowClientsDropped(m_server->port());
        const Outcome o = flood(attacker, *m_server, pings, 8, 512 * 1024);
        const QString check = bystander.stopAndCheck();
        const double dropped = slowClientsDropped(m_server->port()) - droppedBefore;
        report("pings, pongs never read", o, check, bystander.sent());
        qInfo("instantchat_slow_clients_dropped_total went up by %g", dropped);
        QVERIFY2(o.ended, "the server kept a client that never reads its pongs");
        QCOMPARE(dropped, 1.0); // dropped as slow, not for a protocol error
#ifndef IC_SANITIZED
        QVERIFY2(o.rssPeak - o.rssBefore < boundKiB, "server memory grew past the bound");
#endif
        QVERIFY2(check.isEmpty(), qPrintable(check));
        QVERIFY(m_server->isRunning());
    }

    void pipelinedWithoutReading_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::newRow("metrics") << QByteArray("/metrics");
        QTest::newRow("healthz") << QByteArray("/healthz");
    }

    // Pipelined GETs as fast as the client can send them; the answers are never read.
    void pipelinedWithoutReading()
    {
        QFETCH(QByteArray, path);
        Bystander bystander(*m_server,
                            QStringLiteral("bystander-http-") +
                                QString::fromLatin1(QTest::currentDataTag()),
                            100, nullptr);
        QVERIFY(bystander.start());
        NonReader attacker(m_server->port());
        QVERIFY(attacker.connected());
        const QByteArray one = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        QByteArray requests;
        while (requests.size() < 64 * 1024)
            requests += one;

        const double droppedBefore = slowClientsDropped(m_server->port());
        const Outcome o = flood(attacker, *m_server, requests, 10, 512 * 1024);
        const QString check = bystander.stopAndCheck();
        report(("pipelined GET " + path + ", answers never read").constData(), o, check,
               bystander.sent());
        const double dropped = slowClientsDropped(m_server->port()) - droppedBefore;
        qInfo("instantchat_slow_clients_dropped_total went up by %g", dropped);
        QCOMPARE(dropped, 1.0); // dropped as slow, not refused for a malformed request
        QVERIFY2(o.ended, "the server kept a client that never reads its answers");
#ifndef IC_SANITIZED
        QVERIFY2(o.rssPeak - o.rssBefore < boundKiB, "server memory grew past the bound");
#endif
        QVERIFY2(check.isEmpty(), qPrintable(check));
        // Still serving everybody else.
        QCOMPARE(rawHttp(m_server->port(), get("/healthz", m_server->port())).status, 200);
    }

    // All queues together are bounded too (--queue-memory): six clients that send pings and
    // never read, each allowed 4 MiB of its own queue, run once against a server whose total is
    // practically unbounded (1 GiB) and once against 1 MiB. The first shows the scenario piles up
    // more than the bound; the second must stay within it.
    void allQueuesTogether()
    {
        const auto run = [&](qint64 queueMemory, qint64 *peakQueued, double *dropped,
                             qint64 *rssGrowthKiB) {
            std::unique_ptr<TestProcess> server =
                startServer({QStringLiteral("--queue-memory"), QString::number(queueMemory),
                             QStringLiteral("--rate-limits"), QStringLiteral("off")});
            QVERIFY(server);
            std::vector<std::unique_ptr<NonReader>> attackers;
            QByteArray pings;
            while (pings.size() < 64 * 1024)
                pings += rawFrame(0x89, QByteArray(125, 'p'));
            for (int i = 0; i < 6; ++i) {
                auto attacker = std::make_unique<NonReader>(server->port());
                QVERIFY(attacker->connected());
                const QByteArray upgrade =
                    "GET /ws_entry HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                    "Sec-WebSocket-Version: 13\r\nOrigin: " +
                    origin + "\r\nCookie: " + ic::session::cookieName + '=' +
                    ic::session::createCookieValue() + "\r\n\r\n";
                QVERIFY(attacker->exchangeHead(upgrade, 5000).startsWith("HTTP/1.1 101"));
                QVERIFY(attacker->sendSome(rawFrame(0x81, R"({"p":"cp"})")));
                attackers.push_back(std::move(attacker));
            }
            const qint64 rssBefore = rssKiB(server->pid());
            qint64 rssPeak = rssBefore;
            *peakQueued = 0;
            QElapsedTimer timer, sample;
            timer.start();
            sample.start();
            int open = int(attackers.size());
            while (open > 0 && timer.elapsed() < 8000) {
                open = 0;
                for (auto &attacker : attackers)
                    if (!attacker->ended() && attacker->sendSome(pings))
                        ++open;
                if (sample.elapsed() >= 50) {
                    sample.restart();
                    rssPeak = std::max(rssPeak, rssKiB(server->pid()));
                    *peakQueued = std::max(
                        *peakQueued, qint64(metricValue(server->port(),
                                                        "instantchat_outbound_queued_bytes")));
                }
            }
            *dropped = slowClientsDropped(server->port());
            *rssGrowthKiB = rssPeak - rssBefore;
            qInfo("--queue-memory %lld: %d of 6 never-reading clients still open after %lld ms, "
                  "%g dropped as slow, queued bytes peak %lld (sampled), RSS +%lld KiB",
                  queueMemory, open, timer.elapsed(), *dropped, *peakQueued, *rssGrowthKiB);
            QCOMPARE(rawHttp(server->port(), get("/healthz", server->port())).status, 200);
        };
        qint64 unboundedPeak = 0, boundedPeak = 0, unboundedGrowth = 0, boundedGrowth = 0;
        double unboundedDropped = 0, boundedDropped = 0;
        run(1024LL * 1024 * 1024, &unboundedPeak, &unboundedDropped, &unboundedGrowth);
        run(1024 * 1024, &boundedPeak, &boundedDropped, &boundedGrowth);
        QVERIFY2(unboundedPeak > 4 * 1024 * 1024,
                 "the scenario does not pile up more than the bound; it shows nothing");
        QCOMPARE(boundedDropped, 6.0);
        // The bound, plus what each of the six may hold before it counts as behind, plus one
        // pong burst in flight.
        QVERIFY2(boundedPeak <= 1024 * 1024 + 6 * 2 * 64 * 1024,
                 qPrintable(QString::number(boundedPeak)));
#ifndef IC_SANITIZED
        QVERIFY2(boundedGrowth < unboundedGrowth, "the bound saved no memory");
#endif
    }

    void cleanupTestCase()
    {
        QVERIFY(m_server && m_server->isRunning());
        QCOMPARE(m_server->terminate(), 0);
    }
};

QTEST_MAIN(OutboundBypassTest)
#include "tst_outboundbypass.moc"
