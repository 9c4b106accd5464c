#pragma once
// Open connections per client address, for --max-connections-per-address. Touched only when a
// connection opens, upgrades or closes (never per frame), so one mutex is not on the room path.

#include <QHash>
#include <QMutex>
#include <QString>

namespace ic::server {

class ConnectionCounter
{
public:
    explicit ConnectionCounter(int maxPerAddress) : m_max(maxPerAddress) {}

    // Counts one more connection of `address`; false (and nothing counted) when at the cap.
    bool acquire(const QString &address)
    {
        QMutexLocker lock(&m_mutex);
        int &count = m_counts[address];
        if (count >= m_max) {
            if (count == 0)
                m_counts.remove(address);
            return false;
        }
        ++count;
        return true;
    }
    void release(const QString &address)
    {
        QMutexLocker lock(&m_mutex);
        auto it = m_counts.find(address);
        if (it == m_counts.end())
            return;
        if (--*it <= 0)
            m_counts.erase(it); // keeps the table as small as the set of connected addresses
    }
    int count(const QString &address) const
    {
        QMutexLocker lock(&m_mutex);
        return m_counts.value(address);
    }

private:
    int m_max;
    mutable QMutex m_mutex;
    QHash<QString, int> m_counts;
};

} // namespace ic::server
