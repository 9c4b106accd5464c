// The desktop app against a real local stack: a server and a balancer from build/bin, the main
// window (offscreen) as one user and a ChatClient as the other. Join, exchange, edit, delete,
// vote, rename, unread counts in tabs and tray, and after a server restart: the lost rooms are
// reported and re-created only when asked (a password room only with a password). A pasted image
// reaches a second desktop app as a drawing.
#include "AppSettings.h"
#include "Composer.h"
#include "MainWindow.h"
#include "RoomView.h"
#include "StackHelpers.h"
#include "TestSupport.h"
#include "TextFormat.h"
#include "client/ChatClient.h"
#include "validation/UrlEncoding.h"

#include <QApplication>
#include <QClipboard>
#include <QDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace ic::desktop;
using ic::client::ChatClient;
using ic::testing::TestProcess;
using ic::testing::waitUntil;

namespace {
const QString origin = QStringLiteral("http://instantchat.test");

// The other user: records every frame it receives.
struct Peer
{
    ChatClient *client;
    QList<ic::proto::ServerFrame> frames;
    QHash<QString, ic::proto::ServerFrame> replies;

    bool hasText(const QString &command, const QString &text) const
    {
        for (const auto &f : frames)
            // A message sent while this peer was rejoining arrives in its ALL_TM instead.
            if ((f.command == command || (command == u"TM" && f.command == u"ALL_TM")) &&
                f.messages)
                for (const auto &m : *f.messages)
                    if (m.text && decodeText(*m.text) == text)
                        return true;
        return false;
    }
    qint64 idOf(const QString &text) const
    {
        for (const auto &f : frames)
            if ((f.command == u"TM" || f.command == u"ALL_TM") && f.messages)
                for (const auto &m : *f.messages)
                    if (m.text && decodeText(*m.text) == text && m.id)
                        return *m.id;
        return 0;
    }
};
} // namespace

class TestDesktopE2E : public QObject
{
    Q_OBJECT
private:
    std::unique_ptr<TestProcess> m_server;
    std::unique_ptr<TestProcess> m_balancer;
    quint16 m_serverPort = 0;
    QTemporaryDir m_dir;

    bool startServer(quint16 port)
    {
        QStringList args{QStringLiteral("--allowed-origins"), origin,
                         QStringLiteral("--rate-limits"), QStringLiteral("off")};
        if (port)
            args << QStringLiteral("--port") << QString::number(port);
        m_server = std::make_unique<TestProcess>(ictest::serverProgram(), args);
        if (!m_server->start()) {
            qWarning("%s", qPrintable(m_server->errorString()));
            return false;
        }
        m_serverPort = m_server->port();
        return true;
    }

    // The room created with a password by another client, who stays in it; null on failure.
    std::unique_ptr<ChatClient> createLockedRoom(const QString &room, const QString &password)
    {
        ChatClient::Options options;
        options.balancerUrl = m_balancer->httpUrl(QString());
        options.origin = origin;
        auto owner = std::make_unique<ChatClient>(options);
        QHash<QString, ic::proto::ServerFrame> replies;
        connect(owner.get(), &ChatClient::requestFinished, this,
                [&replies](const QString &rq, const ic::proto::ServerFrame &f) {
                    replies.insert(rq, f);
                });
        owner->open(room);
        const QString join = owner->createAndJoin(room, password, QStringLiteral("owner"));
        if (!waitUntil([&] { return replies.contains(join); }, 15000) ||
            replies.value(join).command != u"RP")
            return nullptr;
        owner->disconnect(this);
        return owner;
    }

private slots:
    void initTestCase()
    {
        const QString missing = ictest::missingPrograms();
        if (!missing.isEmpty())
            QFAIL(qPrintable(missing));
        const QString balancer = ictest::balancerProgram();
        QVERIFY(startServer(0));
        m_balancer = std::make_unique<TestProcess>(
            balancer, QStringList{QStringLiteral("--servers"), m_server->hostPort(),
                                  QStringLiteral("--rate-limits"), QStringLiteral("off"),
                                  // A busy CI host must not make the only server "full".
                                  QStringLiteral("--load-ceiling"), QStringLiteral("1")});
        QVERIFY2(m_balancer->start(), qPrintable(m_balancer->errorString()));
        QVERIFY2(ictest::waitUntilPlacing(*m_balancer), "the balancer never offered the server");
    }

    void wrongPasswordOffersAlternatives()
    {
        // A wrong password on an existing room says so and offers the free
        // alternative names from /pick_backend's aN as chips; a chip joins that name.
        const QUrl balancerUrl = m_balancer->httpUrl(QString());
        const QString room = QStringLiteral("e2e-locked-room");
        std::unique_ptr<ChatClient> owner = createLockedRoom(room, QStringLiteral("secret"));
        QVERIFY(owner);

        ictest::StackWindow app(m_dir.filePath(QStringLiteral("locked.ini")), balancerUrl, origin);
        MainWindow &window = *app.window;
        RoomView *view = window.openRoom(room, QStringLiteral("wrong"), QStringLiteral("desk"));
        QVERIFY(view);
        QList<QPushButton *> chips;
        QVERIFY2(waitUntil(
                     [&] {
                         chips =
                             view->findChildren<QPushButton *>(QStringLiteral("alternativeChip"));
                         return !chips.isEmpty();
                     },
                     15000),
                 "no alternative-name chips after a wrong password");
        QVERIFY(chips.first()->isVisible());
        const QString alternative = chips.first()->text();
        QVERIFY2(alternative.startsWith(room + QLatin1Char('-')), qPrintable(alternative));
        QTest::mouseClick(chips.first(), Qt::LeftButton);
        RoomView *joined = window.currentRoom();
        QVERIFY(joined && joined != view);
        QCOMPARE(joined->session()->roomName(), alternative);
        QVERIFY2(waitUntil([&] { return joined->session()->joined(); }, 15000),
                 "the alternative room was not joined");
        QCOMPARE(window.roomCount(), 1); // the refused room's tab was replaced
        owner->close();
    }

    // A wrong password can be corrected: opening the same room again with the right password
    // tries again (it used to focus the refused tab and drop the new password).
    void wrongPasswordCanBeCorrected()
    {
        const QUrl balancerUrl = m_balancer->httpUrl(QString());
        const QString room = QStringLiteral("e2e-corrected-room");
        std::unique_ptr<ChatClient> owner = createLockedRoom(room, QStringLiteral("secret"));
        QVERIFY(owner);

        ictest::StackWindow app(m_dir.filePath(QStringLiteral("corrected.ini")), balancerUrl,
                                origin);
        MainWindow &window = *app.window;
        RoomView *refused = window.openRoom(room, QStringLiteral("wrong"), QStringLiteral("desk"));
        QVERIFY(refused);
        QVERIFY2(
            waitUntil(
                [&] {
                    return !refused->findChildren<QPushButton *>(QStringLiteral("alternativeChip"))
                                .isEmpty();
                },
                15000),
            "the wrong password was not refused");
        QVERIFY(!refused->session()->joined());
        RoomView *retried = window.openRoom(room, QStringLiteral("secret"), QStringLiteral("desk"));
        QVERIFY(retried);
        QVERIFY2(waitUntil([&] { return retried->session()->joined(); }, 15000),
                 "the right password did not join");
        QCOMPARE(window.roomCount(), 1);
        QCOMPARE(retried->session()->roomName(), room);
        QVERIFY(retried->session()->passwordProtected());
        owner->close();
    }

    // Ctrl+V of an image in one desktop app → preview → Send: a second desktop app in the room
    // gets a drawing message (not text) and fetches the very picture from the server.
    void pastedImageArrivesAsADrawing()
    {
        const QUrl balancerUrl = m_balancer->httpUrl(QString());
        const QString room = QStringLiteral("e2e-pasted-image");
        AppSettings aliceSettings(m_dir.filePath(QStringLiteral("paste-alice.ini")));
        aliceSettings.setServer(balancerUrl);
        AppSettings bobSettings(m_dir.filePath(QStringLiteral("paste-bob.ini")));
        bobSettings.setServer(balancerUrl);
        MainWindow alice(&aliceSettings);
        alice.setOriginOverride(origin);
        MainWindow bob(&bobSettings);
        bob.setOriginOverride(origin);
        bob.show();
        alice.show();
        RoomView *sender = alice.openRoom(room, QString(), QStringLiteral("alice"));
        RoomView *receiver = bob.openRoom(room, QString(), QStringLiteral("bob"));
        QVERIFY(sender && receiver);
        QVERIFY2(
            waitUntil([&] { return sender->session()->joined() && receiver->session()->joined(); },
                      15000),
            "the two apps did not join");

        // Two halves in two colours: scaling or a lossy format would blur the line between them.
        QImage picture(300, 200, QImage::Format_RGB32);
        picture.fill(QColor(0x2f, 0x6f, 0xeb));
        for (int y = 0; y < 200; ++y)
            for (int x = 150; x < 300; ++x)
                picture.setPixel(x, y, qRgb(0xd9, 0x48, 0x48));
        auto *data = new QMimeData;
        data->setImageData(picture);
        QApplication::clipboard()->setMimeData(data);
        QApplication::setActiveWindow(&alice);
        sender->composer()->setFocus();
        QTest::keyClick(sender->composer(), Qt::Key_V, Qt::ControlModifier);
        QVERIFY2(sender->composer()->toPlainText().isEmpty(), "the image went in as text");
        QDialog *preview = nullptr;
        QVERIFY2(waitUntil(
                     [&] {
                         preview = alice.findChild<QDialog *>(QStringLiteral("imageSendDialog"));
                         return preview && preview->isVisible();
                     },
                     5000),
                 "Ctrl+V of an image did not offer it");
        auto *send = preview->findChild<QPushButton *>(QStringLiteral("imageSendButton"));
        QVERIFY(send);
        QTest::mouseClick(send, Qt::LeftButton);

        auto *model = receiver->session()->messages();
        QImage received;
        QString fileName;
        QVERIFY2(waitUntil(
                     [&] {
                         for (int row = 0; row < model->rowCount(); ++row) {
                             const QModelIndex index = model->index(row);
                             if (index.data(MessageListModel::KindRole).toInt() !=
                                 int(ChatMessage::Kind::Drawing))
                                 continue;
                             fileName = index.data(MessageListModel::DrawingNameRole).toString();
                             received =
                                 index.data(MessageListModel::DrawingImageRole).value<QImage>();
                             return !received.isNull();
                         }
                         return false;
                     },
                     15000),
                 "the second app did not get the drawing");
        QVERIFY(!fileName.isEmpty());
        QCOMPARE(received.size(), picture.size());
        QCOMPARE(received.pixelColor(20, 100), QColor(0x2f, 0x6f, 0xeb));
        QCOMPARE(received.pixelColor(280, 100), QColor(0xd9, 0x48, 0x48));
        // Nobody saw the drawing's marker as a text message.
        for (int row = 0; row < model->rowCount(); ++row)
            QVERIFY(!model->index(row)
                         .data(MessageListModel::TextRole)
                         .toString()
                         .contains(QStringLiteral("meta_marker")));
        // The sender shows it as a drawing too, and its draft is untouched.
        QVERIFY(waitUntil([&] {
            auto *mine = sender->session()->messages();
            for (int row = 0; row < mine->rowCount(); ++row)
                if (mine->index(row).data(MessageListModel::DrawingNameRole).toString() == fileName)
                    return true;
            return false;
        }));
        QVERIFY(sender->composer()->toPlainText().isEmpty());
    }

    void fullConversation()
    {
        const QUrl balancerUrl = m_balancer->httpUrl(QString());
        ictest::StackWindow app(m_dir.filePath(QStringLiteral("desktop.ini")), balancerUrl, origin);
        MainWindow &window = *app.window;
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowExposed(&window));

        // --- join -----------------------------------------------------------------------------
        const QString room = QStringLiteral("e2e-desktop-room");
        RoomView *view = window.openRoom(room, QString(), QStringLiteral("desk"));
        QVERIFY(view);
        RoomSession *session = view->session();
        // Diagnostics for a failing run: what the connection went through.
        connect(view->connection(), &RoomConnection::stateChanged, this,
                [](ChatClient::State st) { qInfo() << "desktop connection:" << st; });
        connect(view->connection(), &RoomConnection::requestDone, this,
                [](const QString &rq, RoomConnection::Action a, bool ok, const QString &error) {
                    if (!ok)
                        qInfo() << "request failed:" << rq << a << error;
                });
        connect(view->connection()->client(), &ChatClient::httpFailed, this,
                [](const QString &what, int status, const QString &sentence) {
                    qInfo() << "http failed:" << what << status << sentence;
                });
        connect(view->connection(), &RoomConnection::joinFailed, this,
                [](const QString &sentence) { qInfo() << "join failed:" << sentence; });
        connect(
            view->connection()->client(), &ChatClient::disconnected, this,
            [](int code, const QString &reason) { qInfo() << "disconnected:" << code << reason; });
        QVERIFY2(waitUntil([&] { return session->joined(); }, 15000),
                 "the desktop app did not join");
        QCOMPARE(session->myName(), QStringLiteral("desk"));
        QVERIFY(session->amCreator());                        // first in the room
        QVERIFY(!app.settings.cookie(balancerUrl).isEmpty()); // identity kept for the next start

        ChatClient::Options options;
        options.balancerUrl = balancerUrl;
        options.origin = origin;
        // Its slots capture `bob`: the client is declared after it, so it is destroyed first.
        Peer bob{nullptr, {}, {}};
        std::unique_ptr<ChatClient> bobClient = std::make_unique<ChatClient>(options);
        bob.client = bobClient.get();
        connect(bob.client, &ChatClient::frameReceived, this,
                [&bob](const ic::proto::ServerFrame &f) { bob.frames.append(f); });
        connect(bob.client, &ChatClient::requestFinished, this,
                [&bob](const QString &rq, const ic::proto::ServerFrame &f) {
                    bob.replies.insert(rq, f);
                });
        bob.client->open(room);
        const QString bobJoin = bob.client->createAndJoin(room, QString(), QStringLiteral("bob"));
        QVERIFY(waitUntil([&] { return bob.replies.contains(bobJoin); }, 15000));
        QCOMPARE(bob.replies.value(bobJoin).command, QStringLiteral("RP"));
        const QString bobId = bob.replies.value(bobJoin).userId.value_or(QString());
        QVERIFY(waitUntil([&] { return session->users()->onlineCount() == 2; }));

        // --- the desktop user sends with Enter; the composer clears only after RP ---------------
        view->composer()->setFocus();
        view->composer()->setPlainText(QStringLiteral("hello from the desktop\nsecond line"));
        QTest::keyClick(view->composer(), Qt::Key_Return);
        QVERIFY(waitUntil([&] {
            return bob.hasText(QStringLiteral("TM"),
                               QStringLiteral("hello from the desktop\nsecond line"));
        }));
        QVERIFY(waitUntil([&] { return view->composer()->toPlainText().isEmpty(); }));
        const qint64 myId = bob.idOf(QStringLiteral("hello from the desktop\nsecond line"));
        QVERIFY(myId > 0);

        // --- unread counts: a second room is current, bob writes in the first -------------------
        RoomView *other = window.openRoom(QStringLiteral("e2e-desktop-other"));
        QVERIFY(waitUntil([&] { return other->session()->joined(); }, 15000));
        QCOMPARE(window.tabs()->currentWidget(), other);
        bob.client->sendText(room, QStringLiteral("hi desk"));
        bob.client->sendText(room, QStringLiteral("are you there?"),
                             session->myUserId()); // a reply to me
        QVERIFY(waitUntil([&] { return session->unreadCount() == 2; }));
        // Both mention me: "hi desk" names me (the default highlight word), the other replies.
        QCOMPARE(session->mentionCount(), 2);
        QCOMPARE(window.totalUnread(), 2);
        QCOMPARE(window.tabLabel(0), room + QStringLiteral(" (2)"));
        QVERIFY(window.tray()->toolTip().contains(QStringLiteral("2 unread")));
        QVERIFY(window.windowTitle().startsWith(QStringLiteral("(2)")));
        window.tabs()->setCurrentIndex(0);
        window.activateWindow();
        QVERIFY(waitUntil([&] { return window.totalUnread() == 0 || !window.isActiveWindow(); }));
        if (window.isActiveWindow()) {
            QCOMPARE(window.tabLabel(0), room);
            QCOMPARE(window.tray()->toolTip(), QStringLiteral("instantchat"));
        } else {
            session->markRead(); // some offscreen setups never activate windows
        }

        // --- edit (ArrowUp in the empty composer edits my last message) --------------------------
        view->composer()->setFocus();
        QTest::keyClick(view->composer(), Qt::Key_Up);
        QCOMPARE(view->composer()->toPlainText(),
                 QStringLiteral("hello from the desktop\nsecond line"));
        view->composer()->setPlainText(QStringLiteral("hello, edited"));
        QTest::keyClick(view->composer(), Qt::Key_Return);
        QVERIFY(waitUntil(
            [&] { return bob.hasText(QStringLiteral("TM_E"), QStringLiteral("hello, edited")); }));
        auto *model = session->messages();
        QVERIFY(waitUntil([&] {
            return model->index(model->rowForId(myId)).data(MessageListModel::EditedRole).toBool();
        }));

        // --- bob edits, votes and deletes; the desktop follows ----------------------------------
        QVERIFY(waitUntil([&] { return bob.idOf(QStringLiteral("hi desk")) > 0; }));
        const qint64 bobMsg = bob.idOf(QStringLiteral("hi desk"));
        bob.client->editText(room, bobMsg, QStringLiteral("hi desk (edited by bob)"));
        QVERIFY(waitUntil([&] {
            return model->index(model->rowForId(bobMsg))
                       .data(MessageListModel::TextRole)
                       .toString() == QStringLiteral("hi desk (edited by bob)");
        }));
        bob.client->vote(room, myId, true);
        QVERIFY(waitUntil([&] {
            return model->index(model->rowForId(myId))
                       .data(MessageListModel::SupportRole)
                       .toLongLong() == 1;
        }));
        view->connection()->vote(bobMsg, false);
        QVERIFY(waitUntil([&] {
            return model->index(model->rowForId(bobMsg))
                       .data(MessageListModel::RejectRole)
                       .toLongLong() == 1;
        }));
        QVERIFY(waitUntil([&] {
            return model->index(model->rowForId(bobMsg))
                       .data(MessageListModel::MyVoteRole)
                       .toInt() == -1;
        }));
        bob.client->deleteMessage(room, bobMsg);
        QVERIFY(waitUntil([&] {
            return model->index(model->rowForId(bobMsg))
                .data(MessageListModel::DeletedRole)
                .toBool();
        }));

        // --- rename and description
        // ----------------------------------------------------------------
        view->connection()->rename(QStringLiteral("desk renamed"));
        QVERIFY(waitUntil([&] { return session->myName() == QStringLiteral("desk renamed"); }));
        view->connection()->changeDescription(QStringLiteral("about this room"));
        QVERIFY(
            waitUntil([&] { return session->description() == QStringLiteral("about this room"); }));

        // --- a drawing: PNG upload with the room UUID as group, DM, fetched back as a thumbnail --
        QImage drawing(120, 80, QImage::Format_RGB32);
        drawing.fill(Qt::white);
        drawing.setPixel(10, 10, qRgb(255, 0, 0));
        const QString fileName = view->connection()->sendDrawing(drawing);
        QVERIFY(!fileName.isEmpty());
        const QString marker = QStringLiteral("$#$meta_marker_is_drawing$#$") + fileName +
                               QLatin1Char('@') + session->roomId();
        QVERIFY2(waitUntil(
                     [&] {
                         return bob.hasText(QStringLiteral("TM"), marker) ||
                                bob.hasText(QStringLiteral("DM"), marker);
                     },
                     10000),
                 "bob did not receive the drawing message");
        QVERIFY2(
            waitUntil(
                [&] {
                    for (int row = 0; row < model->rowCount(); ++row)
                        if (model->index(row).data(MessageListModel::DrawingNameRole).toString() ==
                            fileName)
                            return !model->index(row)
                                        .data(MessageListModel::DrawingImageRole)
                                        .value<QImage>()
                                        .isNull();
                    return false;
                },
                10000),
            "the drawing was not fetched back");

        // --- the same session opens the room elsewhere: ER 209, "use here" takes it back --------
        {
            ChatClient::Options same = options;
            same.sessionCookie = app.settings.cookie(balancerUrl);
            ChatClient elsewhere(same);
            elsewhere.open(room);
            elsewhere.createAndJoin(room);
            QVERIFY2(waitUntil([&] { return !session->joined(); }, 10000),
                     "no ER 209 for the older connection");
            view->connection()->takeOver();
            QVERIFY2(waitUntil([&] { return session->joined(); }, 15000),
                     "use here did not rejoin");
            elsewhere.close();
        }

        // --- a message too long is refused locally and the text stays --------------------------
        view->composer()->setPlainText(QString(10001, QLatin1Char('x')));
        QTest::keyClick(view->composer(), Qt::Key_Return);
        QVERIFY(!view->errorText().isEmpty());
        QCOMPARE(view->composer()->toPlainText().size(), 10001);
        view->composer()->clear();

        // --- a password room too: a restart must never bring it back open --------------------
        const QString lockedRoom = QStringLiteral("e2e-desktop-locked");
        RoomView *locked =
            window.openRoom(lockedRoom, QStringLiteral("secret"), QStringLiteral("desk"));
        QVERIFY(locked);
        QVERIFY(waitUntil([&] { return locked->session()->joined(); }, 15000));
        QVERIFY(locked->session()->passwordProtected());
        // What an outsider gets when joining a room without a password (202: no such room).
        auto probe = [&](const QString &name) {
            ChatClient client(options);
            ic::proto::ServerFrame reply;
            bool answered = false;
            connect(&client, &ChatClient::requestFinished, this,
                    [&](const QString &, const ic::proto::ServerFrame &f) {
                        reply = f;
                        answered = true;
                    });
            client.open(name);
            client.join(name, QString(), QStringLiteral("probe"));
            waitUntil([&] { return answered; }, 15000);
            client.close();
            return answered ? reply.errorCode() : ic::proto::ErrorCode::ConnectionError;
        };

        // --- server restart: the banner shows; the lost rooms are reported, never re-created ----
        const quint16 port = m_serverPort;
        QCOMPARE(m_server->terminate(), 0);
        QVERIFY2(waitUntil([&] { return !view->connectionBannerText().isEmpty(); }, 10000),
                 "no reconnect banner");
        QVERIFY(!session->joined());
        QVERIFY(model->rowCount() > 0); // messages stay readable while away
        QVERIFY(startServer(port));
        QVERIFY2(waitUntil(
                     [&] {
                         return !view->roomGoneText().isEmpty() &&
                                !locked->roomGoneText().isEmpty();
                     },
                     40000),
                 "the app did not say that the rooms are gone");
        qInfo() << "room gone:" << locked->roomGoneText();
        QVERIFY(!session->joined());
        QVERIFY(!locked->session()->joined());
        QVERIFY(model->rowCount() > 0); // the history is still there to save
        QVERIFY(view->findChild<QPushButton *>(QStringLiteral("saveHistoryButton")));
        QCOMPARE(probe(room), ic::proto::ErrorCode::RoomNotFound);
        QCOMPARE(probe(lockedRoom), ic::proto::ErrorCode::RoomNotFound);

        // "Create it again" on the password room asks for the password, prefilled with the
        // one typed at the start; an empty answer creates nothing.
        auto passwordQuestion = [&] {
            QTest::mouseClick(locked->findChild<QPushButton *>(QStringLiteral("recreateButton")),
                              Qt::LeftButton);
            QInputDialog *ask = nullptr;
            waitUntil(
                [&] {
                    ask = locked->findChild<QInputDialog *>(QStringLiteral("recreatePassword"));
                    return ask && ask->isVisible();
                },
                5000);
            return QPointer<QInputDialog>(ask);
        };
        QPointer<QInputDialog> ask = passwordQuestion();
        QVERIFY2(ask, "no password question");
        QCOMPARE(ask->textEchoMode(), QLineEdit::Password);
        QCOMPARE(ask->textValue(), QStringLiteral("secret"));
        ask->setTextValue(QString());
        ask->accept();
        QVERIFY(waitUntil([&] { return ask.isNull(); }, 5000));
        QVERIFY(locked->errorText().contains(QStringLiteral("needs a password")));
        QCOMPARE(probe(lockedRoom), ic::proto::ErrorCode::RoomNotFound);
        ask = passwordQuestion();
        QVERIFY(ask);
        ask->accept(); // the prefilled password
        QVERIFY2(waitUntil([&] { return locked->session()->joined(); }, 15000),
                 "the password room was not re-created");
        QVERIFY(locked->session()->passwordProtected()); // the lock stays
        QVERIFY(locked->roomGoneText().isEmpty());
        QCOMPARE(probe(lockedRoom), ic::proto::ErrorCode::InvalidPassword);

        // The open room: a plain yes/no question, then the app is its creator and can send.
        QTest::mouseClick(view->findChild<QPushButton *>(QStringLiteral("recreateButton")),
                          Qt::LeftButton);
        QMessageBox *confirm = nullptr;
        QVERIFY(waitUntil(
            [&] {
                confirm = view->findChild<QMessageBox *>(QStringLiteral("recreateConfirm"));
                return confirm && confirm->isVisible();
            },
            5000));
        confirm->button(QMessageBox::Yes)->click();
        QVERIFY2(waitUntil([&] { return session->joined(); }, 15000),
                 "the app did not re-create the room when asked");
        QVERIFY(session->amCreator());
        QVERIFY(waitUntil([&] { return view->connectionBannerText().isEmpty(); }));
        // bob's client was refused too (no silent re-creation there either); he joins again.
        const QString bobAgain = bob.client->join(room, QString(), QStringLiteral("bob"));
        QVERIFY(waitUntil([&] { return bob.replies.contains(bobAgain); }, 15000));
        QCOMPARE(bob.replies.value(bobAgain).command, QStringLiteral("RP"));
        view->composer()->setPlainText(QStringLiteral("back after restart"));
        QTest::keyClick(view->composer(), Qt::Key_Return);
        QVERIFY(waitUntil([&] { return view->composer()->toPlainText().isEmpty(); }, 10000));
        QVERIFY(waitUntil(
            [&] { return bob.hasText(QStringLiteral("TM"), QStringLiteral("back after restart")); },
            40000));
        Q_UNUSED(bobId)
        bob.client->close();
    }

    void cleanupTestCase()
    {
        if (m_balancer)
            m_balancer->terminate();
        if (m_server)
            m_server->terminate();
    }
};

QTEST_MAIN(TestDesktopE2E)
#include "tst_desktope2e.moc"
