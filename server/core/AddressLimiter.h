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
    // Per address (perSecond, burst), and optionally one bucket for all addresses together
    // (totalPerSecond 0 = none).
    AddressLimiter(double perSecond, double burst, double totalPerSecond = 0, double totalBurst = 0)
        : m_buckets(perSecond, burst), m_total(totalPerSecond, totalBurst)
    {
    }

    bool allow(const QString &address, qint64 nowMs);

private:
    QMutex m_mutex;
    AddressBuckets m_buckets;
    ic::limits::TokenBucket m_total;
};

} // namespace ic::server
