#pragma once
// The main window: a tab per room with unread badges, the start page, menus and shortcuts,
// tray icon with the total unread count, notifications, and the compact always-on-top overlay.

#include "AppSettings.h"

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QListWidget;
class QStackedWidget;
class QMenu;
class QSystemTrayIcon;
class QTabWidget;
class QToolButton;

namespace ic::desktop {

class Notifier;
class RoomConnection;
class RoomView;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(AppSettings *settings, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Opens (or switches to) a room. `input` is a room name or a link; returns the view.
    RoomView *openRoom(const QString &input, const QString &password = {},
                       const QString &userName = {});
    // Adds a tab for an existing connection (owned by the view from then on); `start` = connect.
    RoomView *adoptRoom(RoomConnection *connection, bool start);
    RoomView *roomView(int index) const;
    RoomView *currentRoom() const;
    int roomCount() const;
    QTabWidget *tabs() const { return m_tabs; }
    QSystemTrayIcon *tray() const { return m_tray; }
    int totalUnread() const;
    QString tabLabel(int index) const;
    bool isCompact() const { return m_compact; }
    Notifier *notifier() const { return m_notifier; }
    // The overlay's own menu (notifications, do not disturb, back to the full window): the menu
    // bar is hidden there and a tray may not exist. Its button sits at the end of the tab bar.
    QMenu *overlayMenu() const { return m_overlayMenu; }
    QToolButton *overlayMenuButton() const { return m_overlayButton; }
    void openOverlayMenu();
    // Options of the per-room connections (tests point them at a local stack).
    void setOriginOverride(const QString &origin) { m_origin = origin; }

    void showJoinDialog(const QString &prefill = {});
    void setCompact(bool compact);
    void nextRoom(int step = 1);
    void closeRoom(int index);
    // Highlight words for every room (empty: each room highlights your name); saved.
    void setHighlightWords(const QStringList &words);
    // The rooms open at the last quit, in their tab order, the current one in front (passwords
    // are not kept: the session cookie's authorisation lets a password room in, or it asks).
    void restoreSession();
    // Writes the open rooms, the window geometry and the splitter sizes to the settings.
    void saveSession();
    // The title and body of the last popup decided on, as handed to the tray (plain text).
    std::pair<QString, QString> lastPopup() const { return m_lastPopup; }

signals:
    void unreadChanged(int total);

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void buildMenus();
    void buildNotificationMenu(QMenu *menu);
    void refreshDoNotDisturbAction();
    void refreshMuteAction();
    void buildOverlayMenu();
    QWidget *buildStartPage();
    void fillStartPage();
    void updateUnread();
    void updateActiveRoom();
    void notify(RoomView *view, qint64 id, bool mention);
    void askServer();
    void clampToScreen();

    AppSettings *m_settings;
    QStackedWidget *m_stack;
    QTabWidget *m_tabs;
    QListWidget *m_startRecent;
    QSystemTrayIcon *m_tray;
    QMenu *m_overlayMenu = nullptr;
    QToolButton *m_overlayButton = nullptr;
    Notifier *m_notifier;
    QString m_origin;
    bool m_compact = false;
    QByteArray m_normalGeometry;
    std::pair<QString, QString> m_lastPopup;
};

} // namespace ic::desktop
