// docs/protocol.md §5.8 graceful stop and §4.2 `sS`: on SIGTERM the server tells its clients
// `shutting_down`, closes every socket with a close frame and exits within a bounded time.

#include "ServerFixture.h"

#include <QElapsedTimer>

using namespace ic::testing;

class ShutdownTest : public QObject
{
    Q_OBJECT

private slots:
    void cleanup() { qDeleteAll(findChildren<QObject *>(Qt::FindDirectChildrenOnly)); }

    void sigtermTellsClientsAndClosesSockets()
    {
        auto server = startServer({QStringLiteral("--shutdown-timeout"), QStringLiteral("5")});
        QVERIFY(server);
        Peer a = connectPeer(*server, this);
        QVERIFY(a);
        IC_VERIFY_RP(a.reply(a.client->createAndJoin(QStringLiteral("stop-room"))));
        auto *raw = new RawSocket(this);
        QVERIFY(raw->open(server->port(), ic::session::createCookieValue()));
        raw->sendText(
            "{\"c\":\"R_J\",\"rq\":\"r\",\"r\":{\"n\":\"stop-room\",\"p\":\"\"},\"uN\":null}");
        IC_VERIFY_RP(raw->waitForFrame(
            [](const ServerFrame &f) { return f.requestId == QStringLiteral("r"); }));
        // A socket that never joined a room is closed as well.
        auto *idle = new RawSocket(this);
        QVERIFY(idle->open(server->port(), ic::session::createCookieValue()));

        const qsizetype fromA = a.frames->size();
        QElapsedTimer timer;
        timer.start();
        const int exitCode = server->terminate(15000); // keeps the event loop running meanwhile
        QCOMPARE(exitCode, 0);
        QVERIFY2(timer.elapsed() < 5000 + 3000, "graceful stop took longer than its timeout");

        auto announcesShutdown = [](const ServerFrame &f) {
            return f.status == QStringLiteral("shutting_down");
        };
        QVERIFY2(a.frames->indexOf(announcesShutdown, fromA) >= 0,
                 "the member got no frame with sS=shutting_down");
        QVERIFY2(raw->waitForFrame(announcesShutdown, 1000), "raw member got no sS=shutting_down");
        QVERIFY2(raw->closeFrameReceived(), "the socket was cut without a close frame");
        QVERIFY2(idle->closeFrameReceived(),
                 "a socket outside any room was cut without a close frame");
        QVERIFY(
            waitUntil([&] { return a.client->state() == ChatClient::State::Disconnected; }, 2000));
    }
};

QTEST_GUILESS_MAIN(ShutdownTest)
#include "tst_shutdown.moc"
