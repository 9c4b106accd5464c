#pragma once
// Drawings in memory (docs/protocol.md §10): validated PNG data URLs keyed by group (room UUID) and
// name, with a total memory cap, expiry of a whole group a set time after its last upload, and
// a name owned by the session that first stored it.

#include <QByteArray>
#include <QHash>
#include <QString>
#include <QUuid>

namespace ic::balancer {

struct DrawingLimits
{
    qint64 memoryBytes = 256LL * 1024 * 1024;
    qint64 maxPngBytes = 1024 * 1024;
    int maxDimension = 2048;
    qint64 lifetimeMs = 12LL * 3600 * 1000;
};

struct StoreResult
{
    int status = 200;   // 200, 400, 403, 404, 413
    QString error;      // sentence when status != 200
    QByteArray content; // for get()
};

class DrawingStore
{
public:
    explicit DrawingStore(DrawingLimits limits) : m_limits(limits) {}

    static bool validName(const QString &name);
    static bool validGroup(const QString &group);

    // `nowMs` is passed in so tests control time.
    StoreResult put(const QString &group, const QString &name, const QByteArray &dataUrl,
                    const QUuid &session, qint64 nowMs);
    StoreResult get(const QString &group, const QString &name, qint64 nowMs);
    void expire(qint64 nowMs);

    qint64 usedBytes() const { return m_used; }
    int count() const;

private:
    struct Drawing
    {
        QByteArray content;
        QUuid owner;
    };
    struct Group
    {
        QHash<QString, Drawing> drawings;
        qint64 lastUploadMs = 0;
    };
    static qint64 cost(const QString &name, const QByteArray &content)
    {
        return content.size() + name.size() * 2 + 64;
    }

    DrawingLimits m_limits;
    QHash<QString, Group> m_groups; // by lower-case group UUID
    qint64 m_used = 0;
};

} // namespace ic::balancer
