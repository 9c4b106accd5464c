// Abuse limits: trusted-proxy address resolution, per-address connection counting, lock-free
// address buckets, the per-session description bucket, and that --rate-limits off lifts only
// the per-client rate limits.

#include "app/ServerFlags.h"
#include "config/Configuration.h"
#include "core/AddressLimiter.h"
#include "core/ConnectionCounter.h"
#include "net/TrustedProxies.h"
#include "protocol/ServerFrame.h"
#include "rooms/Room.h"
#include "transport/HttpRequest.h"
#include "transport/HttpResponse.h"

#include <QTest>

using namespace ic::server;
using ic::net::TrustedProxies;

namespace {

int errorCodeOf(const RoomResult &result)
{
    for (const RoomSend &send : result.sends) {
        const std::optional<ic::proto::ServerFrame> frame = ic::proto::decodeServerFrame(send.json);
        if (frame && frame->command == u"ER")
            return int(frame->errorCode());
    }
    return 0;
}

ServerSettings parsed(const QStringList &flags)
{
    ic::config::Configuration configuration(QStringLiteral("instantchat-server-test"),
                                            QStringLiteral("test"));
    declareServerSettings(configuration);
    ServerSettings settings;
    if (configuration.parse(QStringList{QStringLiteral("instantchat-server")} + flags,
                            QStringLiteral("test")) != ic::config::Configuration::Outcome::Run)
        return settings;
    QString error;
    if (!readServerSettings(configuration, settings, &error))
        qWarning() << error;
    return settings;
}

} // namespace

class TestLimits : public QObject
{
    Q_OBJECT

private slots:
    void untrustedPeerHeaderIgnored()
    {
        TrustedProxies proxies;
        QString error;
        QVERIFY(proxies.parse(QStringLiteral("127.0.0.1,::1"), &error));
        // A client that claims another address in the header is not believed.
        QCOMPARE(proxies.clientAddress(QHostAddress(QStringLiteral("203.0.113.7")), "10.0.0.1",
                                       "10.0.0.2"),
                 QStringLiteral("203.0.113.7"));
    }

    void trustedChainResolved()
    {
        TrustedProxies proxies;
        QString error;
        QVERIFY(proxies.parse(QStringLiteral("127.0.0.1, 10.1.0.0/16"), &error));
        const QHostAddress local(QStringLiteral("127.0.0.1"));
        // The last hop that is not one of ours; spoofed hops to its left are irrelevant.
        QCOMPARE(proxies.clientAddress(local, "6.6.6.6, 198.51.100.4, 10.1.2.3", {}),
                 QStringLiteral("198.51.100.4"));
        QCOMPARE(proxies.clientAddress(local, {}, " 198.51.100.9 "),
                 QStringLiteral("198.51.100.9"));
        // X-Forwarded-For wins over X-Real-IP.
        QCOMPARE(proxies.clientAddress(local, "198.51.100.4", "198.51.100.9"),
                 QStringLiteral("198.51.100.4"));
        // No header, a garbage hop or only trusted hops: the peer itself.
        QCOMPARE(proxies.clientAddress(local, {}, {}), QStringLiteral("127.0.0.1"));
        QCOMPARE(proxies.clientAddress(local, "not-an-ip", {}), QStringLiteral("127.0.0.1"));
        QCOMPARE(proxies.clientAddress(local, "10.1.9.9", {}), QStringLiteral("127.0.0.1"));
        // IPv4-mapped peers of dual-stack sockets are the same proxy.
        QCOMPARE(proxies.clientAddress(QHostAddress(QStringLiteral("::ffff:127.0.0.1")),
                                       "192.0.2.1", {}),
                 QStringLiteral("192.0.2.1"));
    }

    void badProxyListRejected()
    {
        TrustedProxies proxies;
        QString error;
        QVERIFY(!proxies.parse(QStringLiteral("127.0.0.1,nonsense"), &error));
        QVERIFY(error.contains(QStringLiteral("nonsense")));
        QVERIFY(proxies.parse(QString(), &error)); // empty: trust nobody
        QVERIFY(!proxies.isTrusted(QHostAddress(QStringLiteral("127.0.0.1"))));
    }

    void connectionCounterCapsPerAddress()
    {
        ConnectionCounter counter(3);
        const QString a = QStringLiteral("10.0.0.1"), b = QStringLiteral("10.0.0.2");
        for (int i = 0; i < 3; ++i)
            QVERIFY(counter.acquire(a));
        QVERIFY(!counter.acquire(a));
        QVERIFY(counter.acquire(b)); // other addresses unaffected
        counter.release(a);
        QVERIFY(counter.acquire(a));
        QCOMPARE(counter.count(a), 3);
        for (int i = 0; i < 3; ++i)
            counter.release(a);
        QCOMPARE(counter.count(a), 0);
        counter.release(a); // extra releases are harmless
        QCOMPARE(counter.count(a), 0);
    }

    void addressBucketsPerAddress()
    {
        AddressBuckets buckets(50, 100);
        int allowed = 0;
        for (int i = 0; i < 150; ++i)
            allowed += buckets.allow(QStringLiteral("10.0.0.1"), 1000) ? 1 : 0;
        QCOMPARE(allowed, 100);
        QVERIFY(buckets.allow(QStringLiteral("10.0.0.2"), 1000));
        QVERIFY(buckets.allow(QStringLiteral("10.0.0.1"), 1020)); // one token back after 20 ms
    }

    void descriptionChangesLimitedPerSession()
    {
        RoomSettings settings;
        settings.rateLimits = true;
        const QUuid creator = QUuid::createUuid();
        Room room(QStringLiteral("room"), creator, PasswordHash(), settings, 1);
        Room::JoinRequest join;
        join.caller = Caller{creator, 1, std::nullopt, 2};
        room.join(join, 1);
        ic::proto::ClientFrame change;
        change.command = QStringLiteral("R_CH_D");
        change.kind = ic::proto::commandFromCode(change.command);
        ic::proto::ClientMessage message;
        message.text = QStringLiteral("topic");
        change.message = message;
        int limited = 0;
        for (int i = 0; i < 5; ++i) {
            const RoomResult result = room.command(join.caller, change, 2, 1000);
            if (result.rateLimited) {
                ++limited;
                QCOMPARE(errorCodeOf(result), 429);
            }
        }
        QCOMPARE(limited, 2); // burst 3
        join.caller.protocolVersion = 1;
        QCOMPARE(errorCodeOf(room.command(join.caller, change, 2, 1000)), 103);
        QCOMPARE(errorCodeOf(room.command(join.caller, change, 2, 1000 + 5000)), 0); // 12/min
    }

    void bodyTooLargeIs413NotHeaderTooLarge()
    {
        HttpRequestParser head(64, 16);
        QCOMPARE(head.feed(QByteArray(100, 'x')), HttpRequestParser::State::TooLarge);
        QVERIFY(!head.bodyTooLarge()); // 431
        HttpRequestParser body(1024, 16);
        QCOMPARE(body.feed("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n"),
                 HttpRequestParser::State::TooLarge);
        QVERIFY(body.bodyTooLarge()); // 413
    }

    void every429SaysWhenToRetry()
    {
        QVERIFY(httpText(429, "slow down\n", true).contains("\r\nRetry-After: "));
        QVERIFY(!httpText(200, "ok\n", true).contains("Retry-After"));
    }

    void defaultsAndFlags()
    {
        const ServerSettings defaults = parsed({});
        QCOMPARE(defaults.maxConnectionsPerAddress, 64);
        QCOMPARE(defaults.handshakeTimeoutSeconds, 10);
        QCOMPARE(defaults.maxRooms, 100000);
        // No proxy is trusted by default: a direct peer is who it is, local ones included.
        QVERIFY(!defaults.trustedProxies.isTrusted(QHostAddress(QStringLiteral("::1"))));
        QVERIFY(!defaults.trustedProxies.isTrusted(QHostAddress(QStringLiteral("127.0.0.1"))));
        // Without a cluster token, local processes are the cluster's members.
        QVERIFY(defaults.internalPeers.isTrusted(QHostAddress(QStringLiteral("127.0.0.2"))));
        QVERIFY(defaults.internalPeers.isTrusted(QHostAddress(QStringLiteral("::1"))));
        QVERIFY(!defaults.internalPeers.isTrusted(QHostAddress(QStringLiteral("192.0.2.1"))));
        QCOMPARE(defaults.newRoomsPerSecond, 20);
        const ServerSettings set =
            parsed({QStringLiteral("--max-connections-per-address"), QStringLiteral("5"),
                    QStringLiteral("--handshake-timeout"), QStringLiteral("2"),
                    QStringLiteral("--trusted-proxies"), QStringLiteral("10.0.0.0/8")});
        QCOMPARE(set.maxConnectionsPerAddress, 5);
        QCOMPARE(set.handshakeTimeoutSeconds, 2);
        QVERIFY(set.trustedProxies.isTrusted(QHostAddress(QStringLiteral("10.2.3.4"))));
        QVERIFY(!set.trustedProxies.isTrusted(QHostAddress(QStringLiteral("127.0.0.1"))));
    }

    void rateLimitsOffKeepsOtherLimits()
    {
        const ServerSettings off =
            parsed({QStringLiteral("--rate-limits"), QStringLiteral("off"),
                    QStringLiteral("--max-connections-per-address"), QStringLiteral("7"),
                    QStringLiteral("--max-rooms"), QStringLiteral("9")});
        QVERIFY(!off.rateLimits);
        QVERIFY(!off.room.rateLimits);
        // Every other limit stays as configured.
        QCOMPARE(off.maxConnectionsPerAddress, 7);
        QCOMPARE(off.maxRooms, 9);
        QCOMPARE(off.handshakeTimeoutSeconds, 10);
        // And the per-session buckets really are off.
        const QUuid creator = QUuid::createUuid();
        Room room(QStringLiteral("room"), creator, PasswordHash(), off.room, 1);
        Room::JoinRequest join;
        join.caller = Caller{creator, 1, std::nullopt, 2};
        room.join(join, 1);
        ic::proto::ClientFrame change;
        change.command = QStringLiteral("R_CH_D");
        change.kind = ic::proto::commandFromCode(change.command);
        ic::proto::ClientMessage message;
        message.text = QStringLiteral("topic");
        change.message = message;
        for (int i = 0; i < 50; ++i)
            QVERIFY(!room.command(join.caller, change, 2, 1000).rateLimited);
    }
};

QTEST_GUILESS_MAIN(TestLimits)
#include "tst_serverabuselimits.moc"
