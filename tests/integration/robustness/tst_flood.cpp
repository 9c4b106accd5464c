// Flood tests against a real instantchat-server with its default limits:
//  - a client far over its message limit gets ER 103 (v1) / ER 429 (pv 2) while a well-behaved
//    client in the same room keeps receiving every message in order (latencies are printed, never
//    asserted: the machine is shared);
//  - member commands (renames, descriptions, votes, edits) and room creations are limited too;
//  - many sessions from one address are limited as an address (per-address bucket);
//  - `--rate-limits off` lifts the per-client limits;
//  - a connection flood from one address is capped (per-address and total caps);
//  - 200 half-open handshakes, slow-loris requests and upgraded sockets that never send their init
//    frame are closed by the handshake timeout.
// Where the server has no flag for a required limit, the test says so and points at
// tests/integration/ROBUSTNESS_GAPS.md.

#include "RobustSupport.h"

#include <QHostAddress>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>
#include <algorithm>

using namespace ic::testing;
using namespace ic::testing::robust;
using ic::proto::Command;
using ic::proto::ErrorCode;
using ic::proto::ServerFrame;

namespace {

QByteArray textFrame(const QString &room, const QByteArray &rq, const QByteArray &text)
{
    return R"({"c":"TM","rq":")" + rq + R"(","r":{"n":")" + room.toUtf8() + R"("},"m":{"t":")" +
           text + R"("}})";
}

QByteArray joinFrame(const QString &room, const QByteArray &rq)
{
    return R"({"c":"R_C_J","rq":")" + rq + R"(","r":{"n":")" + room.toUtf8() + R"("}})";
}

// A join with a room password. Kept outside the test class: Qt 6.4's moc skips a Q_OBJECT class
// holding raw strings that end in a quote.
QByteArray passwordJoinFrame(const QString &command, const QString &room, const QByteArray &rq,
                             const QByteArray &password)
{
    return R"({"c":")" + command.toUtf8() + R"(","rq":")" + rq + R"(","r":{"n":")" + room.toUtf8() +
           R"(","p":")" + password + R"("}})";
}

QByteArray initFrame(int protocolVersion)
{
    return protocolVersion >= 2 ? QByteArray(R"({"p":"cp","pv":2})") : QByteArray(R"({"p":"cp"})");
}

// Every frame a raw socket has received so far (non-blocking drain).
QList<ServerFrame> drain(RawSocket &socket)
{
    QList<ServerFrame> out;
    while (std::optional<ServerFrame> frame = socket.nextFrame(0))
        out << *frame;
    return out;
}

// A raw socket past the init frame and joined to `room`; nullptr on failure.
std::unique_ptr<RawSocket> joinedSocket(const TestProcess &server, const QString &room,
                                        int protocolVersion,
                                        const QByteArray &cookie = ic::session::createCookieValue())
{
    auto socket = std::make_unique<RawSocket>();
    if (!socket->open(server.port(), cookie, origin, initFrame(protocolVersion)))
        return nullptr;
    socket->sendText(joinFrame(room, "join"));
    const std::optional<ServerFrame> reply = socket->waitForFrame(
        [](const ServerFrame &f) { return f.requestId.value_or(QString()) == u"join"; }, 15000);
    if (!reply || reply->kind() != Command::Reply)
        return nullptr;
    return socket;
}

struct Tally
{
    int rp = 0;
    int er = 0;
    int limited = 0;   // ER with the expected rate-limit code
    int wrongCode = 0; // any other ER (or 429 on a v1 session)
    QSet<QString> answered;
};

void tallyReplies(const QList<ServerFrame> &frames, int limitCode, Tally &tally)
{
    for (const ServerFrame &frame : frames) {
        if (frame.kind() != Command::Reply && frame.kind() != Command::Error)
            continue;
        if (frame.requestId)
            tally.answered.insert(*frame.requestId);
        if (frame.kind() == Command::Reply) {
            ++tally.rp;
        } else {
            ++tally.er;
            if (int(frame.errorCode()) == limitCode)
                ++tally.limited;
            else
                ++tally.wrongCode;
        }
    }
}

qint64 percentile(QList<qint64> values, double p)
{
    if (values.isEmpty())
        return -1;
    std::sort(values.begin(), values.end());
    return values.at(std::min<qsizetype>(values.size() - 1, qsizetype(p * double(values.size()))));
}

} // namespace

class FloodTest : public QObject
{
    Q_OBJECT

    QString m_help;

    bool hasFlag(const char *flag) const { return m_help.contains(QLatin1StringView(flag)); }

private slots:
    void initTestCase()
    {
        m_help = helpText(QStringLiteral("instantchat-server"));
        QVERIFY2(m_help.contains(u"--rate-limits"), qPrintable(m_help));
    }

    // A flooder sends ~500 TM per second for 6 s; its limit is 10/s, burst 20. It gets the
    // rate-limit error for the rest, exactly one reply per request, and a well-behaved member
    // sending 5/s receives every accepted message of the room in order, its own included.
    void messageFlood_data()
    {
        QTest::addColumn<int>("protocolVersion");
        QTest::addColumn<int>("limitCode");
        QTest::newRow("v1 gets 103") << 1 << 103;
        QTest::newRow("pv 2 gets 429") << 2 << 429;
    }
    void messageFlood()
    {
        QFETCH(int, protocolVersion);
        QFETCH(int, limitCode);
        std::unique_ptr<TestProcess> server = startServer({}); // default limits: --rate-limits on
        QVERIFY(server);
        const QString room = QStringLiteral("flood-room");
        std::unique_ptr<RawSocket> flooder = joinedSocket(*server, room, protocolVersion);
        QVERIFY(flooder);

        // The well-behaved member comes from another address (127.0.0.2, also loopback): the
        // per-address buckets are meant to separate users, and flooder and victim never share an
        // address in real life. A raw socket, because a QWebSocket cannot choose its source
        // address; every frame is timestamped as it is read.
        QElapsedTimer clock;
        clock.start();
        QHash<QString, qint64> receivedAt; // text → ms of its broadcast's arrival
        QList<ServerFrame> goodFrames;
        RawSocket good;
        QVERIFY(good.socket()->bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
        QVERIFY(good.open(server->port(), ic::session::createCookieValue(), origin,
                          initFrame(protocolVersion)));
        connect(good.socket(), &QTcpSocket::readyRead, this, [&] {
            // Runs after RawSocket's own reader has parsed the bytes into frames.
            while (std::optional<ServerFrame> frame = good.nextFrame(0)) {
                if (frame->kind() == Command::TextMessage && frame->messages &&
                    !frame->messages->isEmpty())
                    receivedAt.insert(frame->messages->first().text.value_or(QString()),
                                      clock.elapsed());
                goodFrames << *frame;
            }
        });
        good.sendText(joinFrame(room, "join"));
        QVERIFY(waitUntil(
            [&] {
                return std::any_of(goodFrames.cbegin(), goodFrames.cend(),
                                   [](const ServerFrame &f) {
                                       return f.requestId.value_or(QString()) == u"join" &&
                                              f.kind() == Command::Reply;
                                   });
            },
            15000));
        const qsizetype goodStart = goodFrames.size();
        auto goodReply = [&](const QString &rq) -> std::optional<ServerFrame> {
            for (const ServerFrame &f : std::as_const(goodFrames))
                if (f.requestId.value_or(QString()) == rq &&
                    (f.kind() == Command::Reply || f.kind() == Command::Error))
                    return f;
            return std::nullopt;
        };

        int flooded = 0;
        QTimer floodTimer;
        connect(&floodTimer, &QTimer::timeout, this, [&] {
            for (int i = 0; i < 50; ++i, ++flooded)
                flooder->sendText(textFrame(room, "f" + QByteArray::number(flooded),
                                            "flood-" + QByteArray::number(flooded)));
        });
        QHash<QString, qint64> sentAt;
        QStringList goodRequests;
        QTimer goodTimer;
        connect(&goodTimer, &QTimer::timeout, this, [&] {
            const QString text = QStringLiteral("good-%1").arg(goodRequests.size());
            sentAt.insert(text, clock.elapsed());
            const QString rq = QStringLiteral("g%1").arg(goodRequests.size());
            good.sendText(textFrame(room, rq.toUtf8(), text.toUtf8()));
            goodRequests << rq;
        });
        floodTimer.start(100);
        goodTimer.start(200);
        const qint64 floodStartMs = clock.elapsed();
        waitUntil([] { return false; }, 6000);
        floodTimer.stop();
        goodTimer.stop();
        const double floodSeconds = double(clock.elapsed() - floodStartMs) / 1000.0;

        // Every request of both clients is answered.
        Tally flood;
        QList<ServerFrame> floodFrames;
        QVERIFY2(waitUntil(
                     [&] {
                         const QList<ServerFrame> more = drain(*flooder);
                         floodFrames << more;
                         tallyReplies(more, limitCode, flood);
                         return flood.rp + flood.er >= flooded;
                     },
                     60000),
                 qPrintable(QStringLiteral("%1 of %2 flood requests answered")
                                .arg(flood.rp + flood.er)
                                .arg(flooded)));
        QVERIFY2(waitUntil([&] { return goodReply(goodRequests.last()).has_value(); }, 30000),
                 "the last good request got no reply");

        qInfo("flood: %d requests in %.1f s, %d accepted, %d limited (code %d), %d other errors",
              flooded, floodSeconds, flood.rp, flood.limited, limitCode, flood.wrongCode);
        QCOMPARE(flood.rp + flood.er, flooded); // exactly one reply per request
        QCOMPARE(flood.answered.size(), flooded);
        QCOMPARE(flood.wrongCode, 0);
        QVERIFY2(flood.limited > flooded / 2, "the flooder was not limited");
        // Burst 20 plus 10/s over the flood (and the drain), with slack for the clock.
        QVERIFY2(flood.rp <= 20 + int(10 * (floodSeconds + 2)) + 5,
                 qPrintable(QStringLiteral("%1 accepted").arg(flood.rp)));

        // The well-behaved member: never limited, every room message in id order without gaps,
        // the flooder's accepted messages and its own all there.
        int goodRp = 0;
        for (const QString &rq : std::as_const(goodRequests)) {
            const std::optional<ServerFrame> reply = goodReply(rq);
            if (reply && reply->kind() == Command::Reply)
                ++goodRp;
        }
        QCOMPARE(goodRp, int(goodRequests.size()));
        QVERIFY(goodRequests.size() >= 20);
        qint64 previous = 0;
        int floodSeen = 0, ownSeen = 0, ownNext = 0;
        for (qsizetype i = goodStart; i < goodFrames.size(); ++i) {
            const ServerFrame &frame = goodFrames.at(i);
            if (frame.kind() != Command::TextMessage)
                continue;
            const ic::proto::WireMessage &message = frame.messages->first();
            QCOMPARE(message.id.value_or(-1), previous + 1);
            previous = *message.id;
            const QString text = message.text.value_or(QString());
            if (text.startsWith(u"flood-")) {
                ++floodSeen;
            } else {
                QCOMPARE(text, QStringLiteral("good-%1").arg(ownNext));
                ++ownNext;
                ++ownSeen;
            }
        }
        QCOMPARE(floodSeen, flood.rp);
        QCOMPARE(ownSeen, int(goodRequests.size()));

        QList<qint64> latencies;
        for (auto it = sentAt.cbegin(); it != sentAt.cend(); ++it)
            if (receivedAt.contains(it.key()))
                latencies << receivedAt.value(it.key()) - it.value();
        qInfo("well-behaved client latency under flood (send -> own broadcast), ms: min %lld "
              "median %lld "
              "p95 %lld max %lld over %lld messages",
              percentile(latencies, 0), percentile(latencies, 0.5), percentile(latencies, 0.95),
              percentile(latencies, 1.0), qint64(latencies.size()));
        QVERIFY(server->isRunning());
        good.sendClose();
    }

    // Member commands other than TM share the per-session bucket: renames, descriptions, votes and
    // edits are limited as well (renames, description changes and votes each have their own limit
    // too).
    void memberCommandFlood_data()
    {
        QTest::addColumn<QByteArray>("command");
        QTest::newRow("rename R_CH_UN")
            << QByteArray(R"({"c":"R_CH_UN","rq":"%RQ%","r":{"n":"cmd-room"},"uN":"name%RQ%"})");
        QTest::newRow("description R_CH_D")
            << QByteArray(R"({"c":"R_CH_D","rq":"%RQ%","r":{"n":"cmd-room"},"m":{"t":"d%RQ%"}})");
        QTest::newRow("vote TM_S_R") << QByteArray(
            R"({"c":"TM_S_R","rq":"%RQ%","r":{"n":"cmd-room"},"m":{"id":1},"srM":true})");
        QTest::newRow("edit TM_E") << QByteArray(
            R"({"c":"TM_E","rq":"%RQ%","r":{"n":"cmd-room"},"m":{"id":1,"t":"e%RQ%"}})");
    }
    void memberCommandFlood()
    {
        QFETCH(QByteArray, command);
        std::unique_ptr<TestProcess> server = startServer({});
        QVERIFY(server);
        std::unique_ptr<RawSocket> socket = joinedSocket(*server, QStringLiteral("cmd-room"), 2);
        QVERIFY(socket);
        socket->sendText(textFrame(QStringLiteral("cmd-room"), "seed", "seed")); // message id 1
        QVERIFY(socket->waitForFrame(
            [](const ServerFrame &f) { return f.requestId.value_or(QString()) == u"seed"; }));
        const int total = 200;
        for (int i = 0; i < total; ++i)
            socket->sendText(QByteArray(command).replace("%RQ%", QByteArray::number(i)));
        Tally tally;
        QVERIFY(waitUntil(
            [&] {
                tallyReplies(drain(*socket), 429, tally);
                return tally.rp + tally.er >= total;
            },
            30000));
        qInfo("%d requests: %d accepted, %d limited", total, tally.rp, tally.limited);
        QCOMPARE(tally.wrongCode, 0);
        QVERIFY2(tally.limited >= total / 2,
                 qPrintable(QStringLiteral("only %1 limited").arg(tally.limited)));
    }

    // Room creations per address (docs/limits.md, "room creations per address").
    void roomCreationFlood()
    {
        std::unique_ptr<TestProcess> server = startServer({});
        QVERIFY(server);
        RawSocket socket;
        QVERIFY(
            socket.open(server->port(), ic::session::createCookieValue(), origin, initFrame(2)));
        const int total = 150;
        for (int i = 0; i < total; ++i)
            socket.sendText(
                joinFrame(QStringLiteral("created-room-%1").arg(i), QByteArray::number(i)));
        Tally tally;
        QVERIFY(waitUntil(
            [&] {
                tallyReplies(drain(socket), 429, tally);
                return tally.rp + tally.er >= total;
            },
            60000));
        qInfo("%d room creations from one address: %d accepted, %d limited", total, tally.rp,
              tally.limited);
        QCOMPARE(tally.wrongCode, 0);
        QVERIFY2(tally.limited >= total / 2,
                 qPrintable(QStringLiteral("only %1 limited").arg(tally.limited)));
    }

    // Fresh cookies cost nothing (any v4 UUID is a valid session), so a per-session bucket alone
    // lets one address post without limit through many sessions. 40 sessions from one address
    // each stay inside their own burst (15 < 20), 600 messages in a moment: an address bucket
    // must refuse some of them.
    void manySessionsOneAddress()
    {
        std::unique_ptr<TestProcess> server = startServer({});
        QVERIFY(server);
        std::vector<std::unique_ptr<RawSocket>> sockets;
        for (int s = 0; s < 40; ++s) {
            sockets.push_back(joinedSocket(*server, QStringLiteral("address-room"), 2));
            QVERIFY2(sockets.back(), "join failed (the join limit is 10/s burst 60 per address)");
        }
        const int perSession = 15;
        for (int i = 0; i < perSession; ++i)
            for (size_t s = 0; s < sockets.size(); ++s)
                sockets[s]->sendText(
                    textFrame(QStringLiteral("address-room"), QByteArray::number(i), "x"));
        Tally tally;
        const int total = perSession * int(sockets.size());
        waitUntil(
            [&] {
                for (auto &socket : sockets)
                    tallyReplies(drain(*socket), 429, tally);
                return tally.rp + tally.er >= total;
            },
            60000);
        qInfo("%d messages from 40 sessions of one address: %d accepted, %d limited", total,
              tally.rp, tally.limited);
        QCOMPARE(tally.rp + tally.er, total);
        QVERIFY2(
            tally.limited > 0,
            "no per-address message bucket: every session stayed in its own burst and all were "
            "accepted (ROBUSTNESS_GAPS.md: per-address message limit)");
    }

    // --rate-limits off lifts the per-client limits: 300 TM in a burst and 150 room creations
    // are all accepted.
    void rateLimitsOff()
    {
        std::unique_ptr<TestProcess> server =
            startServer({QStringLiteral("--rate-limits"), QStringLiteral("off")});
        QVERIFY(server);
        std::unique_ptr<RawSocket> socket =
            joinedSocket(*server, QStringLiteral("unlimited-room"), 2);
        QVERIFY(socket);
        const int total = 300;
        for (int i = 0; i < total; ++i)
            socket->sendText(
                textFrame(QStringLiteral("unlimited-room"), QByteArray::number(i), "x"));
        for (int i = 0; i < 150; ++i)
            socket->sendText(
                joinFrame(QStringLiteral("free-room-%1").arg(i), "c" + QByteArray::number(i)));
        Tally tally;
        QVERIFY(waitUntil(
            [&] {
                tallyReplies(drain(*socket), 429, tally);
                return tally.rp + tally.er >= total + 150;
            },
            60000));
        QCOMPARE(tally.er, 0);
        QCOMPARE(tally.rp, total + 150);
    }

    // Password checks are slow by design (PBKDF2), so they are rate limited per address and room:
    // a burst of wrong guesses gets ER 429 after the first few, while a check for another room
    // from the same address still runs.
    void passwordCheckFlood()
    {
        std::unique_ptr<TestProcess> server = startServer({});
        QVERIFY(server);
        RawSocket owner;
        QVERIFY(owner.open(server->port(), ic::session::createCookieValue(), origin, initFrame(2)));
        owner.sendText(
            passwordJoinFrame(QStringLiteral("R_C_J"), QStringLiteral("guarded-a"), "a", "secret"));
        owner.sendText(
            passwordJoinFrame(QStringLiteral("R_C_J"), QStringLiteral("guarded-b"), "b", "secret"));
        Tally created;
        QVERIFY(waitUntil(
            [&] {
                tallyReplies(drain(owner), 429, created);
                return created.rp + created.er >= 2;
            },
            20000));
        QCOMPARE(created.rp, 2);

        // One guess per socket, all sent at once: a single socket's joins are answered one after
        // another, each after its slow hash, so the bucket would refill between them and the
        // count would measure the machine's speed instead of the limit.
        const int total = 30;
        std::vector<std::unique_ptr<RawSocket>> guessers;
        for (int i = 0; i < total; ++i) {
            guessers.push_back(std::make_unique<RawSocket>());
            QVERIFY(guessers.back()->open(server->port(), ic::session::createCookieValue(), origin,
                                          initFrame(2)));
        }
        for (int i = 0; i < total; ++i)
            guessers[i]->sendText(passwordJoinFrame(QStringLiteral("R_J"),
                                                    QStringLiteral("guarded-a"),
                                                    "g" + QByteArray::number(i), "wrong"));
        int wrongPassword = 0, limited = 0, other = 0;
        QSet<QString> answered;
        QVERIFY(waitUntil(
            [&] {
                for (auto &guesser : guessers) {
                    for (const ServerFrame &frame : drain(*guesser)) {
                        if (frame.kind() != Command::Error && frame.kind() != Command::Reply)
                            continue;
                        answered.insert(frame.requestId.value_or(QString()));
                        if (frame.errorCode() == ErrorCode::InvalidPassword)
                            ++wrongPassword;
                        else if (frame.errorCode() == ErrorCode::RateLimited)
                            ++limited;
                        else
                            ++other;
                    }
                }
                return answered.size() >= total;
            },
            60000));
        RawSocket &guesser = *guessers.front();
        qInfo("%d wrong-password joins: %d checked (203), %d refused unchecked (429)", total,
              wrongPassword, limited);
        QCOMPARE(other, 0);
        QVERIFY2(limited >= total / 2, qPrintable(QStringLiteral("only %1 limited").arg(limited)));
        QVERIFY(wrongPassword >= 1);

        // Another room is another bucket: its right password is checked and accepted.
        guesser.sendText(passwordJoinFrame(QStringLiteral("R_J"), QStringLiteral("guarded-b"),
                                           "right", "secret"));
        const std::optional<ServerFrame> reply = guesser.waitForFrame(
            [](const ServerFrame &f) { return f.requestId.value_or(QString()) == u"right"; },
            20000);
        QVERIFY(reply);
        QCOMPARE(reply->kind(), Command::Reply);
    }

    // --max-rooms caps the rooms one server holds: a new room beyond it is refused (ER 208 over
    // WebSocket, 503 over HTTP), while existing rooms keep working.
    void maxRoomsPerServer()
    {
        std::unique_ptr<TestProcess> server =
            startServer({QStringLiteral("--max-rooms"), QStringLiteral("3"),
                         QStringLiteral("--rate-limits"), QStringLiteral("off")});
        QVERIFY(server);
        RawSocket socket;
        QVERIFY(
            socket.open(server->port(), ic::session::createCookieValue(), origin, initFrame(2)));
        for (int i = 0; i < 4; ++i)
            socket.sendText(
                joinFrame(QStringLiteral("capped-%1").arg(i), "c" + QByteArray::number(i)));
        QHash<QString, ServerFrame> replies;
        QVERIFY(waitUntil(
            [&] {
                for (const ServerFrame &frame : drain(socket))
                    if ((frame.kind() == Command::Reply || frame.kind() == Command::Error) &&
                        frame.requestId)
                        replies.insert(*frame.requestId, frame);
                return replies.size() >= 4;
            },
            20000));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(replies.value(QStringLiteral("c%1").arg(i)).kind(), Command::Reply);
        QCOMPARE(replies.value(QStringLiteral("c3")).errorCode(), ErrorCode::RoomFull);

        const HttpResult overHttp =
            httpGet(server->httpUrl(QStringLiteral("/direct_sending?roomName=capped-http&m=hi")));
        QCOMPARE(overHttp.status, 503);
        QVERIFY(overHttp.body.contains("error: "));
        const HttpResult existing =
            httpGet(server->httpUrl(QStringLiteral("/direct_sending?roomName=capped-0&m=hi")));
        QCOMPARE(existing.status, 200);
    }

    // The plain-HTTP room calls (/s/ through the balancer) are rate limited per address: HTTP 429
    // with Retry-After and a sentence; nothing else changes (the messages that were accepted are
    // all in the room, with consecutive ids).
    void plainHttpFlood()
    {
        std::unique_ptr<TestProcess> server = startServer({});
        QVERIFY(server);
        TestProcess balancer(QStringLiteral("instantchat-balancer"),
                             {QStringLiteral("--servers"), server->hostPort()});
        QVERIFY2(balancer.start(), qPrintable(balancer.errorString()));
        const int total = 150;
        int ok = 0, limited = 0, other = 0;
        QByteArray retryAfter, sentence;
        for (int i = 0; i < total; ++i) {
            const RawHttp answer =
                rawHttp(balancer.port(),
                        get("/s/http-flood-room?m=n" + QByteArray::number(i), balancer.port()));
            if (answer.status == 200) {
                ++ok;
            } else if (answer.status == 429) {
                ++limited;
                for (const QByteArray &line : answer.head.split('\n'))
                    if (line.toLower().startsWith("retry-after:"))
                        retryAfter = line.mid(12).trimmed();
                sentence = answer.body;
            } else {
                ++other;
                qWarning("unexpected %d: %s", answer.status, answer.body.left(200).constData());
            }
        }
        qInfo("/s/ flood: %d requests, %d sent, %d refused with 429 (Retry-After %s)", total, ok,
              limited, retryAfter.constData());
        QCOMPARE(other, 0);
        QVERIFY2(limited > 0, "150 /s/ requests from one address in a row were all accepted");
        QVERIFY2(!retryAfter.isEmpty() && retryAfter.toInt() >= 1,
                 "429 without a usable Retry-After");
        QVERIFY2(sentence.contains("error"), sentence.constData());
        // The room holds exactly the accepted messages.
        const RawHttp read = rawHttp(
            balancer.port(), get("/r/http-flood-room?format=json&quite=true", balancer.port()));
        if (read.status == 200) {
            const QJsonObject json = QJsonDocument::fromJson(read.body).object();
            QCOMPARE(json.value(QStringLiteral("totalRoomMessagesCount")).toInt(), ok);
        } else {
            QCOMPARE(read.status, 429); // the read itself may be limited: that is the same bucket
        }
        QVERIFY(server->isRunning());
        QVERIFY(balancer.isRunning());
    }

    // Behind the gateway every client arrives from the proxy's address. Without a trusted-proxy
    // setting the per-address buckets (joins, creations) are shared by all users of the gateway:
    // one abuser exhausts them for everybody. With the proxy trusted, X-Forwarded-For decides;
    // from an untrusted peer the header is ignored.
    void trustedProxyClientAddress()
    {
        const char *flag = "--trusted-proxies";
        if (!hasFlag(flag))
            QFAIL(
                "instantchat-server has no trusted-proxy setting (--trusted-proxies missing from "
                "--help): "
                "behind the gateway all clients share one address bucket. See ROBUSTNESS_GAPS.md");
        std::unique_ptr<TestProcess> server =
            startServer({QString::fromLatin1(flag), QStringLiteral("127.0.0.1")});
        QVERIFY(server);
        auto connectAs = [&](const QByteArray &forwardedFor) {
            auto socket = std::make_unique<RawSocket>();
            if (!socket->connectTo(server->port()))
                return std::unique_ptr<RawSocket>();
            RawSocket::Handshake request;
            request.cookie = ic::session::createCookieValue();
            request.extraHeaders = {{"X-Forwarded-For", forwardedFor}};
            if (socket->handshake(request) != 101)
                return std::unique_ptr<RawSocket>();
            socket->sendText(initFrame(2));
            return socket;
        };
        // The abuser (10.0.0.1) exhausts its creation bucket.
        std::unique_ptr<RawSocket> abuser = connectAs("10.0.0.1");
        QVERIFY(abuser);
        for (int i = 0; i < 100; ++i)
            abuser->sendText(
                joinFrame(QStringLiteral("proxy-abuse-%1").arg(i), QByteArray::number(i)));
        Tally tally;
        QVERIFY(waitUntil(
            [&] {
                tallyReplies(drain(*abuser), 429, tally);
                return tally.rp + tally.er >= 100;
            },
            30000));
        QVERIFY(tally.limited > 0);
        // Another user behind the same proxy still creates rooms.
        std::unique_ptr<RawSocket> user = connectAs("10.0.0.2");
        QVERIFY(user);
        user->sendText(joinFrame(QStringLiteral("proxy-user-room"), "u"));
        const std::optional<ServerFrame> reply = user->waitForFrame(
            [](const ServerFrame &f) { return f.requestId.value_or(QString()) == u"u"; }, 15000);
        QVERIFY(reply);
        QVERIFY2(reply->kind() == Command::Reply,
                 "a user behind the proxy was limited by another user's bucket");
    }

    // Total cap (--max-connections): upgrades past it get HTTP 503, the accepted ones work.
    void totalConnectionCap()
    {
        std::unique_ptr<TestProcess> server =
            startServer({QStringLiteral("--max-connections"), QStringLiteral("20")});
        QVERIFY(server);
        std::vector<std::unique_ptr<RawSocket>> sockets;
        int accepted = 0, refused503 = 0;
        for (int i = 0; i < 30; ++i) {
            auto socket = std::make_unique<RawSocket>();
            QVERIFY(socket->connectTo(server->port()));
            RawSocket::Handshake request;
            request.cookie = ic::session::createCookieValue();
            const int status = socket->handshake(request);
            if (status == 101)
                ++accepted;
            else if (status == 503)
                ++refused503;
            sockets.push_back(std::move(socket));
        }
        qInfo("--max-connections 20: %d accepted, %d refused with 503", accepted, refused503);
        QCOMPARE(accepted, 20);
        QCOMPARE(refused503, 10);
        // Freed slots are reusable: close one accepted socket, a new one gets in.
        for (auto &socket : sockets)
            if (socket->status() == 101) {
                socket->sendClose();
                QVERIFY(socket->waitForDisconnected());
                break;
            }
        QVERIFY(waitUntil(
            [&] {
                RawSocket probe;
                return probe.open(server->port(), ic::session::createCookieValue(), origin);
            },
            10000));
    }

    // Per-address cap: a flood of WebSocket connections from 127.0.0.1 is capped while another
    // address (127.0.0.2, also loopback) still gets in.
    void perAddressConnectionCap()
    {
        const char *flag = "--max-connections-per-address";
        if (!hasFlag(flag))
            QFAIL("instantchat-server has no per-address connection cap "
                  "(--max-connections-per-address "
                  "missing from --help); 300 connections from one address would all be accepted. "
                  "See tests/integration/ROBUSTNESS_GAPS.md");
        std::unique_ptr<TestProcess> server =
            startServer({QString::fromLatin1(flag), QStringLiteral("25")});
        QVERIFY(server);
        std::vector<std::unique_ptr<RawSocket>> sockets;
        int accepted = 0, refused = 0;
        for (int i = 0; i < 60; ++i) {
            auto socket = std::make_unique<RawSocket>();
            QVERIFY(socket->connectTo(server->port()));
            RawSocket::Handshake request;
            request.cookie = ic::session::createCookieValue();
            const int status = socket->handshake(request);
            if (status == 101)
                ++accepted;
            else if (status == 429 || status == 503)
                ++refused;
            sockets.push_back(std::move(socket));
        }
        qInfo("per-address cap 25: %d accepted, %d refused", accepted, refused);
        QCOMPARE(accepted, 25);
        QCOMPARE(refused, 35);
        RawSocket other;
        QVERIFY(other.socket()->bind(QHostAddress(QStringLiteral("127.0.0.2")), 0));
        QVERIFY(other.connectTo(server->port()));
        RawSocket::Handshake request;
        request.cookie = ic::session::createCookieValue();
        QCOMPARE(other.handshake(request), 101);
    }

    // 200 half-open handshakes (100 silent TCP connections, 100 with a partial request head) and
    // 5 slow-loris senders (one header byte every 300 ms) are all closed by the handshake
    // timeout, while a normal client still connects during the flood.
    void halfOpenHandshakesClosed()
    {
        const bool configurable = hasFlag("--handshake-timeout");
        // Without the flag the server's built-in 10 s applies (ServerSettings.h), not documented in
        // --help: the test still checks it, with that value.
        const int timeoutS = configurable ? 2 : 10;
        if (!configurable)
            qWarning(
                "no --handshake-timeout flag: relying on the built-in 10 s (ROBUSTNESS_GAPS.md)");
        // Every socket comes from 127.0.0.1, which is no longer a trusted proxy whose sockets are
        // counted only at the upgrade: the per-address cap is lifted here, it is not under test.
        QStringList flags{QStringLiteral("--max-connections-per-address"), QStringLiteral("1000")};
        if (configurable)
            flags << QStringLiteral("--handshake-timeout") << QString::number(timeoutS);
        std::unique_ptr<TestProcess> server = startServer(flags);
        QVERIFY(server);
        QElapsedTimer clock;
        clock.start();
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        for (int i = 0; i < 200; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QStringLiteral("127.0.0.1"), server->port());
            sockets.push_back(std::move(socket));
        }
        QVERIFY(waitUntil(
            [&] {
                return std::all_of(sockets.begin(), sockets.end(), [](const auto &s) {
                    return s->state() == QAbstractSocket::ConnectedState ||
                           s->state() == QAbstractSocket::UnconnectedState;
                });
            },
            20000));
        for (int i = 100; i < 200; ++i)
            sockets[size_t(i)]->write(
                "GET /ws_entry HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
        std::vector<std::unique_ptr<QTcpSocket>> loris;
        for (int i = 0; i < 5; ++i) {
            auto socket = std::make_unique<QTcpSocket>();
            socket->connectToHost(QStringLiteral("127.0.0.1"), server->port());
            loris.push_back(std::move(socket));
        }
        const QByteArray lorisBytes =
            "GET /ws_entry HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + QByteArray(400, 'a');
        int lorisOffset = 0;
        QTimer lorisTimer;
        connect(&lorisTimer, &QTimer::timeout, this, [&] {
            for (auto &socket : loris)
                if (socket->state() == QAbstractSocket::ConnectedState)
                    socket->write(lorisBytes.mid(lorisOffset % lorisBytes.size(), 1));
            ++lorisOffset;
        });
        lorisTimer.start(300);

        // A normal client is served during the flood.
        RawSocket normal;
        QVERIFY2(normal.open(server->port(), ic::session::createCookieValue(), origin),
                 "a normal client was refused");
        normal.sendText(joinFrame(QStringLiteral("half-open-room"), "n"));
        const std::optional<ServerFrame> reply = normal.waitForFrame(
            [](const ServerFrame &f) { return f.requestId.value_or(QString()) == u"n"; }, 15000);
        QVERIFY(reply && reply->kind() == Command::Reply);

        auto openCount = [&] {
            int open = 0;
            for (const auto &s : sockets)
                open += s->state() == QAbstractSocket::ConnectedState ? 1 : 0;
            for (const auto &s : loris)
                open += s->state() == QAbstractSocket::ConnectedState ? 1 : 0;
            return open;
        };
        const bool allClosed = waitUntil([&] { return openCount() == 0; }, (timeoutS + 15) * 1000);
        lorisTimer.stop();
        auto openIn = [](const std::vector<std::unique_ptr<QTcpSocket>> &group, size_t from,
                         size_t to) {
            int open = 0;
            for (size_t i = from; i < to && i < group.size(); ++i)
                open += group[i]->state() == QAbstractSocket::ConnectedState ? 1 : 0;
            return open;
        };
        qInfo("half-open: 205 connections, waited %lld ms (timeout %d s); still open: %d silent, "
              "%d partial "
              "head, %d slow-loris; server holds %d fds",
              clock.elapsed(), timeoutS, openIn(sockets, 0, 100), openIn(sockets, 100, 200),
              openIn(loris, 0, 5), openFds(server->pid()));
        QVERIFY2(
            allClosed,
            qPrintable(QStringLiteral("%1 half-open connections still open").arg(openCount())));
        // The normal WebSocket was not closed by the handshake timeout.
        QVERIFY(normal.isConnected());
        QVERIFY(server->isRunning());
    }

    // An upgraded socket that never sends its init frame (but answers pings, so the idle timeout
    // never fires) must be closed by the handshake/init timeout (the WebSocket handshake
    // and the init frame must complete within a timeout).
    void initFrameTimeout()
    {
        const bool configurable = hasFlag("--handshake-timeout");
        const int timeoutS = configurable ? 2 : 10;
        QStringList flags{QStringLiteral("--idle-timeout"), QStringLiteral("600")};
        if (configurable)
            flags << QStringLiteral("--handshake-timeout") << QString::number(timeoutS);
        std::unique_ptr<TestProcess> server = startServer(flags);
        QVERIFY(server);
        std::vector<std::unique_ptr<RawSocket>> sockets;
        for (int i = 0; i < 20; ++i) {
            auto socket = std::make_unique<RawSocket>();
            QVERIFY(socket->open(server->port(), ic::session::createCookieValue(), origin,
                                 std::nullopt));
            sockets.push_back(std::move(socket));
        }
        QElapsedTimer clock;
        clock.start();
        const bool closed = waitUntil(
            [&] {
                return std::none_of(sockets.begin(), sockets.end(),
                                    [](const auto &s) { return s->isConnected(); });
            },
            (timeoutS + 10) * 1000);
        const int open = int(std::count_if(sockets.begin(), sockets.end(),
                                           [](const auto &s) { return s->isConnected(); }));
        qInfo("init-frame timeout: %d of 20 upgraded sockets without init frame still open after "
              "%lld ms",
              open, clock.elapsed());
        QVERIFY2(
            closed,
            "upgraded sockets that never send the init frame are kept open (idle timeout only; "
            "ROBUSTNESS_GAPS.md: init-frame timeout)");
    }
};

QTEST_GUILESS_MAIN(FloodTest)
#include "tst_flood.moc"
