#pragma once
// A token bucket driven by the caller's clock, so rooms and tests decide what "now" is.

#include <QtGlobal>
#include <algorithm>

namespace ic::server {

class TokenBucket
{
public:
    TokenBucket() = default;
    TokenBucket(double perSecond, double burst) : m_rate(perSecond), m_burst(burst), m_tokens(burst)
    {
    }

    // Takes one token if there is one; `nowMs` is any monotonic millisecond clock.
    bool take(qint64 nowMs)
    {
        if (m_rate <= 0)
            return true;
        if (m_lastMs != 0)
            m_tokens = std::min(m_burst, m_tokens + double(nowMs - m_lastMs) * m_rate / 1000.0);
        m_lastMs = nowMs;
        if (m_tokens < 1.0)
            return false;
        m_tokens -= 1.0;
        return true;
    }

private:
    double m_rate = 0; // 0 = unlimited
    double m_burst = 0;
    double m_tokens = 0;
    qint64 m_lastMs = 0;
};

} // namespace ic::server
