#pragma once
// Files of the web UI as they are served, kept in memory. Each entry is re-checked at most once
// a second (path resolution, size, modification time), so a page view costs no file-system calls
// (resolving a path inside the web root alone is several per request), while an admin's edit of
// the web root shows within a second. Only files that exist are kept, and at most `maxEntries`,
// so requests for made-up paths cannot grow it.

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QString>

#include <functional>
#include <optional>

namespace ic::balancer {

class WebFileCache
{
public:
    // The file a key is served from ("" = none), and what its bytes become when served.
    using Resolver = std::function<QString(const QString &key)>;
    using Preparer = std::function<QByteArray(const QString &path, QByteArray bytes)>;
    using Clock = std::function<qint64()>; // milliseconds; replaceable for tests

    WebFileCache(Resolver resolver, Preparer preparer, qint64 maxFileBytes, Clock clock = {});

    // The prepared bytes of `key`'s file, or nothing when there is no such file (or it is
    // larger than maxFileBytes or unreadable).
    std::optional<QByteArray> file(const QString &key);

    static constexpr qint64 recheckMs = 1000;
    static constexpr int maxEntries = 512;

private:
    struct Entry
    {
        QString path;
        QDateTime modified;
        qint64 size = 0;
        qint64 checkedMs = 0;
        QByteArray bytes;
    };

    Resolver m_resolver;
    Preparer m_preparer;
    qint64 m_maxFileBytes;
    Clock m_clock;
    QHash<QString, Entry> m_entries;
};

} // namespace ic::balancer
