// A clicked instantchat:// link while the app runs: the real program started twice with one
// profile against a real local stack. The second copy hands the room to the first and exits 0
// without joining anything itself; the first joins the room (once), and a link to a room it
// already has open only brings that room to the front (no second join).
#include "SingleInstance.h"
#include "StackHelpers.h"
#include "TestSupport.h"
#include "protocol/ServerFrame.h"

#include <QFileInfo>
#include <QLocalSocket>
#include <QSet>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using ic::client::ChatClient;
using ic::testing::TestProcess;
using ic::testing::waitUntil;

namespace {
// A port nobody uses right now, for the balancer: the server must know the app's origin (the
// balancer's address) before the balancer starts.
quint16 freePort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}
} // namespace

class TestLinkHandover : public QObject
{
    Q_OBJECT
    std::unique_ptr<TestProcess> m_server;
    std::unique_ptr<TestProcess> m_balancer;
    QUrl m_balancerUrl;
    QTemporaryDir m_dir;

    // Every user name the observer ever saw in the room, and who is online now.
    QSet<QString> m_everSeen;
    QSet<QString> m_online;
    int m_memberFrames = 0;

    void recordMembers(const ic::proto::ServerFrame &frame)
    {
        if (!frame.users)
            return;
        ++m_memberFrames;
        m_online.clear();
        for (const auto &user : *frame.users) {
            m_everSeen.insert(user.name);
            if (user.online)
                m_online.insert(user.name);
        }
    }

private slots:
    void initTestCase()
    {
        const QString missing = ictest::missingPrograms();
        QVERIFY2(missing.isEmpty(), qPrintable(missing));
        const QString server = ictest::serverProgram();
        const QString balancer = ictest::balancerProgram();
        QVERIFY2(QFileInfo::exists(QStringLiteral(INSTANTCHAT_DESKTOP_BIN)),
                 INSTANTCHAT_DESKTOP_BIN);
        const quint16 balancerPort = freePort();
        QVERIFY(balancerPort);
        m_balancerUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(balancerPort));
        // The app sends its balancer's address as the WebSocket origin.
        m_server = std::make_unique<TestProcess>(
            server, QStringList{QStringLiteral("--allowed-origins"),
                                m_balancerUrl.toString(QUrl::StripTrailingSlash),
                                QStringLiteral("--rate-limits"), QStringLiteral("off")});
        QVERIFY2(m_server->start(), qPrintable(m_server->errorString()));
        m_balancer = std::make_unique<TestProcess>(
            balancer, QStringList{QStringLiteral("--port"), QString::number(balancerPort),
                                  QStringLiteral("--servers"), m_server->hostPort(),
                                  QStringLiteral("--rate-limits"), QStringLiteral("off"),
                                  QStringLiteral("--load-ceiling"), QStringLiteral("1")});
        QVERIFY2(m_balancer->start(), qPrintable(m_balancer->errorString()));
        QVERIFY2(ictest::waitUntilPlacing(*m_balancer), "the balancer never offered the server");
    }

    void secondStartHandsOverAndDoesNotJoin()
    {
        const QString room = QStringLiteral("handed-over");
        ChatClient::Options options;
        options.balancerUrl = m_balancerUrl;
        ChatClient observer(options);
        QHash<QString, ic::proto::ServerFrame> replies;
        connect(&observer, &ChatClient::frameReceived, this, &TestLinkHandover::recordMembers);
        connect(&observer, &ChatClient::requestFinished, this,
                [&replies](const QString &rq, const ic::proto::ServerFrame &f) {
                    replies.insert(rq, f);
                });
        observer.open(room);
        const QString join = observer.createAndJoin(room, QString(), QStringLiteral("observer"));
        QVERIFY2(waitUntil([&] { return replies.contains(join); }, 15000), "observer not in");
        QCOMPARE(replies.value(join).command, QStringLiteral("RP"));

        // The running app: no room open yet.
        const QString desktop = QStringLiteral(INSTANTCHAT_DESKTOP_BIN);
        const QString settings = m_dir.filePath(QStringLiteral("profile.ini"));
        QProcess first;
        first.setProcessChannelMode(QProcess::ForwardedChannels);
        first.start(desktop,
                    {QStringLiteral("--settings"), settings, QStringLiteral("--server"),
                     m_balancerUrl.toString(), QStringLiteral("--name"), QStringLiteral("first")});
        QVERIFY(first.waitForStarted());
        const QString socketName = ic::desktop::SingleInstance(settings).socketName();
        QVERIFY2(QTest::qWaitFor(
                     [&] {
                         QLocalSocket s;
                         s.connectToServer(socketName);
                         return s.waitForConnected(100);
                     },
                     20000),
                 "the first app never listened");

        // The link, as a desktop environment hands it over, with another name: were it to join
        // by itself, "second" would show up in the room (and take the identity from "first").
        auto startSecond = [&](const QString &link) {
            QProcess second;
            second.start(desktop, {QStringLiteral("--settings"), settings, QStringLiteral("--name"),
                                   QStringLiteral("second"), link});
            if (!second.waitForFinished(20000)) {
                second.kill();
                second.waitForFinished();
                return -1;
            }
            return second.exitStatus() == QProcess::NormalExit ? second.exitCode() : -2;
        };
        const QString link =
            QStringLiteral("instantchat://127.0.0.1:%1/%2").arg(m_balancerUrl.port()).arg(room);
        QCOMPARE(startSecond(link), 0);
        QVERIFY2(waitUntil([&] { return m_online.contains(QStringLiteral("first")); }, 20000),
                 "the running app did not join the handed-over room");
        ic::testing::settle(1500);
        QCOMPARE(m_online, (QSet<QString>{QStringLiteral("observer"), QStringLiteral("first")}));
        QVERIFY(!m_everSeen.contains(QStringLiteral("second")));

        // The same link again: the room comes to the front, nobody leaves or joins.
        const int framesBefore = m_memberFrames;
        QCOMPARE(startSecond(link), 0);
        ic::testing::settle(1500);
        qInfo("member list frames after the repeated link: %d", m_memberFrames - framesBefore);
        QCOMPARE(m_memberFrames, framesBefore);
        QCOMPARE(first.state(), QProcess::Running);
        QVERIFY(!m_everSeen.contains(QStringLiteral("second")));

        first.terminate();
        if (!first.waitForFinished(5000))
            first.kill();
        observer.close();
    }
};

QTEST_MAIN(TestLinkHandover)
#include "tst_linkhandover.moc"
