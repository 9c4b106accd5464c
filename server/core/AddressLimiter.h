#pragma once
// Token buckets per client address, shared by all threads. Only joins, room creations and HTTP
// calls consult it, never the per-message path, so one mutex is cheap enough.

#include "limits/TokenBucket.h"

#include <QMutex>
#include <QString>

namespace ic::server {

// The same buckets without a lock, for state owned by one thread (a worker's per-address
// message limit: the room path must not take a shared lock).
using AddressBuckets = ic::limits::KeyedBuckets;

class AddressLimiter
{
public:
    AddressLimiter(double perSecond, double burst) : m_buckets(perSecond, burst) {}

    bool allow(const QString &address, qint64 nowMs);

private:
    QMutex m_mutex;
    AddressBuckets m_buckets;
};

} // namespace ic::server
