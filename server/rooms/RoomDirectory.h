#pragma once
// Which worker thread owns a room: a hash of its canonical name over the workers, fixed at
// start. The HTTP routes reach rooms through it; app/Worker uses the same index for itself.

#include <QList>
#include <QString>

namespace ic::server {

class RoomHost;

class RoomDirectory
{
public:
    // Filled once on the main thread before any worker serves a request.
    void setHosts(QList<RoomHost *> hosts) { m_hosts = std::move(hosts); }
    const QList<RoomHost *> &hosts() const { return m_hosts; }
    RoomHost *hostFor(const QString &room) const
    {
        return m_hosts.at(indexFor(room, m_hosts.size()));
    }
    // The one place the room → thread hash lives.
    static qsizetype indexFor(const QString &room, qsizetype threads)
    {
        return qsizetype(qHash(room, 0x1c5eedu) % size_t(threads));
    }

private:
    QList<RoomHost *> m_hosts;
};

} // namespace ic::server
