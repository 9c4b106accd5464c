#pragma once
// Drawings in memory (docs/protocol.md §10): validated PNG data URLs keyed by group (room UUID) and
// name, with a total memory cap, expiry of a whole group a set time after its last upload, and
// a name owned by the session that first stored it.
//
// Nobody can lock everybody else out: one client address (an IPv6 /64 counts as one address)
// may hold at most `perAddressBytes` (beyond that its uploads get 429), and when the whole store
// is full the oldest drawings make room for a new one, so honest uploads keep working even
// against a flood from many addresses.

#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QMap>
#include <QPair>
#include <QString>
#include <QUuid>

namespace ic::balancer {

struct DrawingLimits
{
    qint64 memoryBytes = 256LL * 1024 * 1024;
    qint64 maxPngBytes = 1024 * 1024;
    int maxDimension = 2048;
    qint64 lifetimeMs = 12LL * 3600 * 1000;
    qint64 perAddressBytes = 16LL * 1024 * 1024;
};

struct StoreResult
{
    int status = 200;   // 200, 400, 403, 404, 413, 429
    QString error;      // sentence when status != 200
    QByteArray content; // for get()
};

class DrawingStore
{
public:
    explicit DrawingStore(DrawingLimits limits) : m_limits(limits) {}

    static bool validName(const QString &name);
    static bool validGroup(const QString &group);

    // The quota key of a client address: the address itself, or its /64 for IPv6 (one
    // subscriber's share of addresses).
    static QString quotaKey(const QHostAddress &client);

    // `nowMs` is passed in so tests control time; `quotaKey` names the uploader's address.
    StoreResult put(const QString &group, const QString &name, const QByteArray &dataUrl,
                    const QUuid &session, qint64 nowMs, const QString &quotaKey = QString());
    StoreResult get(const QString &group, const QString &name, qint64 nowMs);
    void expire(qint64 nowMs);

    qint64 usedBytes() const { return m_used; }
    qint64 usedBytes(const QString &quotaKey) const { return m_usedByKey.value(quotaKey); }
    int count() const;
    qint64 evictedCount() const { return m_evicted; }

private:
    struct Drawing
    {
        QByteArray content;
        QUuid owner;
        QString quotaKey;
        quint64 sequence = 0; // upload order, for oldest-first eviction
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

    // Forgets one drawing (and its group once empty), keeping every counter right.
    void remove(const QString &groupKey, const QString &name);

    DrawingLimits m_limits;
    QHash<QString, Group> m_groups;                 // by lower-case group UUID
    QMap<quint64, QPair<QString, QString>> m_order; // upload sequence -> (group key, name)
    QHash<QString, qint64> m_usedByKey;             // bytes held per quota key
    quint64 m_nextSequence = 0;
    qint64 m_used = 0;
    qint64 m_evicted = 0;
};

} // namespace ic::balancer
