#include "core/WebFileCache.h"

#include <QFile>
#include <QFileInfo>

namespace ic::balancer {

WebFileCache::WebFileCache(Resolver resolver, Preparer preparer, qint64 maxFileBytes, Clock clock)
    : m_resolver(std::move(resolver)), m_preparer(std::move(preparer)),
      m_maxFileBytes(maxFileBytes),
      m_clock(clock ? std::move(clock) : Clock([] { return QDateTime::currentMSecsSinceEpoch(); }))
{
}

std::optional<QByteArray> WebFileCache::file(const QString &key)
{
    const qint64 nowMs = m_clock();
    auto it = m_entries.find(key);
    if (it != m_entries.end() && nowMs - it->checkedMs < recheckMs)
        return it->bytes;

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
        return it->bytes;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    Entry entry{path, info.lastModified(), info.size(), nowMs, m_preparer(path, file.readAll())};
    if (it == m_entries.end() && m_entries.size() >= maxEntries)
        m_entries.clear(); // rare (the UI has a few dozen files); simplest bound that stays correct
    return m_entries.insert(key, std::move(entry))->bytes;
}

} // namespace ic::balancer
