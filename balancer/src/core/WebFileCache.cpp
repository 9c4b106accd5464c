#include "core/WebFileCache.h"

#include <QCryptographicHash>
#include <QFile>
#include <QFileInfo>

#include <zlib.h>

namespace ic::balancer {

WebFileCache::WebFileCache(Resolver resolver, Preparer preparer, qint64 maxFileBytes, Clock clock)
    : m_resolver(std::move(resolver)), m_preparer(std::move(preparer)),
      m_maxFileBytes(maxFileBytes),
      m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
}

namespace {

// Below this size the gzip header and the extra response header outweigh what is saved.
constexpr qsizetype minGzipBytes = 256;

WebFileCache::Asset makeAsset(QByteArray bytes)
{
    WebFileCache::Asset asset;
    const QByteArray digest = QCryptographicHash::hash(bytes, QCryptographicHash::Sha256);
    asset.etag =
        '"' +
        digest.left(16).toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals) +
        '"';
    if (bytes.size() >= minGzipBytes) {
        QByteArray packed = WebFileCache::gzip(bytes);
        if (!packed.isEmpty() && packed.size() < bytes.size())
            asset.gzip = std::move(packed);
    }
    asset.bytes = std::move(bytes);
    return asset;
}

} // namespace

QByteArray WebFileCache::Asset::etagGzip() const
{
    // A different representation needs a different strong validator.
    return etag.left(etag.size() - 1) + "-gz\"";
}

QByteArray WebFileCache::gzip(const QByteArray &bytes)
{
    z_stream stream{};
    // 15 window bits + 16: a gzip wrapper instead of zlib's.
    if (deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return {};
    QByteArray out(qsizetype(deflateBound(&stream, uLong(bytes.size()))), Qt::Uninitialized);
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(bytes.constData()));
    stream.avail_in = uInt(bytes.size());
    stream.next_out = reinterpret_cast<Bytef *>(out.data());
    stream.avail_out = uInt(out.size());
    const int result = deflate(&stream, Z_FINISH);
    const qsizetype written = qsizetype(stream.total_out);
    deflateEnd(&stream);
    if (result != Z_STREAM_END)
        return {};
    out.truncate(written);
    return out;
}

bool WebFileCache::acceptsGzip(QByteArrayView acceptEncoding)
{
    for (const QByteArray &item : acceptEncoding.toByteArray().split(',')) {
        const QList<QByteArray> parts = item.split(';');
        const QByteArray coding = parts.first().trimmed().toLower();
        if (coding != "gzip" && coding != "*")
            continue;
        bool refused = false;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray param = parts.at(i).trimmed().toLower();
            if (param.startsWith("q=")) {
                bool ok = false;
                const double q = param.mid(2).toDouble(&ok);
                refused = !ok || q <= 0.0;
            }
        }
        if (!refused)
            return true;
    }
    return false;
}

bool WebFileCache::matchesEtag(QByteArrayView ifNoneMatch, QByteArrayView etag)
{
    for (const QByteArray &item : ifNoneMatch.toByteArray().split(',')) {
        QByteArray tag = item.trimmed();
        if (tag == "*")
            return true;
        if (tag.startsWith("W/"))
            tag = tag.mid(2);
        if (!tag.isEmpty() && tag == etag)
            return true;
    }
    return false;
}

std::optional<QByteArray> WebFileCache::file(const QString &key)
{
    std::optional<Asset> found = asset(key);
    if (!found)
        return std::nullopt;
    return std::move(found->bytes);
}

std::optional<WebFileCache::Asset> WebFileCache::asset(const QString &key)
{
    const qint64 nowMs = m_clock();
    auto it = m_entries.find(key);
    if (it != m_entries.end() && nowMs - it->checkedMs < recheckMs)
        return it->asset;

    const QString path = m_resolver(key);
    const QFileInfo info(path);
    if (path.isEmpty() || !info.isFile() || info.size() > m_maxFileBytes) {
        if (it != m_entries.end())
            m_entries.erase(it);
        return std::nullopt;
    }
    if (it != m_entries.end() && it->path == path && it->size == info.size() &&
        it->modified == info.lastModified()) {
        it->checkedMs = nowMs;
        return it->asset;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    Entry entry{path, info.lastModified(), info.size(), nowMs,
                makeAsset(m_preparer(path, file.readAll()))};
    if (it == m_entries.end() && m_entries.size() >= maxEntries)
        m_entries.clear(); // rare (the UI has a few dozen files); simplest bound that stays correct
    return m_entries.insert(key, std::move(entry))->asset;
}

} // namespace ic::balancer
