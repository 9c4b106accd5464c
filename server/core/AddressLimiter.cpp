#include "core/AddressLimiter.h"

namespace ic::server {

bool AddressBuckets::allow(const QString &address, qint64 nowMs)
{
    if (m_rate <= 0)
        return true;
    // Forget idle addresses now and then so the table cannot grow without bound.
    if (nowMs - m_lastPruneMs > 60000) {
        m_buckets.clear();
        m_lastPruneMs = nowMs;
    }
    auto it = m_buckets.find(address);
    if (it == m_buckets.end())
        it = m_buckets.insert(address, TokenBucket(m_rate, m_burst));
    return it->take(nowMs);
}

bool AddressLimiter::allow(const QString &address, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    return m_buckets.allow(address, nowMs);
}

} // namespace ic::server
