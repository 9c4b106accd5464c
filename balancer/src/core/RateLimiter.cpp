#include "core/RateLimiter.h"

namespace ic::balancer {

bool RateLimiter::allow(const QHostAddress &client, double cost)
{
    if (!m_enabled)
        return true;
    const qint64 now = m_clock.elapsed();
    // Idle buckets are full again; dropping them keeps the table bounded by active clients.
    if (m_buckets.size() > 10000) {
        for (auto it = m_buckets.begin(); it != m_buckets.end();) {
            if ((now - it->lastMs) / 1000.0 * m_rate >= m_burst)
                it = m_buckets.erase(it);
            else
                ++it;
        }
    }
    const QString key = client.toString();
    auto it = m_buckets.find(key);
    if (it == m_buckets.end())
        it = m_buckets.insert(key, Bucket{m_burst, now});
    it->tokens = qMin(m_burst, it->tokens + (now - it->lastMs) / 1000.0 * m_rate);
    it->lastMs = now;
    if (it->tokens < cost)
        return false;
    it->tokens -= cost;
    return true;
}

} // namespace ic::balancer
