// The widgets without a server: keyboard shortcuts, composer modes, search, overlay mode,
// drawing tools, links. Frames are fed straight into the room's session.
#include "AppSettings.h"
#include "Composer.h"
#include "DrawingCanvas.h"
#include "DrawingWindow.h"
#include "EmojiPicker.h"
#include "JoinDialog.h"
#include "MainWindow.h"
#include "MembersPane.h"
#include "MessageListView.h"
#include "Notifier.h"
#include "OfflineWindow.h"
#include "PinnedMessagesModel.h"
#include "PlainText.h"
#include "RoomConnection.h"
#include "RoomHeaderBar.h"
#include "RoomLink.h"
#include "RoomView.h"
#include "SampleRoom.h"
#include "TextFormat.h"
#include "Theme.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QColorDialog>
#include <QFile>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSplitter>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace ic::desktop;

class TestDesktopWidgets : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    std::unique_ptr<AppSettings> m_settings;
    std::unique_ptr<MainWindow> m_window;
    RoomView *m_view = nullptr;
    RoomView *m_second = nullptr;

private slots:
    void init()
    {
        // Fresh settings for every test: one test's muted room must not silence the next's.
        QFile::remove(m_dir.filePath(QStringLiteral("w.ini")));
        m_settings = std::make_unique<AppSettings>(m_dir.filePath(QStringLiteral("w.ini")));
        m_settings->setServer(QUrl(QStringLiteral("http://localhost:8080")));
        m_window = std::make_unique<MainWindow>(m_settings.get());
        m_view = ictest::offlineRoom(*m_window, QStringLiteral("release-planning"));
        m_second = ictest::offlineRoom(*m_window, QStringLiteral("second"));
        m_window->tabs()->setCurrentIndex(0);
        ictest::fillSampleRoom(*m_view->session());
        QVERIFY(ictest::showActive(m_window.get()));
    }

    void cleanup()
    {
        m_window.reset();
        m_settings.reset();
    }

    void shortcuts()
    {
        m_view->composer()->setFocus();
        // Ctrl+Tab → next room, also from inside the composer.
        QTest::keyClick(m_view->composer(), Qt::Key_Tab, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentWidget(), m_second);
        m_window->nextRoom(1);
        QCOMPARE(m_window->tabs()->currentWidget(), m_view);
        // Ctrl+F opens the search bar; matches are counted.
        m_view->composer()->setFocus();
        QTest::keyClick(m_view->composer(), Qt::Key_F, Qt::ControlModifier);
        auto *search = m_view->findChild<QLineEdit *>();
        QVERIFY(search);
        QLineEdit *edit = nullptr;
        for (auto *e : m_view->findChildren<QLineEdit *>())
            if (e->placeholderText().startsWith(QStringLiteral("Search")))
                edit = e;
        QVERIFY(edit && edit->isVisible());
        QTest::keyClicks(edit, QStringLiteral("the"));
        QVERIFY(m_view->searchHitCount() >= 2);
        // Ctrl+Shift+O → compact always-on-top overlay and back.
        QTest::keyClick(m_window.get(), Qt::Key_O, Qt::ControlModifier | Qt::ShiftModifier);
        QVERIFY(m_window->isCompact());
        QVERIFY(m_window->windowHandle()->flags() & Qt::WindowStaysOnTopHint);
        QVERIFY(!m_window->menuBar()->isVisible());
        // In the overlay the room on screen is being read: a new message is not unread.
        QVERIFY(QTest::qWaitForWindowActive(m_window.get()));
        m_view->session()->applyFrame(ictest::frame(
            "TM",
            {ictest::msg(9001, QStringLiteral("u2"), QStringLiteral("seen in the overlay"))}));
        QCOMPARE(m_view->session()->unreadCount(), 0);
        // The shortcuts work without the menu bar: Ctrl+K opens the join dialog.
        m_view->composer()->setFocus();
        QTest::keyClick(m_view->composer(), Qt::Key_K, Qt::ControlModifier);
        QVERIFY2(
            QTest::qWaitFor([&] { return m_window->findChild<JoinDialog *>() != nullptr; }, 2000),
            "Ctrl+K does nothing in overlay mode");
        m_window->findChild<JoinDialog *>()->reject();
        QTRY_VERIFY(m_window->findChild<JoinDialog *>() == nullptr);
        // The offscreen platform does not hand the activation back after a dialog (a window
        // manager does); init() sets it the same way.
        QApplication::setActiveWindow(m_window.get());
        // Ctrl+Tab, Ctrl+F, Ctrl+W and Ctrl+Q work in the overlay as well.
        m_view->composer()->setFocus();
        QTest::keyClick(m_view->composer(), Qt::Key_Tab, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->currentWidget(), m_second);
        m_second->composer()->setFocus();
        QTest::keyClick(m_second->composer(), Qt::Key_F, Qt::ControlModifier);
        QLineEdit *secondSearch = nullptr;
        for (auto *e : m_second->findChildren<QLineEdit *>())
            if (e->placeholderText().startsWith(QStringLiteral("Search")))
                secondSearch = e;
        QVERIFY2(secondSearch && secondSearch->isVisible(), "Ctrl+F does nothing in the overlay");
        m_second->composer()->setFocus();
        QTest::keyClick(m_second->composer(), Qt::Key_W, Qt::ControlModifier);
        QCOMPARE(m_window->tabs()->count(), 1); // the second room is closed (and deleted later)
        m_second = nullptr;
        QCOMPARE(m_window->tabs()->currentWidget(), m_view);
        QAction *quit = nullptr;
        for (QAction *action : m_window->findChildren<QAction *>())
            if (action->shortcut() == QKeySequence(QStringLiteral("Ctrl+Q")))
                quit = action;
        QVERIFY(quit);
        // Only whether the shortcut reaches the action: the test must not really quit.
        QObject::disconnect(quit, &QAction::triggered, nullptr, nullptr);
        QSignalSpy quitting(quit, &QAction::triggered);
        m_view->composer()->setFocus();
        QTest::keyClick(m_view->composer(), Qt::Key_Q, Qt::ControlModifier);
        QCOMPARE(quitting.count(), 1);
        QVERIFY(m_window->isCompact());
        m_window->setCompact(false);
        QVERIFY(!(m_window->windowHandle()->flags() & Qt::WindowStaysOnTopHint));
        // Ctrl+K → the join dialog, also with focus in the composer.
        m_view->composer()->setFocus();
        QTest::keyClick(m_view->composer(), Qt::Key_K, Qt::ControlModifier);
        QVERIFY(
            QTest::qWaitFor([&] { return m_window->findChild<JoinDialog *>() != nullptr; }, 2000));
        m_window->findChild<JoinDialog *>()->reject();
    }

    void composerModes()
    {
        Composer *c = m_view->composer();
        c->setFocus();
        c->clear();
        // ArrowUp in an empty composer edits my last text message (#7).
        QTest::keyClick(c, Qt::Key_Up);
        QCOMPARE(c->toPlainText(), QStringLiteral("Yes, and the tab badge too."));
        QTest::keyClick(c, Qt::Key_Escape);
        QVERIFY(c->toPlainText().isEmpty());
        // Shift+Enter is a newline, not a send.
        QTest::keyClicks(c, QStringLiteral("a"));
        QTest::keyClick(c, Qt::Key_Return, Qt::ShiftModifier);
        QTest::keyClicks(c, QStringLiteral("b"));
        QCOMPARE(c->toPlainText(), QStringLiteral("a\nb"));
        // Not connected: Enter queues the message and the text stays until the server confirms.
        QTest::keyClick(c, Qt::Key_Return);
        QCOMPARE(c->toPlainText(), QStringLiteral("a\nb"));
        // The counter appears near the limit.
        c->setPlainText(QString(9500, QLatin1Char('x')));
        bool counterShown = false;
        for (auto *label : m_view->findChildren<QLabel *>())
            if (label->isVisible() && label->text().contains(QStringLiteral("/ 10")))
                counterShown = true;
        QVERIFY(counterShown);
        c->clear();
    }

    void replyAndJump()
    {
        m_view->startReply(QStringLiteral("u-alice"), 2);
        m_view->jumpTo(2);
        auto *model = m_view->session()->messages();
        QCOMPARE(model->highlightedId(), 2);
        m_view->jumpTo(8); // deleted → an explanation, no crash
        QVERIFY(m_view->errorText().contains(QStringLiteral("unavailable")));
        m_view->cancelComposerMode();
    }

    void bigHistoryEndsAtTheBottom()
    {
        RoomView *view = ictest::offlineRoom(*m_window, QStringLiteral("big"));
        QList<ictest::WireMessage> history;
        for (int i = 1; i <= 1000; ++i)
            history << ictest::msg(
                i, QStringLiteral("u%1").arg(i % 5),
                QStringLiteral("message number %1 with some text to wrap").arg(i), 1700000000 + i);
        view->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("u1"), QStringLiteral("one"))}));
        view->session()->applyFrame(ictest::allMessages(history));
        auto *bar = view->messageView()->verticalScrollBar();
        // Batched layout: the range grows in steps; the view follows it to the newest message.
        QVERIFY(QTest::qWaitFor(
            [&] { return bar->maximum() > 10000 && bar->value() == bar->maximum(); }, 5000));
        // Scrolled up, new messages do not move the view; the "N new messages" button appears.
        bar->setValue(0);
        view->session()->applyFrame(
            ictest::frame("TM", {ictest::msg(1001, QStringLiteral("u1"), QStringLiteral("new"))}));
        QTest::qWait(50);
        QCOMPARE(bar->value(), 0);
        bool buttonShown = false;
        for (auto *b : view->messageView()->findChildren<QPushButton *>())
            buttonShown = buttonShown ||
                          (b->isVisible() && b->text().startsWith(QStringLiteral("1 new message")));
        QVERIFY(buttonShown);

        // Clicking it and typing goes to the composer, never to a button behind it (Space once
        // pressed Rename and the rest of the message became the user's name).
        QPushButton *newMessages = nullptr;
        for (auto *b : view->messageView()->findChildren<QPushButton *>())
            if (b->isVisible() && b->text().startsWith(QStringLiteral("1 new message")))
                newMessages = b;
        QVERIFY(newMessages);
        m_window->tabs()->setCurrentWidget(view);
        QTest::mouseClick(newMessages, Qt::LeftButton);
        QVERIFY(!newMessages->isVisible());
        QVERIFY(QTest::qWaitFor([&] { return bar->value() == bar->maximum(); }, 2000));
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(view->composer()));
        QTest::keyClicks(QApplication::focusWidget(), QStringLiteral("hi there"));
        QCOMPARE(view->composer()->toPlainText(), QStringLiteral("hi there"));
        for (auto *edit : view->findChildren<QLineEdit *>())
            QVERIFY2(!edit->isVisible() || edit->text().isEmpty(), "no rename field opened");

        // Sending while scrolled up: my message scrolls into view and is not "new" to me.
        view->session()->applyFrame(ictest::joinReply(QStringLiteral("u-me")));
        bar->setValue(0);
        QTest::qWait(50);
        view->session()->applyFrame(ictest::frame(
            "TM", {ictest::msg(1002, QStringLiteral("u-me"), QStringLiteral("mine"))}));
        QVERIFY(QTest::qWaitFor([&] { return bar->value() == bar->maximum(); }, 2000));
        for (auto *b : view->messageView()->findChildren<QPushButton *>())
            QVERIFY2(!b->isVisible(), qPrintable(b->text()));
    }

    // The message list by keyboard in a long room: Shift+Tab from the composer reaches it in
    // one step (Tab from the room's tab bar in a few), the focus shows, and the keys move from
    // the newest message — or from what is on screen when scrolled up — never from the oldest.
    void messageListByKeyboard()
    {
        RoomConnection::Config c;
        c.room = QStringLiteral("long-room");
        RoomView *view = m_window->adoptRoom(new RoomConnection(c), false);
        QList<ictest::WireMessage> history;
        for (int i = 1; i <= 300; ++i)
            history << ictest::msg(i, QStringLiteral("u%1").arg(i % 4),
                                   QStringLiteral("message %1 of a long history").arg(i),
                                   1700000000 + i * 60);
        view->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("u1"), QStringLiteral("one"))}));
        view->session()->applyFrame(ictest::allMessages(history));
        auto *list = view->messageList();
        auto *bar = list->verticalScrollBar();
        QVERIFY(QTest::qWaitFor(
            [&] { return bar->maximum() > 2000 && bar->value() == bar->maximum(); }, 5000));
        const int newest = list->model()->rowCount() - 1;
        auto onScreen = [&](int row) {
            return list->visualRect(list->model()->index(row, 0))
                .intersects(list->viewport()->rect());
        };

        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(view->composer()));
        QTest::keyClick(view->composer(), Qt::Key_Tab, Qt::ShiftModifier);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(list));
        // Visible focus: a ring in the accent colour, and the current message is marked.
        QCOMPARE(list->currentIndex().row(), newest);
        const QImage focused = list->viewport()->grab().toImage();
        QCOMPARE(focused.pixelColor(1, focused.height() / 2), theme::accent(list->palette()));
        list->clearFocus();
        QApplication::processEvents();
        const QImage unfocused = list->viewport()->grab().toImage();
        QVERIFY(unfocused.pixelColor(1, unfocused.height() / 2) != theme::accent(list->palette()));
        const QRect card = list->visualRect(list->model()->index(newest, 0));
        QVERIFY2(focused.copy(card) != unfocused.copy(card), "the current message is not marked");

        // From the room's first control (its tab in the tab bar), forward Tab gets there too.
        m_window->tabs()->tabBar()->setFocus(Qt::TabFocusReason);
        int presses = 0;
        while (QApplication::focusWidget() != list && presses < 20) {
            QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
            ++presses;
        }
        qInfo("Tab presses from the tab bar to the messages: %d", presses);
        QVERIFY2(presses <= 7, qPrintable(QString::number(presses)));

        // The first ↓ stays at the newest message (it was not "row 0"), ↑ goes one back, and the
        // view stays at the bottom.
        QTest::keyClick(list, Qt::Key_Down);
        QCOMPARE(list->currentIndex().row(), newest);
        QCOMPARE(bar->value(), bar->maximum());
        QTest::keyClick(list, Qt::Key_Up);
        QCOMPARE(list->currentIndex().row(), newest - 1);
        QVERIFY(bar->value() > bar->maximum() / 2);

        // Scrolled to the top of the history and back in by keyboard: the keys start from what
        // is on screen, not from the message left current near the bottom.
        QTest::keyClick(list, Qt::Key_Escape);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(view->composer()));
        bar->setValue(bar->minimum());
        QApplication::processEvents();
        QTest::keyClick(view->composer(), Qt::Key_Tab, Qt::ShiftModifier);
        QCOMPARE(QApplication::focusWidget(), static_cast<QWidget *>(list));
        const int arrived = list->currentIndex().row();
        QVERIFY2(onScreen(arrived), qPrintable(QString::number(arrived)));
        QTest::keyClick(list, Qt::Key_Down);
        QCOMPARE(list->currentIndex().row(), arrived + 1);
        QVERIFY(onScreen(arrived + 1));
        QVERIFY(bar->value() < bar->maximum() / 2);
    }

    void transcript()
    {
        const QString text = m_view->transcript();
        QVERIFY(text.contains(QStringLiteral("#3 ")));
        QVERIFY(text.contains(QStringLiteral("bob: I can take the packaging part.")));
        QVERIFY(text.contains(QStringLiteral("#8 ")) && text.contains(QStringLiteral("(deleted)")));
        QVERIFY(
            !text.contains(QStringLiteral("meta_marker"))); // drawings never show the raw marker
    }

    void serverAddressProblemsAreSaid_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("url");
        QTest::newRow("host") << QStringLiteral("chat.example")
                              << QStringLiteral("http://chat.example");
        QTest::newRow("host:port")
            << QStringLiteral("localhost:8081") << QStringLiteral("http://localhost:8081");
        QTest::newRow("https") << QStringLiteral(" https://c.example/x ")
                               << QStringLiteral("https://c.example");
        QTest::newRow("empty") << QString() << QString();
        QTest::newRow("ftp") << QStringLiteral("ftp://files.example") << QString();
        QTest::newRow("file") << QStringLiteral("file:///etc") << QString();
    }

    void serverAddressProblemsAreSaid()
    {
        QFETCH(QString, input);
        QFETCH(QString, url);
        const ServerAddress address = parseServerAddress(input);
        if (url.isEmpty()) {
            QVERIFY(!address.error.isEmpty());
            if (!input.isEmpty())
                QVERIFY2(address.error.contains(input.trimmed()), qPrintable(address.error));
        } else {
            QVERIFY2(address.error.isEmpty(), qPrintable(address.error));
            QCOMPARE(address.url.toString(), url);
        }
    }

    void invalidServerAddressIsNotDroppedSilently()
    {
        const QUrl before = m_settings->server();
        QInputDialog *dialog = nullptr;
        {
            QAction *action = nullptr;
            for (auto *a : m_window->findChildren<QAction *>())
                if (a->text() == QStringLiteral("&Server address…"))
                    action = a;
            QVERIFY(action);
            action->trigger();
            QVERIFY(QTest::qWaitFor(
                [&] {
                    return (dialog = m_window->findChild<QInputDialog *>(
                                QStringLiteral("serverDialog"))) != nullptr;
                },
                2000));
        }
        dialog->setTextValue(QStringLiteral("ftp://files.example"));
        dialog->accept();
        QMessageBox *box = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] {
                return (box = m_window->findChild<QMessageBox *>(
                            QStringLiteral("serverAddressError"))) != nullptr;
            },
            2000));
        QVERIFY(box->text().contains(QStringLiteral("ftp://files.example")));
        QCOMPARE(m_settings->server(), before);
        box->accept();
    }

    void unreachableServerIsNamedAndCanBeChanged()
    {
        RoomConnection::Config c;
        c.room = QStringLiteral("nowhere");
        c.server = QUrl(QStringLiteral("http://127.0.0.1:1")); // nothing listens on port 1
        RoomView *view = m_window->adoptRoom(new RoomConnection(c), true);
        m_window->tabs()->setCurrentWidget(view);
        QVERIFY(QTest::qWaitFor(
            [&] { return view->connectionBannerText().startsWith(QStringLiteral("Cannot reach")); },
            10000));
        QVERIFY2(view->connectionBannerText().contains(QStringLiteral("127.0.0.1:1")),
                 qPrintable(view->connectionBannerText()));
        auto *change = view->findChild<QPushButton *>(QStringLiteral("changeServerButton"));
        QVERIFY(change && change->isVisible());
        change->click();
        QVERIFY(QTest::qWaitFor(
            [&] {
                return m_window->findChild<QInputDialog *>(QStringLiteral("serverDialog")) !=
                       nullptr;
            },
            2000));
        m_window->findChild<QInputDialog *>(QStringLiteral("serverDialog"))->reject();
        view->connection()->stop();
    }

    void recentRoomsShowThePort()
    {
        QCOMPARE(serverLabel(QUrl(QStringLiteral("http://localhost:8081"))),
                 QStringLiteral("localhost:8081"));
        QCOMPARE(serverLabel(QUrl(QStringLiteral("https://chat.example"))),
                 QStringLiteral("chat.example:443"));
        m_settings->touchRecentRoom(QUrl(QStringLiteral("http://localhost:8081")),
                                    QStringLiteral("porty"));
        bool shown = false;
        for (auto *list : m_window->findChildren<QListWidget *>())
            for (int i = 0; i < list->count(); ++i)
                shown = shown || list->item(i)->text().contains(QStringLiteral("localhost:8081"));
        QVERIFY(shown);
    }

    void escapeClosesTheDrawingWindow()
    {
        m_view->openDrawing();
        DrawingWindow *window = m_view->drawingWindow();
        QVERIFY(window && window->isVisible());
        QApplication::setActiveWindow(window);
        QVERIFY(QTest::qWaitForWindowActive(window));
        QTest::keyClick(window->canvas(), Qt::Key_Escape);
        QVERIFY(!window->isVisible());
    }

    void drawingTools()
    {
        DrawingWindow window(QStringLiteral("room"));
        DrawingCanvas *canvas = window.canvas();
        QVERIFY(!canvas->canUndo());
        canvas->addStroke({Qt::red, 6, false, QPolygonF({QPointF(10, 10), QPointF(200, 200)})});
        canvas->addStroke({Qt::blue, 6, false, QPolygonF({QPointF(10, 200), QPointF(200, 10)})});
        QVERIFY(canvas->canUndo());
        canvas->undo();
        QVERIFY(canvas->canRedo());
        QCOMPARE(canvas->render().pixelColor(105, 105), QColor(Qt::red));
        canvas->redo();
        QCOMPARE(canvas->render().pixelColor(105, 105), QColor(Qt::blue));
        canvas->addStroke({Qt::black, 30, true, QPolygonF({QPointF(100, 100), QPointF(110, 110)})});
        QCOMPARE(canvas->render().pixelColor(105, 105), QColor(Qt::white)); // eraser
        canvas->clear();
        QVERIFY(canvas->isEmpty());
        QVERIFY(canvas->canRedo()); // clear can be undone
        QCOMPARE(canvas->render().size(), DrawingCanvas::sheetSize);
        // Mouse drawing maps to the sheet.
        window.show();
        QTest::mousePress(canvas, Qt::LeftButton, {},
                          QPoint(canvas->width() / 2, canvas->height() / 2));
        QTest::mouseMove(canvas, QPoint(canvas->width() / 2 + 40, canvas->height() / 2 + 10));
        QTest::mouseRelease(canvas, Qt::LeftButton, {},
                            QPoint(canvas->width() / 2 + 40, canvas->height() / 2 + 10));
        QVERIFY(!canvas->isEmpty());
    }

    void linksAndInput()
    {
        const auto links =
            findLinks(QStringLiteral("see https://example.org/a_(b). and (http://x.org/y) ok"));
        QCOMPARE(links.size(), 2);
        QCOMPARE(links[0].url, QStringLiteral("https://example.org/a_(b)"));
        QCOMPARE(links[1].url, QStringLiteral("http://x.org/y"));
        QVERIFY(isSingleEmoji(QStringLiteral("\U0001F44D")));
        QVERIFY(!isSingleEmoji(QStringLiteral("\U0001F44D\U0001F44D")));
        QVERIFY(!isSingleEmoji(QStringLiteral("ok")));
        auto l = parseRoomInput(QStringLiteral("instantchat://chat.example.org/My%20Room"));
        QCOMPARE(l.server, QUrl(QStringLiteral("https://chat.example.org")));
        QCOMPARE(l.room, QStringLiteral("my-room"));
        l = parseRoomInput(QStringLiteral("http://localhost:8080/team"));
        QCOMPARE(l.server, QUrl(QStringLiteral("http://localhost:8080")));
        QCOMPARE(l.room, QStringLiteral("team"));
        QVERIFY(parseRoomInput(QStringLiteral("  Plain Room ")).isValid());
        QCOMPARE(parseRoomInput(QStringLiteral("ab")).error, ic::proto::ErrorCode::RoomNameLength);
        QCOMPARE(parseRoomInput(QStringLiteral("metrics")).error,
                 ic::proto::ErrorCode::RoomNameReserved);
    }

    // A room's description, names and messages are shown literally: no label showing user text
    // and no tool tip interprets it as markup (a creator's <img src="/etc/…"> once loaded a
    // local file in every desktop client).
    void userTextIsNeverMarkup()
    {
        const QString markup = QStringLiteral(
            "<b>bold</b> <a href=\"http://example.invalid\">link</a> <img src=\"/etc/hosts\">");
        m_view->session()->applyFrame(ictest::description(markup, QStringLiteral("u1")));
        QLabel *shown = nullptr;
        for (QLabel *label : m_view->findChildren<QLabel *>())
            if (label->text() == markup)
                shown = label;
        QVERIFY2(shown, "the description is shown as it was sent");
        QCOMPARE(shown->textFormat(), Qt::PlainText);
        // Every label of the room view that shows text from others is plain.
        for (QLabel *label : m_view->findChildren<QLabel *>())
            if (label->text().contains(QLatin1String("<img")))
                QCOMPARE(label->textFormat(), Qt::PlainText);

        const QString tip = plainToolTip(markup);
        QVERIFY(Qt::mightBeRichText(tip));
        QVERIFY(!tip.contains(QLatin1String("<img")));
        QVERIFY(tip.contains(QLatin1String("&lt;img src=&quot;/etc/hosts&quot;&gt;")));
        // The lists whose tool tips carry names and texts use the plain tool tip delegate.
        for (QListView *list : m_view->findChildren<QListView *>())
            QVERIFY2(qobject_cast<PlainTipDelegate *>(list->itemDelegate()),
                     qPrintable(list->objectName() + QStringLiteral(" has a markup tool tip")));
    }

    // The header's Members button hides the member list (the messages take its width) and
    // brings it back.
    void membersButtonHidesThePane()
    {
        QToolButton *membersButton = nullptr;
        for (QToolButton *b : m_view->findChildren<QToolButton *>())
            if (b->text() == QStringLiteral("Members"))
                membersButton = b;
        QVERIFY(membersButton);
        MembersPane *pane = m_view->findChild<MembersPane *>();
        QVERIFY(pane && pane->isVisible());
        auto *outer = qobject_cast<QSplitter *>(pane->parentWidget());
        QVERIFY(outer && outer->widget(1) == pane);
        const int listWidthWith = outer->widget(0)->width();
        membersButton->click();
        QApplication::processEvents();
        QVERIFY(!pane->isVisible());
        QVERIFY(outer->widget(0)->width() > listWidthWith); // the messages take the room
        membersButton->click();
        QApplication::processEvents();
        QVERIFY(pane->isVisible());
    }

    // "X is typing…" under the composer: shown for a member's TY signal, with the name as plain
    // text (a name is user text), and gone a few seconds after the last signal.
    void typingIsShownAsPlainText()
    {
        const QString name = QStringLiteral("<b>Zoe</b>");
        ic::proto::ServerFrame joined = ictest::frame("R_M_D");
        joined.users = QList<ic::proto::WireUser>{ictest::user(QStringLiteral("u-zoe"), name)};
        joined.memberVersion = 99;
        joined.memberAction = QStringLiteral("j");
        m_view->session()->applyFrame(joined);
        QLabel *typing = m_view->findChild<QLabel *>(QStringLiteral("typing"));
        QVERIFY(typing);
        QVERIFY(!typing->isVisible());
        ic::proto::ServerFrame signal = ictest::frame("TY");
        signal.userId = QStringLiteral("u-zoe");
        m_view->session()->applyFrame(signal);
        QVERIFY(typing->isVisible());
        QCOMPARE(typing->text(), name + QStringLiteral(" is typing…"));
        QCOMPARE(typing->textFormat(), Qt::PlainText);
        QTRY_VERIFY_WITH_TIMEOUT(!typing->isVisible(), 8000);
    }

    // The window can be made narrow whatever the room: a long room name elides, a password room
    // adds nothing to the width, and the member list can be hidden. It fits a 400 px wide screen
    // (at QT_SCALE_FACTOR=2 a small one is; it once needed 455 px) with every control whole: the
    // header's less important buttons fold into its "⋯" menu, the composer row drops its Draw.
    void narrowWindow()
    {
        RoomView *longName = ictest::offlineRoom(*m_window, QString(81, QLatin1Char('x')));
        ictest::fillSampleRoom(*longName->session());
        m_window->tabs()->setCurrentWidget(longName);
        QApplication::processEvents();
        const int minimum = m_window->minimumSizeHint().width();
        qInfo("minimum window width with an 81-character room name: %d px", minimum);
        QVERIFY2(minimum <= 400, qPrintable(QString::number(minimum)));
        QVERIFY(minimum <= m_window->screen()->availableGeometry().width());
        // A password room (its lock in the header) is no wider.
        ic::proto::ServerFrame locked = ictest::joinReply(QStringLiteral("u-me"));
        locked.details = QStringLiteral("room_joined;password=true");
        longName->session()->applyFrame(locked);
        QVERIFY(longName->session()->passwordProtected());
        QApplication::processEvents();
        const int lockedMinimum = m_window->minimumSizeHint().width();
        qInfo("the same as a password room: %d px", lockedMinimum);
        QVERIFY2(lockedMinimum <= minimum, qPrintable(QString::number(lockedMinimum)));
        // The first size fits the screen (at QT_SCALE_FACTOR=2 it once opened larger than it).
        MainWindow fresh(m_settings.get());
        const QSize screenSize = fresh.screen()->availableGeometry().size();
        qInfo("first window %d x %d on a %d x %d screen", fresh.width(), fresh.height(),
              screenSize.width(), screenSize.height());
        QVERIFY(fresh.width() <= screenSize.width() && fresh.height() <= screenSize.height());
        auto *header = longName->findChild<RoomHeaderBar *>();
        QVERIFY(header);
        const QStringList buttons{QStringLiteral("Copy link"), QStringLiteral("Draw"),
                                  QStringLiteral("Search"), QStringLiteral("Members"),
                                  QStringLiteral("Leave")};
        auto shownButton = [&](const QString &text) -> QToolButton * {
            for (QToolButton *b : header->findChildren<QToolButton *>())
                if (b->text() == text && b->isVisibleTo(m_window.get()))
                    return b;
            return nullptr;
        };
        auto foldedAction = [&](const QString &text) -> QAction * {
            for (QAction *a : header->moreMenu()->actions())
                if (a->text() == text && a->isVisible())
                    return a;
            return nullptr;
        };
        auto settle = [] {
            // Folding happens on resize and asks for one more layout pass.
            for (int i = 0; i < 3; ++i)
                QApplication::processEvents();
        };
        // Wide: every button in the header, no "⋯".
        m_window->resize(std::min(1000, m_window->screen()->availableGeometry().width()), 600);
        settle();
        if (m_window->width() >= 900) {
            for (const QString &text : buttons)
                QVERIFY2(shownButton(text) && !foldedAction(text), qPrintable(text));
            QVERIFY(!header->moreButton()->isVisibleTo(m_window.get()));
        }
        m_window->resize(400, 600);
        settle();
        qInfo("window at 400 px: %d px wide", m_window->width());
        QCOMPARE(m_window->width(), 400);
        // Nothing clipped or squeezed: every button shown in the room's page is whole, inside the
        // page and at least as wide as it asks to be.
        const QRect page = longName->rect();
        for (QAbstractButton *b : longName->findChildren<QAbstractButton *>()) {
            if (!b->isVisibleTo(m_window.get()))
                continue;
            const QRect at(b->mapTo(longName, QPoint(0, 0)), b->size());
            QVERIFY2(page.contains(at) && b->width() >= b->minimumSizeHint().width(),
                     qPrintable(QStringLiteral("%1 at %2,%3 %4 wide (wants %5) in a page %6 wide")
                                    .arg(b->text())
                                    .arg(at.x())
                                    .arg(at.y())
                                    .arg(b->width())
                                    .arg(b->minimumSizeHint().width())
                                    .arg(page.width())));
        }
        // Each header button is either shown or in the "⋯" menu, never both or neither.
        QStringList folded;
        for (const QString &text : buttons) {
            QVERIFY2(bool(shownButton(text)) != bool(foldedAction(text)), qPrintable(text));
            if (foldedAction(text))
                folded << text;
        }
        qInfo("folded into the header's menu at 400 px: %s",
              qPrintable(folded.join(QStringLiteral(", "))));
        QVERIFY(!folded.isEmpty());
        QVERIFY(header->moreButton()->isVisibleTo(m_window.get()));
        QVERIFY(shownButton(QStringLiteral("Leave"))); // the last to fold
        // A folded button works from the menu.
        if (QAction *members = foldedAction(QStringLiteral("Members"))) {
            QVERIFY(longName->membersVisible());
            members->trigger();
            QVERIFY(!longName->membersVisible());
            members->trigger();
            QVERIFY(longName->membersVisible());
        }
        m_window->resize(480, 600);
        QApplication::processEvents();
        QVERIFY(m_window->width() <= 480);
        QVERIFY(longName->membersVisible());
        longName->setMembersVisible(false);
        QVERIFY(!longName->membersVisible());
        longName->setMembersVisible(true);
        QVERIFY(longName->membersVisible());
        // The overlay is as compact as it asks to be.
        m_window->setCompact(true);
        QApplication::processEvents();
        qInfo("overlay: %d x %d px", m_window->width(), m_window->height());
        QVERIFY2(m_window->width() <= 400, qPrintable(QString::number(m_window->width())));
        m_window->setCompact(false);
    }

    // The overlay is compact: 380 px wide (narrower only on a narrower screen), its minimum no
    // wider, and it stays so after the member list was hidden and shown, in either mode, after
    // switching rooms and after leaving and re-entering the overlay; never larger than the
    // screen (also run at QT_SCALE_FACTOR=2: tst_desktopwidgets_scale2).
    void overlayIsCompact()
    {
        const QRect screen = m_window->screen()->availableGeometry();
        const int wanted = std::min(380, screen.width());
        auto check = [&](const char *when) {
            QApplication::processEvents();
            qInfo("overlay %s: %d x %d px, minimum %d x %d, screen %d x %d", when,
                  m_window->width(), m_window->height(), m_window->minimumSizeHint().width(),
                  m_window->minimumSizeHint().height(), screen.width(), screen.height());
            QVERIFY2(m_window->minimumSizeHint().width() <= wanted, when);
            QVERIFY2(m_window->width() == wanted, when);
            QVERIFY2(m_window->frameGeometry().width() <= screen.width() &&
                         m_window->frameGeometry().height() <= screen.height(),
                     when);
        };
        // As in the screenshot: quoting a message, a draft; and a long name of my own (a name
        // may have 80 characters) with a reply to a member with a long name.
        m_view->composer()->setPlainText(QStringLiteral("Let's ship it on Friday"));
        m_view->startReply(QStringLiteral("u-alice"), 6);
        // The member list hidden and shown in the normal window first (the reported case).
        m_view->setMembersVisible(false);
        QApplication::processEvents();
        m_view->setMembersVisible(true);
        QApplication::processEvents();
        QApplication::processEvents();
        const int normalWidth = m_window->width();
        m_window->setCompact(true);
        check("entered");
        if (QTest::currentTestFailed())
            return;
        m_view->setMembersVisible(false);
        m_view->setMembersVisible(true);
        check("members toggled inside");
        const QString longName(80, QLatin1Char('m'));
        m_view->session()->applyFrame(ictest::members(
            {ictest::user(QStringLiteral("u-me"), longName),
             ictest::user(QStringLiteral("u-alice"), longName + QLatin1Char('a'))}));
        m_view->startReply(QStringLiteral("u-alice"));
        check("long names");
        m_window->nextRoom(1);
        check("other room");
        m_window->nextRoom(1);
        m_window->setCompact(false);
        QApplication::processEvents();
        QCOMPARE(m_window->width(), normalWidth);
        m_window->setCompact(true);
        check("entered again");
        m_window->setCompact(false);
    }

    void picksPanel()
    {
        // Sample room: #3 (3 support), #5 (2 support), #11 (1 reject) are voted.
        QListView *picks = m_view->pinnedView();
        QVERIFY(picks && picks->isVisible());
        QCOMPARE(picks->model()->rowCount(), 3);
        // A creator pin on #2 shows up live, sorted as in the browser: after #3 and #5 (more
        // support), before #11 (rejected).
        m_view->session()->applyFrame(
            ictest::vote(2, 1, 0, QDateTime::currentMSecsSinceEpoch() * 1000000LL));
        QCOMPARE(picks->model()->rowCount(), 4);
        QCOMPARE(m_view->pinnedMessages()->idAt(0), 3);
        QCOMPARE(m_view->pinnedMessages()->idAt(2), 2);
        QCOMPARE(m_view->pinnedMessages()->idAt(3), 11);
        // Clicking the entry jumps to (highlights and scrolls to) the message.
        m_view->session()->messages()->setHighlightedId(0);
        const QModelIndex entry = picks->model()->index(2, 0);
        picks->scrollTo(entry);
        QTest::mouseClick(picks->viewport(), Qt::LeftButton, {}, picks->visualRect(entry).center());
        QCOMPARE(m_view->session()->messages()->highlightedId(), 2);
        // The vote taken back: the entry goes.
        m_view->session()->applyFrame(
            ictest::vote(2, 0, 0, QDateTime::currentMSecsSinceEpoch() * 1000000LL + 1));
        QCOMPARE(picks->model()->rowCount(), 3);
        QCOMPARE(m_view->pinnedMessages()->idAt(2), 11);
    }

    void emojiPicker()
    {
        Composer *composer = m_view->composer();
        composer->setPlainText(QStringLiteral("ab"));
        QTextCursor c = composer->textCursor();
        c.setPosition(1); // caret between a and b
        composer->setTextCursor(c);
        // From the composer's button.
        auto *button = m_view->findChild<QToolButton *>(QStringLiteral("emojiButton"));
        QVERIFY(button && button->isVisible());
        QTest::mouseClick(button, Qt::LeftButton);
        EmojiPicker *picker = m_view->emojiPicker();
        QVERIFY(picker && picker->isVisible());
        QTest::keyClicks(picker->searchField(), QStringLiteral("thumbs down"));
        QCOMPARE(picker->grid()->count(), 1);
        QTest::keyClick(picker->searchField(), Qt::Key_Return);
        QVERIFY(!picker->isVisible());
        QCOMPARE(composer->toPlainText(), QStringLiteral("a\U0001F44Eb"));
        // The caret stays after the inserted emoji.
        QCOMPARE(composer->textCursor().position(), 1 + 2);
        // From the shortcut, in the composer; a click on a cell inserts it.
        QApplication::setActiveWindow(m_window.get());
        composer->setFocus();
        QTest::keyClick(composer, Qt::Key_Semicolon, Qt::ControlModifier);
        QVERIFY(picker->isVisible());
        QCOMPARE(picker->searchField()->text(), QString()); // fresh search each time
        QTest::keyClicks(picker->searchField(), QStringLiteral("fire"));
        QListWidgetItem *fire = picker->grid()->item(0);
        QVERIFY(fire);
        QCOMPARE(fire->text(), QStringLiteral("\U0001F525"));
        QTest::mouseClick(picker->grid()->viewport(), Qt::LeftButton, {},
                          picker->grid()->visualItemRect(fire).center());
        QVERIFY(!picker->isVisible());
        QCOMPARE(composer->toPlainText(), QStringLiteral("a\U0001F44E\U0001F525b"));
        // A search without results says so.
        QTest::keyClick(composer, Qt::Key_Semicolon, Qt::ControlModifier);
        QTest::keyClicks(picker->searchField(), QStringLiteral("qqqxyz"));
        QCOMPARE(picker->grid()->count(), 0);
        QTest::keyClick(picker->searchField(), Qt::Key_Escape);
        QVERIFY(!picker->isVisible());
    }

    // Tab in the composer completes a member's name the way the browser's @-list does; Tab again
    // cycles, Shift+Tab goes back, Esc puts back what was typed; with nothing to complete Tab
    // still moves the focus on.
    void tabCompletesNames()
    {
        m_view->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("u-me"), QStringLiteral("sam")),
                             ictest::user(QStringLiteral("u-ana"), QStringLiteral("Ana")),
                             ictest::user(QStringLiteral("u-anm"), QStringLiteral("Ana Maria")),
                             ictest::user(QStringLiteral("u-bob"), QStringLiteral("bob"))}));
        Composer *composer = m_view->composer();
        composer->clear(); // an earlier test's draft comes back with the room
        composer->setFocus();
        QTest::keyClicks(composer, QStringLiteral("hi @An"));
        QTest::keyClick(composer, Qt::Key_Tab);
        QCOMPARE(composer->toPlainText(), QStringLiteral("hi @Ana "));
        QVERIFY(composer->hasFocus());
        QTest::keyClick(composer, Qt::Key_Tab);
        QCOMPARE(composer->toPlainText(), QStringLiteral("hi @Ana Maria "));
        QTest::keyClick(composer, Qt::Key_Tab); // round again
        QCOMPARE(composer->toPlainText(), QStringLiteral("hi @Ana "));
        QTest::keyClick(composer, Qt::Key_Tab, Qt::ShiftModifier);
        QCOMPARE(composer->toPlainText(), QStringLiteral("hi @Ana Maria "));
        // Typing on keeps the name.
        QTest::keyClicks(composer, QStringLiteral("ok"));
        QCOMPARE(composer->toPlainText(), QStringLiteral("hi @Ana Maria ok"));
        // A bare word at a word start; Esc puts back what was typed and does not clear the text.
        composer->clear();
        QTest::keyClicks(composer, QStringLiteral("b"));
        QTest::keyClick(composer, Qt::Key_Tab);
        QCOMPARE(composer->toPlainText(), QStringLiteral("@bob "));
        QTest::keyClick(composer, Qt::Key_Escape);
        QCOMPARE(composer->toPlainText(), QStringLiteral("b"));
        QCOMPARE(composer->textCursor().position(), 1);
        // Whole names with a space, typed in part.
        composer->clear();
        QTest::keyClicks(composer, QStringLiteral("@ana m"));
        QTest::keyClick(composer, Qt::Key_Tab);
        QCOMPARE(composer->toPlainText(), QStringLiteral("@Ana Maria "));
        // Never my own name; nothing to complete: Tab leaves the composer as before.
        composer->clear();
        QTest::keyClicks(composer, QStringLiteral("@sa"));
        QTest::keyClick(composer, Qt::Key_Tab);
        QCOMPARE(composer->toPlainText(), QStringLiteral("@sa"));
        QVERIFY(!composer->hasFocus());
        composer->clear();
    }

    // Every cell of the emoji picker shows its whole emoji, never an elided "…": the cell is
    // wide and tall enough for the widest glyph as the style lays out an item's text.
    void emojiPickerCellsAreNotElided()
    {
        m_view->openEmojiPicker();
        EmojiPicker *picker = m_view->emojiPicker();
        QVERIFY(picker && picker->isVisible());
        QListWidget *grid = picker->grid();
        QVERIFY(grid->count() > 100);
        const QFontMetrics fm(grid->font());
        // QCommonStyle's item text margin, on each side.
        const int margin =
            grid->style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, grid) + 1;
        QStringList elided;
        for (int i = 0; i < grid->count(); ++i) {
            const QListWidgetItem *item = grid->item(i);
            const QRect cell = grid->visualItemRect(item);
            const QString shown =
                fm.elidedText(item->text(), grid->textElideMode(), cell.width() - 2 * margin);
            if (shown != item->text() || fm.height() > cell.height())
                elided << item->text();
        }
        qInfo("%lld cells, %d px wide; widest glyph %d px", qlonglong(grid->count()),
              grid->visualItemRect(grid->item(0)).width(), [&] {
                  int w = 0;
                  for (int i = 0; i < grid->count(); ++i)
                      w = std::max(w, fm.horizontalAdvance(grid->item(i)->text()));
                  return w;
              }());
        QVERIFY2(elided.isEmpty(), qPrintable(QStringLiteral("elided: ") + elided.join(u' ')));
        QTest::keyClick(picker->searchField(), Qt::Key_Escape);
    }

    void alternativeNameChips()
    {
        // A refused join with free names (aN = suffixes): chips; a click opens that room
        // in place of the refused one.
        m_window->tabs()->setCurrentWidget(m_second);
        emit m_second->connection()->joinFailed(QStringLiteral("Wrong password."),
                                                {QStringLiteral("2"), QStringLiteral("3")});
        const auto chips = m_second->findChildren<QPushButton *>(QStringLiteral("alternativeChip"));
        QCOMPARE(chips.size(), 2);
        QCOMPARE(chips.at(0)->text(), QStringLiteral("second-2"));
        QVERIFY(chips.at(0)->isVisible());
        QTest::mouseClick(chips.at(0), Qt::LeftButton);
        QCOMPARE(m_window->roomCount(), 2);
        QCOMPARE(m_window->currentRoom()->session()->roomName(), QStringLiteral("second-2"));
        QVERIFY(m_window->tabs()->indexOf(m_second) < 0);
        m_second = nullptr; // deleted later by the window
        m_window->currentRoom()->connection()->stop();
    }

    void notificationControl()
    {
        // A message whose text looks like markup pops up as plain text.
        QApplication::setActiveWindow(nullptr); // unfocused: every message pops up
        m_second->session()->applyFrame(ictest::joinReply(QStringLiteral("u-me")));
        m_second->session()->applyFrame(
            ictest::frame("TM", {ictest::msg(41, QStringLiteral("u-x"),
                                             QStringLiteral("<b>bold</b> <img src=\"/etc/x\">"))}));
        const auto popup = m_window->lastPopup();
        QVERIFY2(!popup.second.isEmpty(), "no popup for an unfocused window");
        QVERIFY(!popup.second.contains(QLatin1Char('<')));
        QVERIFY(popup.second.contains(QStringLiteral("bold")));

        // Muting the room: no popup unless it mentions me.
        auto *menu = m_window->findChild<QAction *>(QStringLiteral("muteAction"));
        QVERIFY(menu);
        m_window->tabs()->setCurrentWidget(m_second);
        emit static_cast<QMenu *>(menu->parent())->aboutToShow(); // the check follows the tab
        QVERIFY(!menu->isChecked());
        menu->trigger();
        QVERIFY(m_settings->isMuted(m_second->connection()->config().server,
                                    m_second->connection()->roomName()));
        m_window->tabs()->setCurrentWidget(m_view);
        const auto before = m_window->lastPopup();
        m_second->session()->applyFrame(
            ictest::frame("TM", {ictest::msg(42, QStringLiteral("u-x"), QStringLiteral("quiet"))}));
        QCOMPARE(m_window->lastPopup(), before);
        // The default highlight word is my name: that still gets through.
        m_second->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("u-me"), QStringLiteral("Ann")),
                             ictest::user(QStringLiteral("u-x"), QStringLiteral("x"))}));
        m_second->session()->applyFrame(ictest::frame(
            "TM", {ictest::msg(43, QStringLiteral("u-x"), QStringLiteral("ann, look"))}));
        QVERIFY(m_window->lastPopup().first.contains(QStringLiteral("mentioned you")));

        // Do not disturb: nothing, mentions included.
        auto *dnd = m_window->findChild<QAction *>(QStringLiteral("doNotDisturbAction"));
        QVERIFY(dnd && !dnd->isChecked());
        dnd->setChecked(true);
        QVERIFY(m_settings->doNotDisturb());
        const auto quiet = m_window->lastPopup();
        m_second->session()->applyFrame(
            ictest::frame("TM", {ictest::msg(44, QStringLiteral("u-x"), QStringLiteral("ann!"))}));
        QCOMPARE(m_window->lastPopup(), quiet);
        dnd->setChecked(false);
    }

    // "Show notifications" off: no popup at all, mentions included, while the unread counts go
    // on; it is kept. Do-not-disturb for an hour is on at once, says until when, and ends by
    // itself; unchecking ends it early.
    void notificationsOffAndTimedDoNotDisturb()
    {
        QApplication::setActiveWindow(nullptr); // unfocused: every message would pop up
        m_second->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("u-me"), QStringLiteral("Ann")),
                             ictest::user(QStringLiteral("u-x"), QStringLiteral("x"))}));
        m_second->session()->applyFrame(ictest::joinReply(QStringLiteral("u-me")));
        qint64 id = 50;
        auto say = [&](const QString &text) {
            m_second->session()->applyFrame(
                ictest::frame("TM", {ictest::msg(++id, QStringLiteral("u-x"), text)}));
        };
        say(QStringLiteral("first"));
        QVERIFY(!m_window->lastPopup().second.isEmpty());

        auto *popups = m_window->findChild<QAction *>(QStringLiteral("notificationsAction"));
        QVERIFY(popups && popups->isCheckable() && popups->isChecked());
        QVERIFY(!popups->associatedObjects().isEmpty()); // in a menu, not only in code
        popups->trigger();
        QVERIFY(!m_settings->notificationsEnabled());
        const auto before = m_window->lastPopup();
        const int unread = m_second->session()->unreadCount();
        say(QStringLiteral("second"));
        say(QStringLiteral("ann, look")); // a mention
        QCOMPARE(m_window->lastPopup(), before);
        QCOMPARE(m_second->session()->unreadCount(), unread + 2);
        QVERIFY(m_second->session()->mentionCount() > 0);
        {
            MainWindow again(m_settings.get());
            auto *kept = again.findChild<QAction *>(QStringLiteral("notificationsAction"));
            QVERIFY(kept && !kept->isChecked());
            QVERIFY(!again.notifier()->popupsEnabled());
        }
        popups->trigger();
        QVERIFY(m_settings->notificationsEnabled());
        say(QStringLiteral("third"));
        QVERIFY(m_window->lastPopup().second.contains(QStringLiteral("third")));

        auto *dnd = m_window->findChild<QAction *>(QStringLiteral("doNotDisturbAction"));
        auto *hour = m_window->findChild<QAction *>(QStringLiteral("doNotDisturbHourAction"));
        QVERIFY(dnd && hour);
        auto *menu = qobject_cast<QMenu *>(dnd->parent());
        QVERIFY(menu);
        hour->trigger();
        const QDateTime until = m_settings->doNotDisturbUntil();
        QVERIFY(until > QDateTime::currentDateTime().addSecs(3500));
        QVERIFY(until <= QDateTime::currentDateTime().addSecs(3600));
        QVERIFY(!m_settings->doNotDisturb()); // not "until turned off"
        emit menu->aboutToShow();
        QVERIFY(dnd->isChecked());
        QVERIFY2(dnd->text().contains(QStringLiteral("until")), qPrintable(dnd->text()));
        const auto quiet = m_window->lastPopup();
        say(QStringLiteral("ann, during dnd"));
        QCOMPARE(m_window->lastPopup(), quiet);
        {
            MainWindow again(m_settings.get()); // kept across a restart
            QVERIFY(again.notifier()->doNotDisturb());
        }
        // The hour is over.
        m_window->notifier()->setDoNotDisturbUntil(QDateTime::currentDateTime().addSecs(-1));
        emit menu->aboutToShow();
        QVERIFY(!dnd->isChecked());
        say(QStringLiteral("after dnd"));
        QVERIFY(m_window->lastPopup().second.contains(QStringLiteral("after dnd")));
        // Unchecking ends a timed one early; the tray menu (the way in from the overlay, whose
        // menu bar is hidden) shows the same state and offers the same actions.
        hour->trigger();
        QMenu *trayMenu = m_window->tray()->contextMenu();
        QVERIFY(trayMenu);
        for (QAction *action : {popups, dnd, hour})
            QVERIFY(trayMenu->actions().contains(action));
        emit trayMenu->aboutToShow();
        QVERIFY(dnd->isChecked());
        dnd->setChecked(false);
        QVERIFY(!m_settings->doNotDisturbUntil().isValid());
        QVERIFY(!m_window->notifier()->doNotDisturb());
    }

    // Without a tray (offscreen has none) the overlay, whose menu bar is hidden, has its own menu
    // at the end of the tab bar: by keyboard (Alt+N, then the item's letter) and by mouse,
    // notifications go off and on again and do-not-disturb is set and ended, in the settings.
    void overlayMenuWithoutTray()
    {
        QVERIFY(!m_window->tray()->isVisible());
        m_window->setCompact(true);
        QApplication::processEvents();
        QVERIFY(!m_window->menuBar()->isVisible());
        QToolButton *button = m_window->overlayMenuButton();
        QMenu *menu = m_window->overlayMenu();
        QVERIFY(button && menu);
        QVERIFY(button->isVisible());
        QVERIFY(m_window->rect().contains(
            QRect(button->mapTo(m_window.get(), QPoint(0, 0)), button->size())));
        QVERIFY(ictest::showActive(m_window.get()));
        auto openByKey = [&] {
            QTest::keyClick(m_window.get(), Qt::Key_N, Qt::AltModifier);
            return QTest::qWaitFor([&] { return menu->isVisible(); }, 2000);
        };
        QVERIFY(m_settings->notificationsEnabled());
        QVERIFY(openByKey());
        QTest::keyClick(menu, Qt::Key_N); // Show &notifications
        QTRY_VERIFY(!menu->isVisible());
        QVERIFY(!m_settings->notificationsEnabled());
        QVERIFY(!m_window->notifier()->popupsEnabled());
        QVERIFY(openByKey());
        QTest::keyClick(menu, Qt::Key_N);
        QTRY_VERIFY(!menu->isVisible());
        QVERIFY(m_settings->notificationsEnabled());
        QVERIFY(m_window->notifier()->popupsEnabled());

        // Do not disturb for an hour, by mouse; the menu then says until when; D ends it.
        QVERIFY(!m_window->notifier()->doNotDisturb());
        QTest::mouseClick(button, Qt::LeftButton);
        QTRY_VERIFY(menu->isVisible());
        QTest::keyClick(menu, Qt::Key_H); // Do not disturb for 1 &hour
        QTRY_VERIFY(!menu->isVisible());
        QVERIFY(m_settings->doNotDisturbUntil() > QDateTime::currentDateTime().addSecs(3500));
        QVERIFY(m_window->notifier()->doNotDisturb());
        QVERIFY(openByKey());
        auto *dnd = m_window->findChild<QAction *>(QStringLiteral("doNotDisturbAction"));
        QVERIFY(dnd && menu->actions().contains(dnd));
        QVERIFY(dnd->isChecked());
        QVERIFY2(dnd->text().contains(QStringLiteral("until")), qPrintable(dnd->text()));
        QTest::keyClick(menu, Qt::Key_D);
        QTRY_VERIFY(!menu->isVisible());
        QVERIFY(!m_window->notifier()->doNotDisturb());
        QVERIFY(!m_settings->doNotDisturbUntil().isValid());
        // Lasting do-not-disturb, and back to the full window from the same menu (O).
        QVERIFY(openByKey());
        QTest::keyClick(menu, Qt::Key_D);
        QTRY_VERIFY(!menu->isVisible());
        QVERIFY(m_settings->doNotDisturb());
        QVERIFY(openByKey());
        QTest::keyClick(menu, Qt::Key_O);
        QTRY_VERIFY(!m_window->isCompact());
        QVERIFY(m_window->menuBar()->isVisible());
        QVERIFY(!button->isVisible()); // the full window has its menu bar
        // In the full window Alt+N is the menu bar's again, not the overlay menu's.
        auto *open = m_window->findChild<QAction *>(QStringLiteral("overlayMenuAction"));
        QVERIFY(open && !open->isEnabled());
    }

    // Highlight words are set in the Notifications menu's dialog and make a message a mention
    // (instead of the default, my name).
    void highlightWordsFromTheMenu()
    {
        m_second->session()->applyFrame(
            ictest::members({ictest::user(QStringLiteral("u-me"), QStringLiteral("Ann")),
                             ictest::user(QStringLiteral("u-x"), QStringLiteral("x"))}));
        m_second->session()->applyFrame(ictest::joinReply(QStringLiteral("u-me")));
        auto *action = m_window->findChild<QAction *>(QStringLiteral("highlightWordsAction"));
        QVERIFY(action);
        action->trigger();
        QInputDialog *dialog = nullptr;
        QVERIFY(QTest::qWaitFor(
            [&] {
                return (dialog = m_window->findChild<QInputDialog *>(
                            QStringLiteral("highlightDialog"))) != nullptr;
            },
            2000));
        QCOMPARE(dialog->textValue(), QString()); // empty: my name
        dialog->setTextValue(QStringLiteral(" release , deploy,"));
        dialog->accept();
        QCOMPARE(m_settings->highlightWords(),
                 (QStringList{QStringLiteral("release"), QStringLiteral("deploy")}));
        QSignalSpy arrived(m_second->session(), &RoomSession::messageArrived);
        m_second->session()->applyFrame(ictest::frame(
            "TM", {ictest::msg(61, QStringLiteral("u-x"), QStringLiteral("deploy is done"))}));
        m_second->session()->applyFrame(ictest::frame(
            "TM", {ictest::msg(62, QStringLiteral("u-x"), QStringLiteral("ann, hello"))}));
        m_second->session()->applyFrame(ictest::frame(
            "TM", {ictest::msg(63, QStringLiteral("u-x"), QStringLiteral("@Ann, hello"))}));
        QCOMPARE(arrived.count(), 3);
        QCOMPARE(arrived.at(0).at(1).toBool(), true);  // a highlight word
        QCOMPARE(arrived.at(1).at(1).toBool(), false); // my bare name no longer is one
        QCOMPARE(arrived.at(2).at(1).toBool(), true);  // "@Ann" always is
    }

    void closeToTray()
    {
        auto *action = m_window->findChild<QAction *>(QStringLiteral("closeToTrayAction"));
        QVERIFY(action);
        QVERIFY(!action->isChecked()); // an option, off by default
        QCOMPARE(action->isEnabled(), QSystemTrayIcon::isSystemTrayAvailable());
        m_settings->setCloseToTray(true);
        m_window->tray()->setVisible(true); // as if a tray existed
        QVERIFY(!m_window->close());        // hidden, not closed
        QVERIFY(!m_window->isVisible());
        m_window->tray()->setVisible(false); // no tray: closing closes
        m_window->show();
        QVERIFY(m_window->close());
    }

    void soundSetting()
    {
        auto *action = m_window->findChild<QAction *>(QStringLiteral("soundAction"));
        QVERIFY(action);
        QVERIFY(!action->isChecked()); // off by default
        Notifier *n = m_window->notifier();
        QVERIFY(!n->soundEnabled());
        emit m_view->session()->messageArrived(5, true);
        QCOMPARE(n->soundsPlayed(), 0);
        action->setChecked(true);
        QVERIFY(m_settings->soundEnabled());
        // Focused window, another room: no sound; a mention: sound.
        emit m_second->session()->messageArrived(1, false);
        QCOMPARE(n->soundsPlayed(), 0);
        emit m_second->session()->messageArrived(1, true);
        QCOMPARE(n->soundsPlayed(), 1);
    }

    void customPenColour()
    {
        DrawingWindow window(QStringLiteral("room"));
        window.show();
        auto *custom = window.findChild<QToolButton *>(QStringLiteral("customColour"));
        QVERIFY(custom);
        QTest::mouseClick(custom, Qt::LeftButton);
        auto *dialog = window.findChild<QColorDialog *>(QStringLiteral("customColourDialog"));
        QVERIFY(dialog);
        dialog->setCurrentColor(QColor(0x12, 0x34, 0x56));
        dialog->accept();
        QCOMPARE(window.canvas()->penColour(), QColor(0x12, 0x34, 0x56));
        QVERIFY(custom->isChecked());
        QVERIFY(custom->toolTip().contains(QStringLiteral("#123456")));
    }
};

QTEST_MAIN(TestDesktopWidgets)
#include "tst_desktopwidgets.moc"
