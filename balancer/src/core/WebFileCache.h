#pragma once
// Files of the web UI as they are served, kept in memory. Each entry is re-checked at most once
// a second (path resolution, size, modification time), so a page view costs no file-system calls
// (resolving a path inside the web root alone is several per request), while an admin's edit of
// the web root shows within a second. Only files that exist are kept, and at most `maxEntries`,
// so requests for made-up paths cannot grow it.
// Each file is also gzip-compressed once when it is (re)loaded, never per request, and carries
// an ETag derived from its served bytes, so browsers can revalidate with If-None-Match.

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

    // One file as it can be served.
    struct Asset
    {
        QByteArray bytes;
        QByteArray gzip; // gzip of bytes; empty when compressing would not make it smaller
        QByteArray etag; // quoted strong validator of `bytes`; the gzip variant is etagGzip()
        QByteArray etagGzip() const;
    };

    // `key`'s file, or nothing when there is no such file (or it is larger than maxFileBytes
    // or unreadable).
    std::optional<Asset> asset(const QString &key);
    // Only the prepared bytes of asset(key).
    std::optional<QByteArray> file(const QString &key);

    // A gzip member (RFC 1952) of `bytes` at the best compression level.
    static QByteArray gzip(const QByteArray &bytes);
    // Whether an Accept-Encoding value allows gzip (a "gzip" or "*" token whose q is not 0).
    static bool acceptsGzip(QByteArrayView acceptEncoding);
    // Whether an If-None-Match value names `etag` (or is "*"); weak "W/" tags compare equal.
    static bool matchesEtag(QByteArrayView ifNoneMatch, QByteArrayView etag);

    static constexpr qint64 recheckMs = 1000;
    static constexpr int maxEntries = 512;

private:
    struct Entry
    {
        QString path;
        QDateTime modified;
        qint64 size = 0;
        qint64 checkedMs = 0;
        Asset asset;
    };

    Resolver m_resolver;
    Preparer m_preparer;
    qint64 m_maxFileBytes;
    Clock m_clock;
    QHash<QString, Entry> m_entries;
};

} // namespace ic::balancer
