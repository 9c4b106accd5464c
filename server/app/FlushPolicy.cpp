#include "app/FlushPolicy.h"

#include <algorithm>

namespace ic::server {

FlushPolicy::FlushPolicy(qint64 maxDelayNs) : m_maxDelayNs(std::max<qint64>(0, maxDelayNs)) {}

bool FlushPolicy::windowEnded(qint64 nowNs) const
{
    return m_maxDelayNs > 0 && (m_windowStartNs < 0 || nowNs - m_windowStartNs >= windowNs);
}

void FlushPolicy::endWindow(qint64 nowNs, qint64 threadCpuNs)
{
    if (m_windowStartNs >= 0 && nowNs > m_windowStartNs) {
        m_busyShare = std::clamp(
            double(threadCpuNs - m_windowStartCpuNs) / double(nowNs - m_windowStartNs), 0.0, 1.0);
        if (!m_holding && m_maxDelayNs > 0 && m_busyShare > startHoldingAbove)
            m_holding = true;
        else if (m_holding && m_busyShare < stopHoldingBelow)
            m_holding = false;
    }
    m_windowStartNs = nowNs;
    m_windowStartCpuNs = threadCpuNs;
}

qint64 FlushPolicy::flushDelay(qint64 nowNs, qint64 oldestWriteNs) const
{
    if (m_maxDelayNs == 0 || !m_holding)
        return 0;
    return std::max<qint64>(0, oldestWriteNs + m_maxDelayNs - nowNs);
}

} // namespace ic::server
