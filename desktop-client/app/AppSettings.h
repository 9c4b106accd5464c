#pragma once
// Persistent preferences (QSettings): server address, session cookie per server (identity,
// creator rights and password authorisations survive restarts), recent rooms, theme, drafts.

#include <QDateTime>
#include <QList>
#include <QObject>
#include <QUrl>

class QSettings;

namespace ic::desktop {

struct RecentRoom
{
    QUrl server;
    QString room;
    QDateTime lastVisit;
};

// A room tab open at quit, reopened at the next start (never its password).
struct OpenRoom
{
    QUrl server; // empty: the app's server
    QString room;
};

class AppSettings : public QObject
{
    Q_OBJECT
public:
    enum class Theme { System, Light, Dark };
    Q_ENUM(Theme)

    // `file` empty: the platform's default location for "instantchat/instantchat-desktop".
    explicit AppSettings(const QString &file = {}, QObject *parent = nullptr);
    ~AppSettings() override;

    // Where the settings live: one profile, one identity, one running app.
    QString fileName() const;

    static QUrl defaultServer() { return QUrl(QStringLiteral("http://localhost:8080")); }

    bool hasServer() const;
    QUrl server() const;
    void setServer(const QUrl &url);

    QByteArray cookie(const QUrl &server) const;
    void setCookie(const QUrl &server, const QByteArray &cookie);

    QString userName() const;
    void setUserName(const QString &name);

    QList<RecentRoom> recentRooms() const;
    void touchRecentRoom(const QUrl &server, const QString &room);
    void removeRecentRoom(const QUrl &server, const QString &room);

    Theme theme() const;
    void setTheme(Theme theme);
    bool showNotices() const;
    void setShowNotices(bool show);
    bool soundEnabled() const;
    void setSoundEnabled(bool enabled);

    // Notification control. "Show notifications" is the lasting preference for popups (on by
    // default; off: no popup ever, badges and counts stay, sound keeps its own setting).
    // Do-not-disturb is the temporary one: it silences every popup and sound, mentions included,
    // until turned off or until a time. A muted room only speaks up for mentions; highlight words
    // (empty: your name) make a message a mention.
    bool notificationsEnabled() const;
    void setNotificationsEnabled(bool on);
    bool doNotDisturb() const;
    void setDoNotDisturb(bool on);
    // Invalid: no timed do-not-disturb.
    QDateTime doNotDisturbUntil() const;
    void setDoNotDisturbUntil(const QDateTime &until);
    bool isMuted(const QUrl &server, const QString &room) const;
    void setMuted(const QUrl &server, const QString &room, bool muted);
    QStringList highlightWords() const;
    void setHighlightWords(const QStringList &words);
    // Closing the window hides it in the tray (when there is one) instead of quitting.
    bool closeToTray() const;
    void setCloseToTray(bool on);
    // Message density: compact shows one line per short message (IRC-like) instead of cards.
    bool compactMessages() const;
    void setCompactMessages(bool on);

    // The session at quit: the open rooms in tab order and the current one, the window's
    // geometry (QWidget::saveGeometry) and the messages/members splitter (QSplitter::saveState).
    QList<OpenRoom> openRooms() const;
    int currentOpenRoom() const;
    void setOpenRooms(const QList<OpenRoom> &rooms, int current);
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray &geometry);
    QByteArray splitterState() const;
    void setSplitterState(const QByteArray &state);

    QString draft(const QUrl &server, const QString &room) const;
    void setDraft(const QUrl &server, const QString &room, const QString &text);

    void sync();

signals:
    void recentRoomsChanged();

private:
    static QString serverKey(const QUrl &server);
    QSettings *m_settings;
};

} // namespace ic::desktop
