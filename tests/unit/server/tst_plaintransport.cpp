// PlainTransport, the transport of every plain connection: bytes in (edge-triggered reads of at
// most four buffers per wake-up, then a rearm), bytes out (one sendmsg per flush, the rest held
// until the socket is writable), suspend/resume around a move between threads, and the end of
// the stream. The socket is one end of a local stream pair; the test plays the peer on the other.
//
// The main thread runs on EpollEventDispatcher (see main() below), as a server worker does.

#include "transport/EpollEventDispatcher.h"
#include "transport/PlainTransport.h"

#include <QCoreApplication>
#include <QTest>

#include <atomic>
#include <memory>

#include <cerrno>
#include <sys/socket.h>
#include <unistd.h>

using namespace ic::server;

namespace {

class Collector : public TransportClient
{
public:
    QByteArray received;
    int closedCalls = 0;
    int drainedCalls = 0;

    void transportReceived(QByteArrayView bytes) override
    {
        received.append(bytes.data(), bytes.size());
    }
    void transportClosed() override { ++closedCalls; }
    void transportDrained() override { ++drainedCalls; }
};

QByteArray pattern(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    for (qsizetype i = 0; i < size; ++i)
        bytes[i] = char('a' + (i * 7 + i / 251) % 26);
    return bytes;
}

} // namespace

class TestPlainTransport : public QObject
{
    Q_OBJECT

    int m_peer = -1;
    std::atomic<qint64> m_gauge{0};
    Collector m_collector;
    std::unique_ptr<PlainTransport> m_transport;

    // Everything the peer end can read right now.
    QByteArray drainPeer() const
    {
        QByteArray all;
        char buffer[65536];
        ssize_t n;
        while ((n = ::recv(m_peer, buffer, sizeof buffer, MSG_DONTWAIT)) > 0)
            all.append(buffer, n);
        return all;
    }

    bool peerSawEnd() const
    {
        char byte;
        return ::recv(m_peer, &byte, 1, MSG_DONTWAIT) == 0;
    }

private slots:
    void init()
    {
        int ends[2];
        QCOMPARE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends), 0);
        m_peer = ends[1];
        m_collector = Collector();
        m_gauge = 0;
        m_transport = std::make_unique<PlainTransport>(m_collector, m_gauge, nullptr);
        QVERIFY(m_transport->adopt(ends[0]));
    }

    void cleanup()
    {
        m_transport.reset();
        if (m_peer >= 0)
            ::close(m_peer);
        m_peer = -1;
    }

    void everyWriteOfThePeerArrives()
    {
        QCOMPARE(::send(m_peer, "hello", 5, 0), 5);
        QVERIFY(QTest::qWaitFor([&] { return m_collector.received == "hello"; }));
        // A second write is a new edge: it must be reported although nothing was left unread.
        QCOMPARE(::send(m_peer, " world", 6, 0), 6);
        QVERIFY(QTest::qWaitFor([&] { return m_collector.received == "hello world"; }));
        QCOMPARE(m_collector.closedCalls, 0);
    }

    void aBurstLongerThanFourReadsArrivesWhole()
    {
        // Queue far more than four 64 KiB reads while nobody watches, then let one wake-up see
        // it: after four reads the transport stops and must rearm, or the rest waits forever
        // (no new bytes, no new edge).
        const int big = 4 * 1024 * 1024;
        ::setsockopt(m_peer, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        ::setsockopt(m_peer, SOL_SOCKET, SO_SNDBUFFORCE, &big,
                     sizeof big); // root only; fine to fail
        m_transport->suspend();
        const QByteArray burst = pattern(2 * 1024 * 1024);
        qsizetype queued = 0;
        while (queued < burst.size()) {
            const ssize_t n =
                ::send(m_peer, burst.constData() + queued,
                       size_t(qMin<qsizetype>(65536, burst.size() - queued)), MSG_DONTWAIT);
            if (n <= 0)
                break;
            queued += n;
        }
        QVERIFY2(queued > 4 * 64 * 1024,
                 qPrintable(QStringLiteral("the socket pair held only %1 bytes").arg(queued)));
        m_transport->resume();
        QVERIFY2(
            QTest::qWaitFor([&] { return m_collector.received.size() >= queued; }),
            qPrintable(
                QStringLiteral("%1 of %2 bytes").arg(m_collector.received.size()).arg(queued)));
        QVERIFY(m_collector.received == burst.left(queued));
    }

    void bytesSentWhileSuspendedArriveOnResume()
    {
        m_transport->suspend();
        QCOMPARE(::send(m_peer, "abc", 3, 0), 3);
        QTest::qWait(50);
        QCOMPARE(m_collector.received, QByteArray()); // nobody watches
        m_transport->resume();
        QVERIFY(QTest::qWaitFor([&] { return m_collector.received == "abc"; }));
    }

    void peerClosingEndsTheStreamOnce()
    {
        QCOMPARE(::send(m_peer, "last words", 10, 0), 10);
        ::close(m_peer);
        m_peer = -1;
        QVERIFY(QTest::qWaitFor([&] { return m_collector.closedCalls > 0; }));
        QCOMPARE(m_collector.received, QByteArray("last words"));
        QTest::qWait(20);
        QCOMPARE(m_collector.closedCalls, 1);
    }

    void writesLeaveTogetherAndWhatTheKernelRefusesIsHeld()
    {
        QVERIFY(m_transport->write("one,")); // first write: the caller schedules a flush
        QVERIFY(!m_transport->write("two")); // already scheduled
        QCOMPARE(drainPeer(), QByteArray()); // nothing leaves before the flush
        m_transport->flush();
        QCOMPARE(drainPeer(), QByteArray("one,two"));

        // More than the socket pair holds: the rest is held and sent as the peer reads.
        const QByteArray large = pattern(3 * 1024 * 1024);
        for (qsizetype offset = 0; offset < large.size(); offset += 60000) {
            if (m_transport->write(large.mid(offset, 60000)))
                m_transport->flush();
        }
        m_transport->flush();
        QVERIFY(m_transport->queuedBytes() > 0);
        QCOMPARE(m_gauge.load(), m_transport->queuedBytes());
        QByteArray got;
        QVERIFY(QTest::qWaitFor([&] {
            got += drainPeer();
            return got.size() >= large.size();
        }));
        QVERIFY(got == large);
        QVERIFY(QTest::qWaitFor([&] { return m_transport->queuedBytes() == 0; }));
        QCOMPARE(m_gauge.load(), 0);
    }

    // A connection pauses pipelined requests while its answers wait for the peer to read; it
    // is told once the last held byte left, and not for bytes that left at once.
    void drainedIsToldWhenHeldBytesLeft()
    {
        m_transport->write("short");
        m_transport->flush();
        QCOMPARE(drainPeer(), QByteArray("short"));
        QTest::qWait(20);
        QCOMPARE(m_collector.drainedCalls, 0);
        const QByteArray large = pattern(2 * 1024 * 1024);
        for (qsizetype offset = 0; offset < large.size(); offset += 60000)
            m_transport->write(large.mid(offset, 60000));
        m_transport->flush();
        QVERIFY(m_transport->queuedBytes() > 0);
        QTest::qWait(20);
        QCOMPARE(m_collector.drainedCalls, 0); // the peer has not read yet
        QByteArray got;
        QVERIFY(QTest::qWaitFor([&] {
            got += drainPeer();
            return got.size() >= large.size() && m_transport->queuedBytes() == 0;
        }));
        QCOMPARE(m_collector.drainedCalls, 1);
    }

    void closeSendsWhatIsHeldFirst()
    {
        const QByteArray large = pattern(1024 * 1024);
        for (qsizetype offset = 0; offset < large.size(); offset += 60000)
            m_transport->write(large.mid(offset, 60000));
        m_transport->close();
        QCOMPARE(m_collector.closedCalls, 0); // still sending
        QByteArray got;
        QVERIFY(QTest::qWaitFor([&] {
            got += drainPeer();
            return got.size() >= large.size();
        }));
        QVERIFY(got == large);
        QVERIFY(QTest::qWaitFor([&] { return m_collector.closedCalls == 1; }));
        QVERIFY(QTest::qWaitFor([&] { return peerSawEnd(); }));
    }

    void abortDropsWhatIsQueued()
    {
        m_transport->write("never sent");
        m_transport->abort();
        QCOMPARE(m_collector.closedCalls, 1);
        QCOMPARE(m_transport->queuedBytes(), 0);
        QVERIFY(QTest::qWaitFor([&] { return peerSawEnd(); }));
    }
};

int main(int argc, char **argv)
{
    // The transport only runs on threads whose dispatcher is EpollEventDispatcher.
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestPlainTransport test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_plaintransport.moc"
