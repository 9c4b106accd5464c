#include "drawings/DrawingStore.h"

#include "drawings/PngDataUrl.h"

#include <QRegularExpression>

namespace ic::balancer {

bool DrawingStore::validName(const QString &name)
{
    // anchoredPattern, not ^…$: `$` also matches before a final newline ("name\n").
    static const QRegularExpression pattern(
        QRegularExpression::anchoredPattern(QStringLiteral("[A-Za-z0-9_-]{1,128}")));
    return pattern.match(name).hasMatch();
}

bool DrawingStore::validGroup(const QString &group)
{
    static const QRegularExpression pattern(QRegularExpression::anchoredPattern(QStringLiteral(
        "[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")));
    return pattern.match(group).hasMatch();
}

QString DrawingStore::quotaKey(const QHostAddress &client)
{
    bool v4 = false;
    const quint32 plain = client.toIPv4Address(&v4);
    if (v4)
        return QHostAddress(plain).toString();
    // An IPv6 subscriber usually gets a whole /64: rotating inside it is free, so it is one key.
    Q_IPV6ADDR bytes = client.toIPv6Address();
    for (int i = 8; i < 16; ++i)
        bytes[i] = 0;
    return QHostAddress(bytes).toString() + QStringLiteral("/64");
}

void DrawingStore::remove(const QString &groupKey, const QString &name)
{
    const auto groupIt = m_groups.find(groupKey);
    if (groupIt == m_groups.end())
        return;
    const auto it = groupIt->drawings.constFind(name);
    if (it == groupIt->drawings.constEnd())
        return;
    const qint64 bytes = cost(name, it->content);
    m_used -= bytes;
    auto used = m_usedByKey.find(it->quotaKey);
    if (used != m_usedByKey.end() && (*used -= bytes) <= 0)
        m_usedByKey.erase(used);
    m_order.remove(it->sequence);
    groupIt->drawings.erase(it);
    if (groupIt->drawings.isEmpty())
        m_groups.erase(groupIt);
}

StoreResult DrawingStore::put(const QString &group, const QString &name, const QByteArray &dataUrl,
                              const QUuid &session, qint64 nowMs, const QString &quotaKey)
{
    if (!validName(name))
        return {
            400, QStringLiteral("the file name must be 1 to 128 letters, digits, '_' or '-'"), {}};
    if (!validGroup(group))
        return {400, QStringLiteral("the file group prefix must be a UUID"), {}};
    const PngCheck check = checkPngDataUrl(dataUrl, m_limits.maxPngBytes, m_limits.maxDimension);
    if (!check.ok()) {
        const bool tooBig = check.result == PngCheck::Result::TooManyBytes ||
                            check.result == PngCheck::Result::TooLarge;
        return {tooBig ? 413 : 400, check.sentence(), {}};
    }
    expire(nowMs);
    const QString key = group.toLower();
    qint64 replacedOwn = 0; // bytes of the drawing being replaced, when this address holds it
    if (const auto groupIt = m_groups.constFind(key); groupIt != m_groups.constEnd()) {
        const auto existing = groupIt->drawings.constFind(name);
        if (existing != groupIt->drawings.constEnd()) {
            if (existing->owner != session)
                return {403, QStringLiteral("a drawing with this name already exists"), {}};
            if (existing->quotaKey == quotaKey)
                replacedOwn = cost(name, existing->content);
        }
    }
    const qint64 needed = cost(name, dataUrl);
    if (needed > m_limits.memoryBytes)
        return {413, QStringLiteral("the drawing store is full, please try again later"), {}};
    if (m_usedByKey.value(quotaKey) - replacedOwn + needed > m_limits.perAddressBytes)
        return {429,
                QStringLiteral("your address already stores as many drawings as one address may; "
                               "they expire %1 hours after their room's last upload")
                    .arg(m_limits.lifetimeMs / 3600000.0, 0, 'g', 3),
                {}};
    remove(key, name); // a replacement: the old version goes first
    // A full store makes room by forgetting its oldest drawings.
    while (m_used + needed > m_limits.memoryBytes && !m_order.isEmpty()) {
        const QPair<QString, QString> oldest = m_order.first();
        remove(oldest.first, oldest.second);
        ++m_evicted;
    }
    Group &target = m_groups[key];
    const quint64 sequence = m_nextSequence++;
    target.drawings.insert(name, Drawing{dataUrl, session, quotaKey, sequence});
    target.lastUploadMs = nowMs;
    m_order.insert(sequence, {key, name});
    m_used += needed;
    m_usedByKey[quotaKey] += needed;
    return {200, {}, {}};
}

StoreResult DrawingStore::get(const QString &group, const QString &name, qint64 nowMs)
{
    if (!validName(name))
        return {
            400, QStringLiteral("the file name must be 1 to 128 letters, digits, '_' or '-'"), {}};
    if (!validGroup(group))
        return {400, QStringLiteral("the file group prefix must be a UUID"), {}};
    expire(nowMs);
    const auto groupIt = m_groups.constFind(group.toLower());
    if (groupIt == m_groups.constEnd())
        return {404, QStringLiteral("this drawing does not exist or has expired"), {}};
    const auto it = groupIt->drawings.constFind(name);
    if (it == groupIt->drawings.constEnd())
        return {404, QStringLiteral("this drawing does not exist or has expired"), {}};
    return {200, {}, it->content};
}

void DrawingStore::expire(qint64 nowMs)
{
    QStringList expired;
    for (auto it = m_groups.cbegin(); it != m_groups.cend(); ++it) {
        if (nowMs - it->lastUploadMs >= m_limits.lifetimeMs)
            expired.append(it.key());
    }
    for (const QString &groupKey : std::as_const(expired)) {
        const QStringList names = m_groups.value(groupKey).drawings.keys();
        for (const QString &name : names)
            remove(groupKey, name);
    }
}

int DrawingStore::count() const
{
    int total = 0;
    for (const Group &group : m_groups)
        total += int(group.drawings.size());
    return total;
}

} // namespace ic::balancer
