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

StoreResult DrawingStore::put(const QString &group, const QString &name, const QByteArray &dataUrl,
                              const QUuid &session, qint64 nowMs)
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
    Group &target = m_groups[key];
    qint64 replaced = 0;
    const auto existing = target.drawings.constFind(name);
    if (existing != target.drawings.constEnd()) {
        if (existing->owner != session)
            return {403, QStringLiteral("a drawing with this name already exists"), {}};
        replaced = cost(name, existing->content);
    }
    const qint64 needed = cost(name, dataUrl);
    if (m_used - replaced + needed > m_limits.memoryBytes) {
        if (target.drawings.isEmpty())
            m_groups.remove(key);
        return {413, QStringLiteral("the drawing store is full, please try again later"), {}};
    }
    m_used += needed - replaced;
    target.drawings.insert(name, Drawing{dataUrl, session});
    target.lastUploadMs = nowMs;
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
    for (auto it = m_groups.begin(); it != m_groups.end();) {
        if (nowMs - it->lastUploadMs >= m_limits.lifetimeMs) {
            for (auto d = it->drawings.cbegin(); d != it->drawings.cend(); ++d)
                m_used -= cost(d.key(), d->content);
            it = m_groups.erase(it);
        } else {
            ++it;
        }
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
