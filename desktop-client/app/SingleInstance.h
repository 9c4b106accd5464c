#pragma once
// One running app per user and settings profile. A second start (a clicked instantchat:// link,
// a --join from a script) hands its rooms to the running app over a local socket and exits:
// two copies with the same identity would keep taking the room from each other.

#include <QObject>
#include <QStringList>

class QLocalServer;

namespace ic::desktop {

class SingleInstance : public QObject
{
    Q_OBJECT
public:
    // `profile` identifies the settings profile (its file path); the socket name is derived
    // from it and the user, so other users and other profiles run their own app.
    explicit SingleInstance(const QString &profile, QObject *parent = nullptr);
    ~SingleInstance() override;

    QString socketName() const { return m_name; }

    // Before the event loop: true when a running app took the rooms (this one should exit).
    bool handOver(const QStringList &rooms, int timeoutMs = 2000) const;
    // Becomes the running app; false when the socket cannot be created.
    bool listen();

signals:
    // Rooms (names or links) another start asked to open; may be empty ("just show yourself").
    void roomsRequested(const QStringList &rooms);

private:
    void accept();

    QString m_name;
    QLocalServer *m_server = nullptr;
};

} // namespace ic::desktop
