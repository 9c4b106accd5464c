// shared/client/ChatClient against the real server: reconnect with capped exponential backoff
// and jitter, join-only rejoin of the rooms joined before (a room lost with its server is reported,
// not re-created), close() without
// reconnect, and stepping aside after ER 209 instead of fighting the newer connection.

#include "ServerFixture.h"

using namespace ic::testing;

class ChatClientTest : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly)); }

    void reconnectsWithBackoffAndRejoins()
    {
        auto first = startServer();
        QVERIFY(first);
        const quint16 port = first->port();
        ChatClient::Options options = serverClientOptions(*first);
        options.autoReconnect = true;
        options.reconnectMinMs = 200;
        options.reconnectMaxMs = 800;
        auto *client = new ChatClient(options, this);
        auto *frames = new FrameRecorder(client, this);
        QList<int> delays;
        connect(client, &ChatClient::stateChanged, this, [&](ChatClient::State state) {
            if (state == ChatClient::State::Waiting)
                delays << client->reconnectIn();
        });
        client->open();
        QVERIFY(waitUntil([&] { return client->state() == ChatClient::State::Connected; }));
        const auto joined = frames->waitForReply(client->createAndJoin(
            QStringLiteral("Back-Room"), QStringLiteral("pw"), QStringLiteral("Ann")));
        IC_VERIFY_RP(joined);

        first->kill(); // an unexpected loss, not a graceful stop
        QVERIFY(waitUntil([&] { return delays.size() >= 4; }, 10000));
        // 200 → 400 → 800 → 800 (capped), each ±20 %.
        const int expected[] = {200, 400, 800, 800};
        for (int i = 0; i < 4; ++i)
            QVERIFY2(
                delays.at(i) >= expected[i] * 0.8 - 20 && delays.at(i) <= expected[i] * 1.2 + 2,
                qPrintable(QStringLiteral("attempt %1 waited %2 ms").arg(i).arg(delays.at(i))));

        // A new server on the same port: the client comes back and rejoins by itself, join-only
        // with its name. The room was gone with the old server: the rejoin is refused (202) and
        // reported, and nothing is re-created behind the user's back.
        QList<std::pair<QString, ic::proto::ServerFrame>> refused;
        connect(client, &ChatClient::rejoinRefused, this,
                [&](const QString &room, const ic::proto::ServerFrame &reply) {
                    refused.append({room, reply});
                });
        const qsizetype from = frames->size();
        auto second = startServer({QStringLiteral("--port"), QString::number(port)});
        QVERIFY2(second, "could not restart on the same port");
        QVERIFY(waitUntil([&] { return client->state() == ChatClient::State::Connected; }, 10000));
        QVERIFY2(waitUntil([&] { return !refused.isEmpty(); }, 15000),
                 "no rejoin after the reconnect");
        QCOMPARE(refused.first().first, QStringLiteral("back-room"));
        QCOMPARE(refused.first().second.errorCode(), ErrorCode::RoomNotFound);
        QVERIFY(!frames->waitForFrame(FrameRecorder::is(Command::Reply), 300, from));

        // Another client finds no room; re-creating is an explicit call, with the password.
        Peer other = connectPeer(*second, this);
        QVERIFY(other);
        IC_VERIFY_ER(other.reply(other.client->join(QStringLiteral("back-room"))),
                     ErrorCode::RoomNotFound);
        const auto created = frames->waitForReply(client->createAndJoin(
            QStringLiteral("Back-Room"), QStringLiteral("pw"), QStringLiteral("Ann")));
        IC_VERIFY_RP(created);
        QCOMPARE(created->details,
                 std::optional<QString>(QStringLiteral("room_created;password=true")));
        IC_VERIFY_RP(frames->waitForReply(
            client->sendText(QStringLiteral("back-room"), QStringLiteral("I am back"))));
        IC_VERIFY_ER(other.reply(other.client->join(QStringLiteral("back-room"))),
                     ErrorCode::InvalidPassword);
    }

    void closeStopsReconnecting()
    {
        auto server = startServer();
        QVERIFY(server);
        ChatClient::Options options = serverClientOptions(*server);
        options.autoReconnect = true;
        options.reconnectMinMs = 50;
        auto *client = new ChatClient(options, this);
        auto *frames = new FrameRecorder(client, this);
        client->open();
        QVERIFY(waitUntil([&] { return client->state() == ChatClient::State::Connected; }));
        IC_VERIFY_RP(frames->waitForReply(client->createAndJoin(QStringLiteral("close-room"))));
        Peer watcher = connectPeer(*server, this);
        QVERIFY(watcher);
        IC_VERIFY_RP(watcher.reply(watcher.client->join(QStringLiteral("close-room"))));
        client->close();
        QVERIFY(waitUntil([&] { return client->state() == ChatClient::State::Disconnected; }));
        settle(500);
        QCOMPARE(client->state(), ChatClient::State::Disconnected);
        // The server saw a normal close: the member went offline and did not come back.
        const auto members = watcher.frames->frames(Command::MembersChanged);
        QVERIFY(!members.isEmpty());
        int online = 0;
        for (const auto &user : *members.last().users)
            online += user.online ? 1 : 0;
        QCOMPARE(online, 1);
    }

    void sessionReplacedDoesNotFightBack()
    {
        auto server = startServer();
        QVERIFY(server);
        ChatClient::Options options = serverClientOptions(*server);
        options.autoReconnect = true;
        options.reconnectMinMs = 50;
        auto *older = new ChatClient(options, this);
        auto *olderFrames = new FrameRecorder(older, this);
        auto *newer = new ChatClient(options, this); // same cookie
        auto *newerFrames = new FrameRecorder(newer, this);
        older->open();
        newer->open();
        QVERIFY(waitUntil([&] {
            return older->state() == ChatClient::State::Connected &&
                   newer->state() == ChatClient::State::Connected;
        }));
        IC_VERIFY_RP(olderFrames->waitForReply(older->createAndJoin(QStringLiteral("fight-room"))));
        const QString rq = newer->join(QStringLiteral("fight-room"));
        QVERIFY(rq != olderFrames->frames().last().requestId); // ids unique across clients
        IC_VERIFY_RP(newerFrames->waitForReply(rq));
        QVERIFY(olderFrames->waitFor(FrameRecorder::isError(ErrorCode::SessionReplaced)));
        QVERIFY(waitUntil([&] { return older->state() == ChatClient::State::Disconnected; }));
        settle(1000);
        QCOMPARE(older->state(), ChatClient::State::Disconnected);
        QCOMPARE(newer->state(), ChatClient::State::Connected);
        QCOMPARE(newerFrames->count(FrameRecorder::isError(ErrorCode::SessionReplaced)), 0);
    }
};

QTEST_GUILESS_MAIN(ChatClientTest)
#include "tst_chatclient.moc"
