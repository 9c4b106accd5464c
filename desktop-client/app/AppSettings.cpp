#include "AppSettings.h"

#include <QSettings>

namespace ic::desktop {
namespace {
constexpr int maxRecentRooms = 20;
}

AppSettings::AppSettings(const QString &file, QObject *parent)
    : QObject(parent),
      m_settings(file.isEmpty() ? new QSettings(QStringLiteral("instantchat"),
                                                QStringLiteral("instantchat-desktop"), this)
                                : new QSettings(file, QSettings::IniFormat, this))
{
}

QString AppSettings::fileName() const
{
    return m_settings->fileName();
}

AppSettings::~AppSettings()
{
    m_settings->sync();
}

QString AppSettings::serverKey(const QUrl &server)
{
    // One group per balancer: a cookie is only valid for the cluster that issued it.
    QString key = server.host() + QLatin1Char('_') +
                  QString::number(server.port(server.scheme() == u"https" ? 443 : 80));
    key.replace(QLatin1Char('.'), QLatin1Char('_'));
    return key;
}

bool AppSettings::hasServer() const
{
    return m_settings->contains(QStringLiteral("server/url"));
}

QUrl AppSettings::server() const
{
    const QUrl url = m_settings->value(QStringLiteral("server/url")).toUrl();
    return url.isValid() && !url.isEmpty() ? url : defaultServer();
}

void AppSettings::setServer(const QUrl &url)
{
    m_settings->setValue(QStringLiteral("server/url"), url);
}

QByteArray AppSettings::cookie(const QUrl &server) const
{
    return m_settings->value(QStringLiteral("cookies/") + serverKey(server)).toByteArray();
}

void AppSettings::setCookie(const QUrl &server, const QByteArray &cookie)
{
    m_settings->setValue(QStringLiteral("cookies/") + serverKey(server), cookie);
}

QString AppSettings::userName() const
{
    return m_settings->value(QStringLiteral("user/name")).toString();
}

void AppSettings::setUserName(const QString &name)
{
    m_settings->setValue(QStringLiteral("user/name"), name);
}

QList<RecentRoom> AppSettings::recentRooms() const
{
    QList<RecentRoom> rooms;
    const int n = m_settings->beginReadArray(QStringLiteral("recent"));
    for (int i = 0; i < n; ++i) {
        m_settings->setArrayIndex(i);
        rooms.append({m_settings->value(QStringLiteral("server")).toUrl(),
                      m_settings->value(QStringLiteral("room")).toString(),
                      m_settings->value(QStringLiteral("lastVisit")).toDateTime()});
    }
    m_settings->endArray();
    return rooms;
}

void AppSettings::touchRecentRoom(const QUrl &server, const QString &room)
{
    QList<RecentRoom> rooms = recentRooms();
    rooms.removeIf([&](const RecentRoom &r) { return r.server == server && r.room == room; });
    rooms.prepend({server, room, QDateTime::currentDateTime()});
    while (rooms.size() > maxRecentRooms)
        rooms.removeLast();
    m_settings->beginWriteArray(QStringLiteral("recent"), int(rooms.size()));
    for (int i = 0; i < rooms.size(); ++i) {
        m_settings->setArrayIndex(i);
        m_settings->setValue(QStringLiteral("server"), rooms[i].server);
        m_settings->setValue(QStringLiteral("room"), rooms[i].room);
        m_settings->setValue(QStringLiteral("lastVisit"), rooms[i].lastVisit);
    }
    m_settings->endArray();
    emit recentRoomsChanged();
}

void AppSettings::removeRecentRoom(const QUrl &server, const QString &room)
{
    QList<RecentRoom> rooms = recentRooms();
    rooms.removeIf([&](const RecentRoom &r) { return r.server == server && r.room == room; });
    m_settings->remove(QStringLiteral("recent"));
    m_settings->beginWriteArray(QStringLiteral("recent"), int(rooms.size()));
    for (int i = 0; i < rooms.size(); ++i) {
        m_settings->setArrayIndex(i);
        m_settings->setValue(QStringLiteral("server"), rooms[i].server);
        m_settings->setValue(QStringLiteral("room"), rooms[i].room);
        m_settings->setValue(QStringLiteral("lastVisit"), rooms[i].lastVisit);
    }
    m_settings->endArray();
    emit recentRoomsChanged();
}

AppSettings::Theme AppSettings::theme() const
{
    const QString t = m_settings->value(QStringLiteral("ui/theme")).toString();
    if (t == u"dark")
        return Theme::Dark;
    if (t == u"light")
        return Theme::Light;
    return Theme::System;
}

void AppSettings::setTheme(Theme theme)
{
    m_settings->setValue(QStringLiteral("ui/theme"), theme == Theme::Dark ? QStringLiteral("dark")
                                                     : theme == Theme::Light
                                                         ? QStringLiteral("light")
                                                         : QStringLiteral("system"));
}

bool AppSettings::showNotices() const
{
    return m_settings->value(QStringLiteral("ui/showNotices"), true).toBool();
}

void AppSettings::setShowNotices(bool show)
{
    m_settings->setValue(QStringLiteral("ui/showNotices"), show);
}

bool AppSettings::soundEnabled() const
{
    // Off by default: a chat app that beeps unasked is the first thing people mute.
    return m_settings->value(QStringLiteral("ui/sound"), false).toBool();
}

void AppSettings::setSoundEnabled(bool enabled)
{
    m_settings->setValue(QStringLiteral("ui/sound"), enabled);
}

bool AppSettings::notificationsEnabled() const
{
    return m_settings->value(QStringLiteral("notify/popups"), true).toBool();
}

void AppSettings::setNotificationsEnabled(bool on)
{
    m_settings->setValue(QStringLiteral("notify/popups"), on);
}

QDateTime AppSettings::doNotDisturbUntil() const
{
    return QDateTime::fromString(m_settings->value(QStringLiteral("notify/dndUntil")).toString(),
                                 Qt::ISODate);
}

void AppSettings::setDoNotDisturbUntil(const QDateTime &until)
{
    if (until.isValid())
        m_settings->setValue(QStringLiteral("notify/dndUntil"),
                             until.toUTC().toString(Qt::ISODate));
    else
        m_settings->remove(QStringLiteral("notify/dndUntil"));
}

bool AppSettings::doNotDisturb() const
{
    return m_settings->value(QStringLiteral("notify/dnd"), false).toBool();
}

void AppSettings::setDoNotDisturb(bool on)
{
    m_settings->setValue(QStringLiteral("notify/dnd"), on);
}

bool AppSettings::isMuted(const QUrl &server, const QString &room) const
{
    return m_settings
        ->value(QStringLiteral("muted/%1/%2")
                    .arg(serverKey(server), QString::fromLatin1(room.toUtf8().toHex())))
        .toBool();
}

void AppSettings::setMuted(const QUrl &server, const QString &room, bool muted)
{
    const QString key = QStringLiteral("muted/%1/%2")
                            .arg(serverKey(server), QString::fromLatin1(room.toUtf8().toHex()));
    if (muted)
        m_settings->setValue(key, true);
    else
        m_settings->remove(key);
}

QStringList AppSettings::highlightWords() const
{
    return m_settings->value(QStringLiteral("notify/highlight")).toStringList();
}

void AppSettings::setHighlightWords(const QStringList &words)
{
    m_settings->setValue(QStringLiteral("notify/highlight"), words);
}

bool AppSettings::closeToTray() const
{
    return m_settings->value(QStringLiteral("ui/closeToTray"), false).toBool();
}

void AppSettings::setCloseToTray(bool on)
{
    m_settings->setValue(QStringLiteral("ui/closeToTray"), on);
}

bool AppSettings::compactMessages() const
{
    return m_settings->value(QStringLiteral("ui/compactMessages"), false).toBool();
}

void AppSettings::setCompactMessages(bool on)
{
    m_settings->setValue(QStringLiteral("ui/compactMessages"), on);
}

QList<OpenRoom> AppSettings::openRooms() const
{
    QList<OpenRoom> rooms;
    const int n = m_settings->beginReadArray(QStringLiteral("session/rooms"));
    for (int i = 0; i < n; ++i) {
        m_settings->setArrayIndex(i);
        const QString room = m_settings->value(QStringLiteral("room")).toString();
        if (!room.isEmpty())
            rooms.append({m_settings->value(QStringLiteral("server")).toUrl(), room});
    }
    m_settings->endArray();
    return rooms;
}

int AppSettings::currentOpenRoom() const
{
    return m_settings->value(QStringLiteral("session/current"), 0).toInt();
}

void AppSettings::setOpenRooms(const QList<OpenRoom> &rooms, int current)
{
    m_settings->remove(QStringLiteral("session/rooms"));
    m_settings->beginWriteArray(QStringLiteral("session/rooms"), int(rooms.size()));
    for (int i = 0; i < rooms.size(); ++i) {
        m_settings->setArrayIndex(i);
        m_settings->setValue(QStringLiteral("server"), rooms[i].server);
        m_settings->setValue(QStringLiteral("room"), rooms[i].room);
    }
    m_settings->endArray();
    m_settings->setValue(QStringLiteral("session/current"), current);
}

QByteArray AppSettings::windowGeometry() const
{
    return m_settings->value(QStringLiteral("session/geometry")).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray &geometry)
{
    m_settings->setValue(QStringLiteral("session/geometry"), geometry);
}

QByteArray AppSettings::splitterState() const
{
    return m_settings->value(QStringLiteral("session/splitter")).toByteArray();
}

void AppSettings::setSplitterState(const QByteArray &state)
{
    m_settings->setValue(QStringLiteral("session/splitter"), state);
}

QString AppSettings::draft(const QUrl &server, const QString &room) const
{
    return m_settings
        ->value(QStringLiteral("drafts/%1/%2")
                    .arg(serverKey(server), QString::fromLatin1(room.toUtf8().toHex())))
        .toString();
}

void AppSettings::setDraft(const QUrl &server, const QString &room, const QString &text)
{
    const QString key = QStringLiteral("drafts/%1/%2")
                            .arg(serverKey(server), QString::fromLatin1(room.toUtf8().toHex()));
    if (text.isEmpty())
        m_settings->remove(key);
    else
        m_settings->setValue(key, text);
}

void AppSettings::sync()
{
    m_settings->sync();
}

} // namespace ic::desktop
