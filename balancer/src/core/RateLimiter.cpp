#include "core/RateLimiter.h"

namespace ic::balancer {

bool RateLimiter::allow(const QHostAddress &client, double cost)
{
    if (!m_enabled)
        return true;
    return m_buckets.allow(client.toString(), m_clock.elapsed(), cost);
}

} // namespace ic::balancer
