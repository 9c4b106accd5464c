#include "core/AddressLimiter.h"

namespace ic::server {

bool AddressLimiter::allow(const QString &address, qint64 nowMs)
{
    QMutexLocker lock(&m_mutex);
    return m_buckets.allow(address, nowMs) && m_total.take(nowMs);
}

} // namespace ic::server
