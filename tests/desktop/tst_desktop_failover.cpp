// The desktop app on a stack of three room servers that register with the balancer, when the
// server holding its rooms goes away: stopped on purpose (SIGTERM: it hands its rooms to another
// server), the app keeps its rooms by itself — the same user id and name, still the creator (it
// can change the description), the whole history — and a password room stays locked for a
// newcomer. The main window runs offscreen; another user is a plain ChatClient.
#include "AppSettings.h"
#include "Composer.h"
#include "MainWindow.h"
#include "RoomView.h"
#include "TestSupport.h"
#include "TextFormat.h"
#include "client/ChatClient.h"

#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace ic::desktop;
using ic::client::ChatClient;
using ic::testing::TestProcess;
using ic::testing::waitUntil;

namespace {
const QString origin = QStringLiteral("http://instantchat.test");

QString program(const char *name, const char *envOverride)
{
    const QString fromEnv = qEnvironmentVariable(envOverride);
    return fromEnv.isEmpty() ? QDir(ic::testing::binDir()).filePath(QString::fromLatin1(name))
                             : fromEnv;
}

// What a fresh session finds in a room: the join's answer and, when admitted, the history.
struct Visit
{
    ic::proto::ErrorCode error = ic::proto::ErrorCode::ConnectionError; // None: joined
    QStringList texts;                                                  // ALL_TM, decoded
    QString creator;                                                    // rCuId
};

// The app's messages (decoded texts), in stream order.
QStringList textsOf(const RoomSession *session)
{
    QStringList texts;
    const MessageListModel *model = session->messages();
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->at(row).kind == ChatMessage::Kind::Text)
            texts << model->at(row).text;
    return texts;
}
} // namespace

class TestDesktopFailover : public QObject
{
    Q_OBJECT
private:
    static constexpr int serverCount = 3;
    std::unique_ptr<TestProcess> m_balancer;
    std::unique_ptr<TestProcess> m_servers[serverCount];
    quint16 m_ports[serverCount] = {};
    QTemporaryDir m_dir;

    bool startServer(int i)
    {
        QStringList args{
            QStringLiteral("--allowed-origins"), origin,
            QStringLiteral("--rate-limits"),     QStringLiteral("off"),
            QStringLiteral("--balancer"),        m_balancer->httpUrl(QString()).toString(),
            QStringLiteral("--server-id"),       QStringLiteral("df-s%1").arg(i + 1)};
        if (m_ports[i])
            args << QStringLiteral("--port") << QString::number(m_ports[i]);
        m_servers[i] = std::make_unique<TestProcess>(
            program("instantchat-server", "INSTANTCHAT_SERVER_BIN"), args);
        if (!m_servers[i]->start()) {
            qWarning("%s", qPrintable(m_servers[i]->errorString()));
            return false;
        }
        m_ports[i] = m_servers[i]->port();
        // /healthz is 200 once the balancer accepted the server's heartbeat.
        return waitUntil(
            [&] {
                return ic::testing::httpGet(m_servers[i]->httpUrl(QStringLiteral("/healthz")))
                           .status == 200;
            },
            20000);
    }

    // The server the balancer names for `room` (-1: none of ours).
    int holderOf(const QString &room)
    {
        const auto reply = ic::testing::httpGet(
            m_balancer->httpUrl(QStringLiteral("/pick_backend?roomName=") + room));
        const QString backend =
            QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("bA")).toString();
        for (int i = 0; i < serverCount; ++i)
            if (m_servers[i] && backend.endsWith(QStringLiteral(":%1").arg(m_ports[i])))
                return i;
        return -1;
    }

    Visit visit(const QString &room, const QString &password)
    {
        ChatClient::Options options;
        options.balancerUrl = m_balancer->httpUrl(QString());
        options.origin = origin;
        ChatClient client(options);
        Visit result;
        bool answered = false;
        connect(&client, &ChatClient::frameReceived, this, [&](const ic::proto::ServerFrame &f) {
            if (f.command == u"ALL_TM" && f.messages)
                for (const auto &m : *f.messages)
                    result.texts << decodeText(m.text.value_or(QString()));
            if (f.command == u"R_CH_D")
                result.creator = f.creatorUserId.value_or(QString());
        });
        connect(&client, &ChatClient::requestFinished, this,
                [&](const QString &, const ic::proto::ServerFrame &f) {
                    result.error = f.errorCode();
                    answered = true;
                });
        client.open(room);
        client.join(room, password, QStringLiteral("visitor"));
        waitUntil([&] { return answered; }, 30000);
        client.close();
        return result;
    }

private slots:
    void initTestCase()
    {
        const QString server = program("instantchat-server", "INSTANTCHAT_SERVER_BIN");
        const QString balancer = program("instantchat-balancer", "INSTANTCHAT_BALANCER_BIN");
        if (!QFileInfo::exists(server) || !QFileInfo::exists(balancer))
            // A skipped run would count as passed in ctest: missing programs are a failure.
            QFAIL(qPrintable(
                QStringLiteral(
                    "instantchat-server (%1) / instantchat-balancer (%2) not found: build "
                    "them or set INSTANTCHAT_SERVER_BIN / INSTANTCHAT_BALANCER_BIN")
                    .arg(server, balancer)));
        // No server up front: they register with heartbeats, as in production.
        m_balancer = std::make_unique<TestProcess>(
            balancer, QStringList{QStringLiteral("--servers"), QString(),
                                  QStringLiteral("--rate-limits"), QStringLiteral("off"),
                                  // A busy CI host must not make the servers "full".
                                  QStringLiteral("--load-ceiling"), QStringLiteral("1")});
        QVERIFY2(m_balancer->start(), qPrintable(m_balancer->errorString()));
        for (int i = 0; i < serverCount; ++i)
            QVERIFY2(startServer(i), "a room server did not register with the balancer");
    }

    void handoffKeepsRoomNameCreatorAndHistory()
    {
        const QUrl balancerUrl = m_balancer->httpUrl(QString());
        AppSettings settings(m_dir.filePath(QStringLiteral("handoff.ini")));
        settings.setServer(balancerUrl);
        MainWindow window(&settings);
        window.setOriginOverride(origin);
        window.show();

        const QString room = QStringLiteral("df-handoff-room");
        const QString lockedRoom = QStringLiteral("df-handoff-locked");
        RoomView *view = window.openRoom(room, QString(), QStringLiteral("desk"));
        QVERIFY(view);
        RoomSession *session = view->session();
        QVERIFY2(waitUntil([&] { return session->joined(); }, 15000), "the app did not join");
        RoomView *locked =
            window.openRoom(lockedRoom, QStringLiteral("secret"), QStringLiteral("desk"));
        QVERIFY(locked);
        QVERIFY(waitUntil([&] { return locked->session()->joined(); }, 30000));
        QVERIFY(locked->session()->passwordProtected());
        QVERIFY(session->amCreator());

        view->composer()->setPlainText(QStringLiteral("before the move"));
        QTest::keyClick(view->composer(), Qt::Key_Return);
        QVERIFY(waitUntil([&] { return view->composer()->toPlainText().isEmpty(); }, 15000));
        locked->connection()->sendText(QStringLiteral("locked history"));
        QVERIFY(waitUntil(
            [&] { return textsOf(locked->session()).contains(QStringLiteral("locked history")); },
            15000));
        const QString myId = session->myUserId();
        int losses = 0;
        connect(view->connection(), &RoomConnection::stateChanged, this,
                [&](ChatClient::State state) { losses += state != ChatClient::State::Connected; });

        const int holder = holderOf(room);
        const int lockedHolder = holderOf(lockedRoom);
        QVERIFY2(holder >= 0 && lockedHolder >= 0, "the balancer does not name our servers");
        QCOMPARE(m_servers[holder]->terminate(30000), 0);
        // The balancer spreads rooms: the password room's server is stopped too when it is another
        // one (the open room may then move twice, which it must survive as well).
        if (lockedHolder != holder)
            QCOMPARE(m_servers[lockedHolder]->terminate(30000), 0);
        QVERIFY2(waitUntil([&] { return losses > 0; }, 10000), "the connection was not moved");
        QVERIFY2(waitUntil([&] { return session->joined() && locked->session()->joined(); }, 60000),
                 "the app is not back in its rooms");
        QVERIFY(view->roomGoneText().isEmpty());
        QVERIFY(locked->roomGoneText().isEmpty());
        const int newHolder = holderOf(room);
        QVERIFY(newHolder >= 0 && newHolder != holder);

        QCOMPARE(session->myUserId(), myId);
        QCOMPARE(session->myName(), QStringLiteral("desk"));
        QVERIFY(session->amCreator());
        QVERIFY(textsOf(session).contains(QStringLiteral("before the move")));
        const Visit reader = visit(room, QString());
        QCOMPARE(reader.error, ic::proto::ErrorCode::None);
        QVERIFY(reader.texts.contains(QStringLiteral("before the move")));
        QCOMPARE(reader.creator, myId);

        // Creator rights survived: the description changes, and the room still takes messages.
        QSignalSpy done(view->connection(), &RoomConnection::requestDone);
        const QString change = view->connection()->changeDescription(QStringLiteral("moved"));
        QVERIFY(!change.isEmpty());
        QVERIFY(
            waitUntil([&] { return session->description() == QStringLiteral("moved"); }, 15000));
        for (const auto &call : std::as_const(done))
            if (call.at(0).toString() == change)
                QVERIFY2(call.at(2).toBool(), qPrintable(call.at(3).toString()));
        view->composer()->setPlainText(QStringLiteral("after the move"));
        QTest::keyClick(view->composer(), Qt::Key_Return);
        QVERIFY(waitUntil([&] { return view->composer()->toPlainText().isEmpty(); }, 15000));

        // The password room: locked for a newcomer, its history there for one who knows it.
        QCOMPARE(visit(lockedRoom, QString()).error, ic::proto::ErrorCode::InvalidPassword);
        const Visit insider = visit(lockedRoom, QStringLiteral("secret"));
        QCOMPARE(insider.error, ic::proto::ErrorCode::None);
        QVERIFY(insider.texts.contains(QStringLiteral("locked history")));

        // Back to three servers for the next test.
        QVERIFY(startServer(holder));
        if (lockedHolder != holder)
            QVERIFY(startServer(lockedHolder));
    }

    void cleanupTestCase()
    {
        for (auto &server : m_servers)
            if (server)
                server->terminate();
        if (m_balancer)
            m_balancer->terminate();
    }
};

QTEST_MAIN(TestDesktopFailover)
#include "tst_desktop_failover.moc"
