#include "MainWindow.h"

#include "Composer.h"
#include "DrawingWindow.h"
#include "Icons.h"
#include "JoinDialog.h"
#include "Notifier.h"
#include "PlainText.h"
#include "RoomLink.h"
#include "RoomView.h"
#include "TextFormat.h"
#include "Theme.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QInputDialog>
#include <QLabel>
#include <QLayout>
#include <QListWidget>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QScreen>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStackedWidget>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWindow>

namespace ic::desktop {

MainWindow::MainWindow(AppSettings *settings, QWidget *parent)
    : QMainWindow(parent), m_settings(settings), m_stack(new QStackedWidget(this)),
      m_tabs(new QTabWidget(this)), m_tray(new QSystemTrayIcon(icons::tray(0, false), this)),
      m_notifier(new Notifier(this))
{
    m_notifier->setSoundEnabled(m_settings->soundEnabled());
    m_notifier->setDoNotDisturb(m_settings->doNotDisturb());
    m_notifier->setDoNotDisturbUntil(m_settings->doNotDisturbUntil());
    m_notifier->setPopupsEnabled(m_settings->notificationsEnabled());
    setWindowIcon(icons::app());
    setWindowTitle(QStringLiteral("instantchat"));
    m_tabs->setDocumentMode(true);
    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setElideMode(Qt::ElideRight);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, &MainWindow::closeRoom);
    connect(m_tabs, &QTabWidget::currentChanged, this, &MainWindow::updateActiveRoom);
    // A stack asks for the widest of all its pages; only the room on screen may decide how
    // narrow the window can be.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this](int current) {
        for (int i = 0; i < m_tabs->count(); ++i) {
            const auto policy = i == current ? QSizePolicy::Preferred : QSizePolicy::Ignored;
            m_tabs->widget(i)->setSizePolicy(policy, policy);
        }
    });
    m_stack->addWidget(buildStartPage());
    m_stack->addWidget(m_tabs);
    setCentralWidget(m_stack);
    buildMenus();

    auto *trayMenu = new QMenu(this);
    trayMenu->addAction(QStringLiteral("Show instantchat"), this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    trayMenu->addAction(QStringLiteral("Join a room…"), this, [this] { showJoinDialog(); });
    trayMenu->addSeparator();
    // Also here: the overlay hides the menu bar, and quieting the app is what a tray menu is for.
    for (const char *name : {"notificationsAction", "doNotDisturbAction", "doNotDisturbHourAction"})
        if (auto *action = findChild<QAction *>(QLatin1String(name)))
            trayMenu->addAction(action);
    connect(trayMenu, &QMenu::aboutToShow, this, &MainWindow::refreshDoNotDisturbAction);
    trayMenu->addSeparator();
    trayMenu->addAction(QStringLiteral("Quit"), qApp, &QApplication::quit);
    m_tray->setContextMenu(trayMenu);
    buildOverlayMenu();
    m_tray->setToolTip(QStringLiteral("instantchat"));
    connect(m_tray, &QSystemTrayIcon::activated, this,
            [this](QSystemTrayIcon::ActivationReason reason) {
                if (reason == QSystemTrayIcon::Trigger) {
                    if (isVisible() && isActiveWindow()) {
                        hide();
                    } else {
                        showNormal();
                        raise();
                        activateWindow();
                    }
                }
            });
    if (QSystemTrayIcon::isSystemTrayAvailable())
        m_tray->show();
    connect(qApp, &QApplication::applicationStateChanged, this, &MainWindow::updateActiveRoom);
    // The first size fits the screen it opens on (at QT_SCALE_FACTOR=2 a fixed 1060×720 did not).
    QSize first(1060, 720);
    if (QScreen *shown = screen())
        first = first.boundedTo(shown->availableGeometry().size() * 9 / 10);
    resize(first);
    if (const QByteArray geometry = m_settings->windowGeometry(); !geometry.isEmpty()) {
        restoreGeometry(geometry);
        clampToScreen();
    }
    // Quit from the tray menu or Ctrl+Q does not always pass through closeEvent.
    connect(qApp, &QCoreApplication::aboutToQuit, this, &MainWindow::saveSession);

    if (!m_settings->hasServer())
        QMetaObject::invokeMethod(this, &MainWindow::askServer, Qt::QueuedConnection);
}

MainWindow::~MainWindow() = default;

void MainWindow::clampToScreen()
{
    // The screen it was on may be gone (a detached monitor): bring the window back onto one.
    QScreen *target = QGuiApplication::screenAt(frameGeometry().center());
    if (!target)
        target = QGuiApplication::primaryScreen();
    if (!target)
        return;
    const QRect avail = target->availableGeometry();
    if (isMaximized() || isFullScreen())
        return;
    resize(size().boundedTo(avail.size()));
    const QRect frame = frameGeometry();
    QPoint pos = frame.topLeft();
    pos.setX(
        std::clamp(pos.x(), avail.left(), std::max(avail.left(), avail.right() - frame.width())));
    pos.setY(
        std::clamp(pos.y(), avail.top(), std::max(avail.top(), avail.bottom() - frame.height())));
    if (pos != frame.topLeft())
        move(pos);
}

void MainWindow::saveSession()
{
    QList<OpenRoom> rooms;
    for (int i = 0; i < roomCount(); ++i) {
        const RoomConnection *c = roomView(i)->connection();
        rooms.append({c->config().server, c->roomName()});
    }
    m_settings->setOpenRooms(rooms, m_tabs->currentIndex());
    m_settings->setWindowGeometry(m_compact ? m_normalGeometry : saveGeometry());
    if (const RoomView *v = currentRoom())
        m_settings->setSplitterState(v->splitter()->saveState());
    m_settings->sync();
}

void MainWindow::restoreSession()
{
    const QList<OpenRoom> rooms = m_settings->openRooms();
    QList<RoomView *> opened;
    for (const OpenRoom &r : rooms) {
        const QString input =
            r.server.isEmpty() ? r.room : roomPageUrl(r.server, r.room).toString();
        opened.append(openRoom(input));
    }
    const int current = m_settings->currentOpenRoom();
    if (current >= 0 && current < opened.size() && opened[current])
        m_tabs->setCurrentWidget(opened[current]);
}

void MainWindow::buildMenus()
{
    QMenu *room = menuBar()->addMenu(QStringLiteral("&Room"));
    QAction *join =
        room->addAction(QStringLiteral("&Join or create…"), this, [this] { showJoinDialog(); });
    join->setShortcut(QKeySequence(QStringLiteral("Ctrl+K")));
    QAction *draw = room->addAction(QStringLiteral("&Draw…"), this, [this] {
        if (auto *v = currentRoom())
            v->openDrawing();
    });
    draw->setShortcut(QKeySequence(QStringLiteral("Ctrl+D")));
    QAction *leave = room->addAction(QStringLiteral("&Leave room"), this, [this] {
        if (m_tabs->count())
            closeRoom(m_tabs->currentIndex());
    });
    leave->setShortcut(QKeySequence(QStringLiteral("Ctrl+W")));
    room->addAction(QStringLiteral("Save chat as &text…"), this,
                    [this] {
                        if (auto *v = currentRoom())
                            v->saveTranscript();
                    })
        ->setShortcut(QKeySequence::Save);
    room->addSeparator();
    room->addAction(QStringLiteral("&Server address…"), this, &MainWindow::askServer);
    room->addSeparator();
    QAction *quit = room->addAction(QStringLiteral("&Quit"), qApp, &QApplication::quit);
    // Spelled out: QKeySequence::Quit is empty where the platform theme has no key scheme for it.
    quit->setShortcut(QKeySequence(QStringLiteral("Ctrl+Q")));

    QMenu *view = menuBar()->addMenu(QStringLiteral("&View"));
    QAction *search = view->addAction(QStringLiteral("&Search messages"), this, [this] {
        if (auto *v = currentRoom())
            v->openSearch();
    });
    search->setShortcut(QKeySequence(QStringLiteral("Ctrl+F")));
    QAction *next = view->addAction(QStringLiteral("&Next room"), this, [this] { nextRoom(1); });
    next->setShortcuts(
        {QKeySequence(QStringLiteral("Ctrl+Tab")), QKeySequence(QStringLiteral("Ctrl+PgDown"))});
    QAction *prev =
        view->addAction(QStringLiteral("&Previous room"), this, [this] { nextRoom(-1); });
    prev->setShortcuts({QKeySequence(QStringLiteral("Ctrl+Shift+Tab")),
                        QKeySequence(QStringLiteral("Ctrl+PgUp"))});
    QAction *firstUnread = view->addAction(QStringLiteral("Jump to first &unread"), this, [this] {
        if (auto *v = currentRoom())
            v->jumpToFirstUnread();
    });
    firstUnread->setShortcut(QKeySequence(QStringLiteral("Ctrl+J")));
    view->addSeparator();
    QAction *density = view->addAction(QStringLiteral("Compact &messages (one line each)"));
    density->setObjectName(QStringLiteral("compactMessagesAction"));
    density->setCheckable(true);
    density->setChecked(m_settings->compactMessages());
    connect(density, &QAction::toggled, this, [this](bool on) {
        m_settings->setCompactMessages(on);
        for (int i = 0; i < roomCount(); ++i)
            roomView(i)->setCompactMessages(on);
    });
    QAction *compact = view->addAction(QStringLiteral("Compact &overlay (always on top)"));
    compact->setObjectName(QStringLiteral("compactAction"));
    compact->setCheckable(true);
    compact->setShortcut(QKeySequence(QStringLiteral("Ctrl+Shift+O")));
    // The menu bar is hidden in overlay mode: the shortcut must work without it.
    compact->setShortcutContext(Qt::ApplicationShortcut);
    addAction(compact);
    connect(compact, &QAction::toggled, this, &MainWindow::setCompact);
    // The menu bar is hidden in overlay mode, and a hidden menu's shortcuts do not fire: every
    // action is also the window's own, so Ctrl+K/F/W/Q/Tab work in both modes.
    for (QMenu *menu : {room, view})
        for (QAction *action : menu->actions())
            if (!action->isSeparator() && !action->shortcut().isEmpty())
                addAction(action);
    QAction *notices = view->addAction(QStringLiteral("Show &join/leave notices"));
    notices->setCheckable(true);
    notices->setChecked(m_settings->showNotices());
    connect(notices, &QAction::toggled, this, [this](bool on) {
        m_settings->setShowNotices(on);
        for (int i = 0; i < roomCount(); ++i)
            roomView(i)->setShowNotices(on);
    });
    QAction *sound = view->addAction(QStringLiteral("Play a &sound for new messages"));
    sound->setObjectName(QStringLiteral("soundAction"));
    sound->setToolTip(QStringLiteral("While the window is not focused, and always for mentions"));
    sound->setCheckable(true);
    sound->setChecked(m_settings->soundEnabled());
    connect(sound, &QAction::toggled, this, [this](bool on) {
        m_settings->setSoundEnabled(on);
        m_notifier->setSoundEnabled(on);
    });
    buildNotificationMenu(menuBar()->addMenu(QStringLiteral("&Notifications")));
    QMenu *themeMenu = view->addMenu(QStringLiteral("&Theme"));
    auto *group = new QActionGroup(this);
    const QList<std::pair<QString, AppSettings::Theme>> themes = {
        {QStringLiteral("Follow system"), AppSettings::Theme::System},
        {QStringLiteral("Light"), AppSettings::Theme::Light},
        {QStringLiteral("Dark"), AppSettings::Theme::Dark}};
    for (const auto &[label, value] : themes) {
        QAction *a = themeMenu->addAction(label);
        a->setCheckable(true);
        a->setChecked(m_settings->theme() == value);
        group->addAction(a);
        const AppSettings::Theme t = value;
        connect(a, &QAction::triggered, this, [this, t] {
            m_settings->setTheme(t);
            theme::apply(t);
        });
    }
}

QWidget *MainWindow::buildStartPage()
{
    auto *page = new QWidget(this);
    auto *outer = new QVBoxLayout(page);
    outer->addStretch(1);
    auto *card = new QWidget(page);
    card->setMaximumWidth(520);
    auto *layout = new QVBoxLayout(card);
    auto *logo = new QLabel(card);
    logo->setPixmap(icons::app().pixmap(72, 72));
    logo->setAlignment(Qt::AlignCenter);
    auto *title = new QLabel(QStringLiteral("<h1>instantchat</h1>"), card);
    title->setAlignment(Qt::AlignCenter);
    auto *intro =
        new QLabel(QStringLiteral("Anonymous chat rooms, no registration. A room is just a name: "
                                  "share it, and everyone who "
                                  "knows it can join. Messages live in the server's memory only."),
                   card);
    intro->setWordWrap(true);
    intro->setAlignment(Qt::AlignCenter);
    auto *join = new QPushButton(QStringLiteral("Join or create a room   (Ctrl+K)"), card);
    join->setDefault(true);
    join->setMinimumHeight(36);
    connect(join, &QPushButton::clicked, this, [this] { showJoinDialog(); });
    auto *recentTitle =
        new QLabel(QStringLiteral("<b>Recent rooms</b> — double-click to open"), card);
    m_startRecent = new QListWidget(card);
    m_startRecent->setMaximumHeight(180);
    connect(m_startRecent, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { openRoom(item->data(Qt::UserRole).toString()); });
    auto *server = plainLabel(new QLabel(card));
    server->setAlignment(Qt::AlignCenter);
    server->setForegroundRole(QPalette::PlaceholderText);
    auto updateServer = [this, server] {
        server->setText(QStringLiteral("Server: %1").arg(m_settings->server().toString()));
    };
    updateServer();
    connect(m_settings, &AppSettings::recentRoomsChanged, this, [this, updateServer] {
        fillStartPage();
        updateServer();
    });
    layout->addWidget(logo);
    layout->addWidget(title);
    layout->addWidget(intro);
    layout->addSpacing(12);
    layout->addWidget(join);
    layout->addSpacing(12);
    layout->addWidget(recentTitle);
    layout->addWidget(m_startRecent);
    layout->addWidget(server);
    auto *row = new QHBoxLayout;
    row->addStretch();
    row->addWidget(card, 1);
    row->addStretch();
    outer->addLayout(row);
    outer->addStretch(2);
    fillStartPage();
    return page;
}

void MainWindow::fillStartPage()
{
    m_startRecent->clear();
    for (const auto &r : m_settings->recentRooms()) {
        auto *item =
            new QListWidgetItem(QStringLiteral("%1   —   %2, %3")
                                    .arg(r.room, serverLabel(r.server),
                                         QLocale().toString(r.lastVisit, QLocale::ShortFormat)),
                                m_startRecent);
        item->setData(Qt::UserRole, roomPageUrl(r.server, r.room).toString());
    }
}

void MainWindow::askServer()
{
    auto *dialog = new QInputDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(QStringLiteral("instantchat server"));
    dialog->setLabelText(QStringLiteral("Address of the instantchat server (its balancer):"));
    dialog->setTextValue(m_settings->server().toString());
    dialog->setObjectName(QStringLiteral("serverDialog"));
    connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &text) {
        const ServerAddress address = parseServerAddress(text);
        if (!address.error.isEmpty()) {
            // Said, never dropped silently; the old address stays.
            auto *box = new QMessageBox(QMessageBox::Warning, QStringLiteral("Server address"),
                                        address.error, QMessageBox::Ok, this);
            box->setObjectName(QStringLiteral("serverAddressError"));
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
            return;
        }
        m_settings->setServer(address.url);
        emit m_settings->recentRoomsChanged(); // refreshes the start page's server line
    });
    dialog->open();
}

void MainWindow::showJoinDialog(const QString &prefill)
{
    auto *dialog = new JoinDialog(m_settings, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!prefill.isEmpty())
        dialog->setInput(prefill);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const RoomLink link = dialog->link();
        const QString input =
            link.server.isEmpty() ? link.room : roomPageUrl(link.server, link.room).toString();
        if (!dialog->userName().isEmpty())
            m_settings->setUserName(dialog->userName());
        openRoom(input, dialog->password(), dialog->userName());
    });
    dialog->open();
}

RoomView *MainWindow::openRoom(const QString &input, const QString &password,
                               const QString &userName)
{
    const RoomLink link = parseRoomInput(input);
    if (!link.isValid())
        return nullptr;
    const QUrl server = link.server.isEmpty() ? m_settings->server() : link.server;
    for (int i = 0; i < roomCount(); ++i) {
        RoomView *v = roomView(i);
        if (v->connection()->roomName() == link.room &&
            v->connection()->config().server == server) {
            // A room that has not let us in (a wrong password, say) is tried again with the
            // password given now; a joined room just comes to the front.
            const bool retry = !v->connection()->session()->joined() && !password.isEmpty() &&
                               password != v->connection()->config().password;
            if (!retry) {
                m_tabs->setCurrentIndex(i);
                return v;
            }
            closeRoom(i);
            break;
        }
    }
    RoomConnection::Config config;
    config.server = server;
    config.room = link.room;
    config.password = password;
    config.userName = userName.isEmpty() ? m_settings->userName() : userName;
    config.cookie = m_settings->cookie(server);
    config.origin = m_origin;
    return adoptRoom(new RoomConnection(config), true);
}

RoomView *MainWindow::adoptRoom(RoomConnection *connection, bool start)
{
    const QUrl server = connection->config().server;
    const QString room = connection->roomName();
    auto *view = new RoomView(connection, m_settings);
    connection->setParent(view);
    view->setShowNotices(m_settings->showNotices());
    view->setCompact(m_compact);
    view->setCompactMessages(m_settings->compactMessages());
    if (const QByteArray state = m_settings->splitterState(); !state.isEmpty())
        view->splitter()->restoreState(state);
    connect(connection, &RoomConnection::cookieChanged, this,
            [this, server](const QByteArray &cookie) {
                // Kept so identity, creator rights and password authorisations survive restarts.
                m_settings->setCookie(server, cookie);
                m_settings->sync();
            });
    RoomSession *session = connection->session();
    session->setHighlightWords(m_settings->highlightWords());
    connect(session, &RoomSession::unreadChanged, this, &MainWindow::updateUnread);
    connect(session, &RoomSession::messageArrived, this,
            [this, view](qint64 id, bool mention) { notify(view, id, mention); });
    connect(view, &RoomView::changeServerRequested, this, &MainWindow::askServer);
    connect(view, &RoomView::leaveRequested, this,
            [this, view] { closeRoom(m_tabs->indexOf(view)); });
    connect(view, &RoomView::openRoomRequested, this, [this, view, server](const QString &name) {
        // The refused room's tab has nothing to show: the chosen name replaces it.
        const int failed = m_tabs->indexOf(view);
        const QString input = server.isEmpty() ? name : roomPageUrl(server, name).toString();
        if (openRoom(input) && failed >= 0)
            closeRoom(m_tabs->indexOf(view));
    });

    const int index = m_tabs->addTab(view, room);
    m_tabs->setTabToolTip(index, roomPageUrl(server, room).toString());
    m_stack->setCurrentWidget(m_tabs);
    m_tabs->setCurrentIndex(index);
    m_settings->touchRecentRoom(server, room);
    if (start)
        connection->start();
    view->composer()->setFocus();
    updateUnread();
    return view;
}

RoomView *MainWindow::roomView(int index) const
{
    return qobject_cast<RoomView *>(m_tabs->widget(index));
}

RoomView *MainWindow::currentRoom() const
{
    return qobject_cast<RoomView *>(m_tabs->currentWidget());
}

int MainWindow::roomCount() const
{
    return m_tabs->count();
}

void MainWindow::closeRoom(int index)
{
    RoomView *view = roomView(index);
    if (!view)
        return;
    view->saveDraft();
    view->connection()->stop();
    m_tabs->removeTab(index);
    view->deleteLater();
    if (m_tabs->count() == 0)
        m_stack->setCurrentIndex(0);
    updateUnread();
}

void MainWindow::nextRoom(int step)
{
    const int n = m_tabs->count();
    if (n > 1)
        m_tabs->setCurrentIndex(((m_tabs->currentIndex() + step) % n + n) % n);
}

int MainWindow::totalUnread() const
{
    int total = 0;
    for (int i = 0; i < roomCount(); ++i)
        total += roomView(i)->session()->unreadCount();
    return total;
}

QString MainWindow::tabLabel(int index) const
{
    return m_tabs->tabText(index);
}

void MainWindow::updateUnread()
{
    int total = 0;
    bool anyMention = false;
    for (int i = 0; i < roomCount(); ++i) {
        RoomSession *s = roomView(i)->session();
        const int unread = s->unreadCount();
        const bool mention = s->mentionCount() > 0;
        total += unread;
        anyMention = anyMention || mention;
        // The count is in the text too: state is not told by the badge colour alone.
        m_tabs->setTabText(i, unread ? QStringLiteral("%1 (%2)").arg(s->roomName()).arg(unread)
                                     : s->roomName());
        m_tabs->setTabIcon(i, unread ? icons::badge(unread, mention) : QIcon());
    }
    m_tray->setIcon(icons::tray(total, anyMention));
    m_tray->setToolTip(total ? QStringLiteral("instantchat — %1 unread").arg(total)
                             : QStringLiteral("instantchat"));
    const RoomView *current = currentRoom();
    QString title = current ? QStringLiteral("%1 — instantchat").arg(current->session()->roomName())
                            : QStringLiteral("instantchat");
    if (total)
        title = QStringLiteral("(%1) ").arg(total) + title;
    setWindowTitle(title);
    emit unreadChanged(total);
}

void MainWindow::updateActiveRoom()
{
    // A room is "being read" when its tab is current and the window has focus.
    const bool focused = isActiveWindow() && !isMinimized() && isVisible();
    for (int i = 0; i < roomCount(); ++i)
        roomView(i)->session()->setActive(focused && i == m_tabs->currentIndex());
    updateUnread();
}

void MainWindow::notify(RoomView *view, qint64 id, bool mention)
{
    // The rule (window focus, room shown, mention, sound setting) lives in Notifier.
    const bool focused = isActiveWindow() && !isMinimized() && isVisible();
    const bool muted =
        m_settings->isMuted(view->connection()->config().server, view->connection()->roomName());
    if (!m_notifier->messageArrived(focused, view == currentRoom(), mention, muted).popup)
        return;
    const ChatMessage *m = view->session()->messages()->messageById(id);
    if (!m)
        return;
    const QString author = view->session()->users()->nameOf(m->authorId);
    const QString body = m->kind == ChatMessage::Kind::Drawing ? QStringLiteral("sent a drawing")
                                                               : snippet(m->text, 120);
    const QString title =
        mention ? QStringLiteral("%1 mentioned you in %2").arg(author, view->session()->roomName())
                : QStringLiteral("%1 in %2").arg(author, view->session()->roomName());
    m_lastPopup = {notificationText(title), notificationText(body)};
    if (m_tray->isVisible() && QSystemTrayIcon::supportsMessages())
        m_tray->showMessage(m_lastPopup.first, m_lastPopup.second, icons::app(),
                            mention ? 10000 : 5000);
    QApplication::alert(this);
}

void MainWindow::setCompact(bool compact)
{
    if (compact == m_compact)
        return;
    m_compact = compact;
    if (compact)
        m_normalGeometry = saveGeometry();
    // On the native window only: QWidget::setWindowFlag would re-create it, and the new one lost
    // the activation (shortcuts dead, the room on screen counting unread) until focus moved.
    if (QWindow *window = windowHandle())
        window->setFlag(Qt::WindowStaysOnTopHint, compact);
    else
        setWindowFlag(Qt::WindowStaysOnTopHint, compact);
    menuBar()->setVisible(!compact);
    m_overlayButton->setVisible(compact);
    if (auto *open = findChild<QAction *>(QStringLiteral("overlayMenuAction")))
        open->setEnabled(compact);
    for (int i = 0; i < roomCount(); ++i)
        roomView(i)->setCompact(compact);
    if (compact) {
        // The hidden header and members must leave the layout before the window can shrink:
        // every pending layout request (the splitter's, the tab stack's) is handled first, or the
        // window keeps the old minimum as its width.
        QApplication::sendPostedEvents(nullptr, QEvent::LayoutRequest);
        for (int i = 0; i < roomCount(); ++i)
            if (QLayout *l = roomView(i)->layout())
                l->activate();
        layout()->activate();
        // Never larger than the screen (at QT_SCALE_FACTOR=2 a small one is 400 px wide).
        QSize overlay(380, 560);
        if (QScreen *shown = screen()) {
            const QSize frame = frameGeometry().size() - size();
            overlay = overlay.boundedTo(shown->availableGeometry().size() - frame);
        }
        resize(overlay);
    } else
        restoreGeometry(m_normalGeometry);
    show();
    updateActiveRoom();
    if (auto *a = findChild<QAction *>(QStringLiteral("compactAction")))
        a->setChecked(compact);
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    for (int i = 0; i < roomCount(); ++i)
        roomView(i)->saveDraft();
    saveSession();
    if (m_settings->closeToTray() && m_tray->isVisible()) {
        // Still in the rooms; the tray icon brings the window back, its menu quits.
        hide();
        event->ignore();
        return;
    }
    event->accept();
}

void MainWindow::buildNotificationMenu(QMenu *menu)
{
    // Two different wishes: "never show me popups" is a lasting preference (Show notifications);
    // "leave me alone for now" is do-not-disturb, which also silences sounds and mentions and
    // can end by itself.
    QAction *popups = menu->addAction(QStringLiteral("Show &notifications"));
    popups->setObjectName(QStringLiteral("notificationsAction"));
    popups->setToolTip(QStringLiteral("Popups for new messages; off: only the unread counts"));
    popups->setCheckable(true);
    popups->setChecked(m_settings->notificationsEnabled());
    connect(popups, &QAction::toggled, this, [this](bool on) {
        m_settings->setNotificationsEnabled(on);
        m_notifier->setPopupsEnabled(on);
    });
    menu->addSeparator();
    QAction *dnd = menu->addAction(QStringLiteral("&Do not disturb"));
    dnd->setObjectName(QStringLiteral("doNotDisturbAction"));
    dnd->setToolTip(QStringLiteral("No popups and no sounds, mentions included"));
    dnd->setCheckable(true);
    dnd->setChecked(m_notifier->doNotDisturb());
    connect(dnd, &QAction::toggled, this, [this](bool on) {
        // Checking it means "until I turn it off"; unchecking ends a timed one as well.
        m_settings->setDoNotDisturb(on);
        m_notifier->setDoNotDisturb(on);
        if (!on) {
            m_settings->setDoNotDisturbUntil({});
            m_notifier->setDoNotDisturbUntil({});
        }
    });
    auto timed = [this, menu](const QString &label, const QString &name, auto until) {
        QAction *a = menu->addAction(label, this, [this, until] {
            const QDateTime end = until(QDateTime::currentDateTime());
            m_settings->setDoNotDisturb(false);
            m_notifier->setDoNotDisturb(false);
            m_settings->setDoNotDisturbUntil(end);
            m_notifier->setDoNotDisturbUntil(end);
        });
        a->setObjectName(name);
    };
    timed(QStringLiteral("Do not disturb for 1 &hour"), QStringLiteral("doNotDisturbHourAction"),
          [](const QDateTime &now) { return now.addSecs(3600); });
    timed(QStringLiteral("Do not disturb until &tomorrow 8:00"),
          QStringLiteral("doNotDisturbTomorrowAction"),
          [](const QDateTime &now) { return QDateTime(now.date().addDays(1), QTime(8, 0)); });
    connect(menu, &QMenu::aboutToShow, this, &MainWindow::refreshDoNotDisturbAction);
    menu->addSeparator();
    QAction *mute = menu->addAction(QStringLiteral("&Mute this room"));
    mute->setObjectName(QStringLiteral("muteAction"));
    mute->setToolTip(QStringLiteral("Popups and sounds from this room only for mentions"));
    mute->setCheckable(true);
    connect(mute, &QAction::triggered, this, [this](bool on) {
        if (RoomView *v = currentRoom())
            m_settings->setMuted(v->connection()->config().server, v->connection()->roomName(), on);
    });
    connect(menu, &QMenu::aboutToShow, this, &MainWindow::refreshMuteAction);
    QAction *highlight = menu->addAction(QStringLiteral("&Highlight words…"), this, [this] {
        auto *dialog = new QInputDialog(this);
        dialog->setObjectName(QStringLiteral("highlightDialog"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setWindowTitle(QStringLiteral("Highlight words"));
        dialog->setLabelText(QStringLiteral("Messages with these words count as mentions "
                                            "(comma-separated; empty: your name; "
                                            "@your name always counts):"));
        dialog->setTextValue(m_settings->highlightWords().join(QStringLiteral(", ")));
        connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &text) {
            QStringList words;
            for (const QString &word : text.split(QLatin1Char(',')))
                if (!word.trimmed().isEmpty())
                    words << word.trimmed();
            setHighlightWords(words);
        });
        dialog->open();
    });
    highlight->setObjectName(QStringLiteral("highlightWordsAction"));
    menu->addSeparator();
    QAction *toTray = menu->addAction(QStringLiteral("&Close to tray"));
    toTray->setObjectName(QStringLiteral("closeToTrayAction"));
    toTray->setToolTip(QStringLiteral("Closing the window keeps you in your rooms"));
    toTray->setCheckable(true);
    toTray->setChecked(m_settings->closeToTray());
    toTray->setEnabled(QSystemTrayIcon::isSystemTrayAvailable());
    connect(toTray, &QAction::toggled, this, [this](bool on) { m_settings->setCloseToTray(on); });
}

void MainWindow::refreshMuteAction()
{
    // The check mark follows the room on screen.
    auto *mute = findChild<QAction *>(QStringLiteral("muteAction"));
    if (!mute)
        return;
    RoomView *v = currentRoom();
    mute->setEnabled(v);
    mute->setChecked(
        v && m_settings->isMuted(v->connection()->config().server, v->connection()->roomName()));
}

void MainWindow::buildOverlayMenu()
{
    // The same actions as the Notifications menu, so their state and settings are shared; their
    // mnemonics (n, s, d, h, t, m, o) do not clash here either.
    m_overlayMenu = new QMenu(this);
    m_overlayMenu->setObjectName(QStringLiteral("overlayMenu"));
    const QList<QList<const char *>> groups = {
        {"notificationsAction", "soundAction"},
        {"doNotDisturbAction", "doNotDisturbHourAction", "doNotDisturbTomorrowAction"},
        {"muteAction"},
        {"compactAction"}};
    for (const auto &group : groups) {
        if (!m_overlayMenu->isEmpty())
            m_overlayMenu->addSeparator();
        for (const char *name : group)
            if (auto *action = findChild<QAction *>(QLatin1String(name)))
                m_overlayMenu->addAction(action);
    }
    connect(m_overlayMenu, &QMenu::aboutToShow, this, &MainWindow::refreshDoNotDisturbAction);
    connect(m_overlayMenu, &QMenu::aboutToShow, this, &MainWindow::refreshMuteAction);

    m_overlayButton = new QToolButton(m_tabs);
    m_overlayButton->setObjectName(QStringLiteral("overlayMenuButton"));
    m_overlayButton->setText(QStringLiteral("\u2630"));
    m_overlayButton->setAccessibleName(QStringLiteral("Overlay menu"));
    m_overlayButton->setToolTip(
        QStringLiteral("Notifications, do not disturb, back to the full window (Alt+N)"));
    m_overlayButton->setAutoRaise(true);
    m_overlayButton->setCursor(Qt::PointingHandCursor);
    connect(m_overlayButton, &QToolButton::clicked, this, &MainWindow::openOverlayMenu);
    m_tabs->setCornerWidget(m_overlayButton, Qt::TopRightCorner);
    m_overlayButton->hide();

    // Alt+N is the Notifications menu's key in the full window; in the overlay (menu bar hidden,
    // its mnemonics dead) it opens this menu instead. Disabled outside the overlay, so the two
    // never compete for the key.
    auto *open = new QAction(QStringLiteral("Overlay menu"), this);
    open->setObjectName(QStringLiteral("overlayMenuAction"));
    open->setShortcut(QKeySequence(QStringLiteral("Alt+N")));
    open->setEnabled(false);
    connect(open, &QAction::triggered, this, &MainWindow::openOverlayMenu);
    addAction(open);
}

void MainWindow::openOverlayMenu()
{
    // Under its button when the tab bar shows it; otherwise (no room open) at the window's corner.
    const QPoint at = m_overlayButton->isVisible()
                          ? m_overlayButton->mapToGlobal(QPoint(0, m_overlayButton->height()))
                          : mapToGlobal(QPoint(0, 0));
    m_overlayMenu->popup(at);
    m_overlayMenu->setActiveAction(m_overlayMenu->actions().value(0));
}

void MainWindow::refreshDoNotDisturbAction()
{
    // The check mark says whether it is on now (a timed one ends by itself) and until when.
    auto *dnd = findChild<QAction *>(QStringLiteral("doNotDisturbAction"));
    if (!dnd)
        return;
    const QSignalBlocker quiet(dnd);
    dnd->setChecked(m_notifier->doNotDisturb());
    const QDateTime until = m_notifier->doNotDisturbUntil();
    dnd->setText(!m_notifier->doNotDisturb() || !until.isValid() || m_settings->doNotDisturb()
                     ? QStringLiteral("&Do not disturb")
                     : QStringLiteral("&Do not disturb (until %1)")
                           .arg(QLocale().toString(until, QLocale::ShortFormat)));
}

void MainWindow::setHighlightWords(const QStringList &words)
{
    m_settings->setHighlightWords(words);
    for (int i = 0; i < roomCount(); ++i)
        roomView(i)->session()->setHighlightWords(words);
}

void MainWindow::changeEvent(QEvent *event)
{
    if (event->type() == QEvent::ActivationChange || event->type() == QEvent::WindowStateChange)
        updateActiveRoom();
    QMainWindow::changeEvent(event);
}

} // namespace ic::desktop
