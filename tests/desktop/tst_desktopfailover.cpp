// The desktop app on a stack of three room servers that register with the balancer, when the
// server holding its rooms goes away: stopped on purpose (SIGTERM: it hands its rooms to another
// server), the app keeps its rooms by itself — the same user id and name, still the creator (it
// can change the description), the whole history — and a password room stays locked for a
// newcomer. The main window runs offscreen; another user is a plain ChatClient.
#include "AppSettings.h"
#include "Composer.h"
#include "MainWindow.h"
#include "RoomView.h"
#include "StackHelpers.h"
#include "TestSupport.h"
#include "TextFormat.h"
#include "client/ChatClient.h"

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
        m_servers[i] = std::make_unique<TestProcess>(ictest::serverProgram(), args);
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

    // Both rooms' servers go away (SIGTERM: handoff; crash: SIGKILL, the copies are promoted);
    // the app must be back in both rooms with everything it had.
    void survive(bool crash)
    {
        const QString tag = crash ? QStringLiteral("crash") : QStringLiteral("handoff");
        const QUrl balancerUrl = m_balancer->httpUrl(QString());
        ictest::StackWindow app(m_dir.filePath(tag + QStringLiteral(".ini")), balancerUrl, origin);
        MainWindow &window = *app.window;

        const QString room = QStringLiteral("df-%1-room").arg(tag);
        const QString lockedRoom = QStringLiteral("df-%1-locked").arg(tag);
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
        // Connections lost so far: a crash is noticed a moment later (the socket ends).
        int losses = 0, lockedLosses = 0;
        connect(view->connection(), &RoomConnection::stateChanged, this,
                [&](ChatClient::State state) { losses += state != ChatClient::State::Connected; });
        connect(locked->connection(), &RoomConnection::stateChanged, this,
                [&](ChatClient::State state) {
                    lockedLosses += state != ChatClient::State::Connected;
                });

        const int holder = holderOf(room);
        const int lockedHolder = holderOf(lockedRoom);
        QVERIFY2(holder >= 0 && lockedHolder >= 0, "the balancer does not name our servers");
        if (crash) {
            // Only a room with a copy survives a crash: wait until every room there has one.
            QVERIFY2(waitUntil([&] { return allReplicated(holder); }, 30000),
                     "the rooms never had a copy on another server");
            m_servers[holder]->kill();
        } else {
            QCOMPARE(m_servers[holder]->terminate(30000), 0);
        }
        QVERIFY2(waitUntil([&] { return losses > 0; }, 10000), "the connection was not moved");
        // The balancer spreads rooms: the password room's server goes too when it is another one
        // (the open room may then move twice, which it must survive as well). A second crash
        // waits until the first failover is over and the rooms have copies again: two servers
        // dying at once are not covered.
        if (lockedHolder != holder && crash) {
            QVERIFY(waitUntil([&] { return session->joined(); }, 60000));
            // A room whose copy died with the first server learns it at its next change (the
            // copy's batch fails) and makes a new copy a second later; an idle room would still
            // count the dead one. So the password room changes once (RP: the failure is known),
            // then its server must report every room copied again.
            QSignalSpy sent(locked->connection(), &RoomConnection::requestDone);
            const QString between = locked->connection()->sendText(QStringLiteral("between"));
            QVERIFY(waitUntil(
                [&] {
                    return std::any_of(sent.cbegin(), sent.cend(), [&](const QList<QVariant> &c) {
                        return c.at(0).toString() == between;
                    });
                },
                15000));
            QVERIFY2(waitUntil([&] { return allReplicated(lockedHolder); }, 30000),
                     "the rooms never had a copy again after the first crash");
            const bool openThere = holderOf(room) == lockedHolder;
            const int before = losses;
            m_servers[lockedHolder]->kill();
            if (openThere)
                QVERIFY(waitUntil([&] { return losses > before; }, 10000));
        } else if (lockedHolder != holder) {
            QCOMPARE(m_servers[lockedHolder]->terminate(30000), 0);
        }
        QVERIFY2(waitUntil([&] { return lockedLosses > 0; }, 10000),
                 "the password room's connection was not moved");
        const bool back =
            waitUntil([&] { return session->joined() && locked->session()->joined(); }, 60000);
        QVERIFY2(back, qPrintable(QStringLiteral("the app is not back in its rooms (open room: "
                                                 "joined %1, gone '%2'; password room: joined "
                                                 "%3, gone '%4')")
                                      .arg(session->joined())
                                      .arg(view->roomGoneText())
                                      .arg(locked->session()->joined())
                                      .arg(locked->roomGoneText())));
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
        const QString change = view->connection()->changeDescription(tag);
        QVERIFY(!change.isEmpty());
        QVERIFY(waitUntil([&] { return session->description() == tag; }, 15000));
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

    // Whether every room the server holds has an acknowledged copy elsewhere (its gauges).
    bool allReplicated(int i)
    {
        const QByteArray text =
            ic::testing::httpGet(m_servers[i]->httpUrl(QStringLiteral("/metrics"))).body;
        auto gauge = [&](const QByteArray &name) {
            for (const QByteArray &line : text.split('\n'))
                if (line.startsWith(name + ' '))
                    return line.mid(name.size() + 1).trimmed().toLongLong();
            return qint64(-1);
        };
        const qint64 rooms = gauge("instantchat_rooms");
        return rooms >= 0 && gauge("instantchat_replicated_rooms") == rooms;
    }

private slots:
    void initTestCase()
    {
        const QString missing = ictest::missingPrograms();
        if (!missing.isEmpty())
            QFAIL(qPrintable(missing));
        const QString balancer = ictest::balancerProgram();
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

    void handoffKeepsRoomNameCreatorAndHistory() { survive(false); }
    void failoverKeepsRoomNameCreatorAndHistory() { survive(true); }

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
#include "tst_desktopfailover.moc"
