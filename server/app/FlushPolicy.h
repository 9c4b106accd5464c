#pragma once
// When a worker hands the frames it collected to the kernel. One send() per socket is most of the
// cost of a delivery, so frames for one socket should leave together, but holding them costs
// latency. While the thread has time to spare, every loop iteration flushes (no added latency).
// Once it is busy most of the time, flushes wait until the oldest held frame is `maxDelay` old, so
// a socket's frames of that span share one send(); the saved CPU is what keeps a busy thread from
// falling behind. "Busy" is the thread's CPU time over wall time in windows of 100 ms (CPU time,
// not time between loop signals: the dispatcher handles sockets after its wait, where no signal
// marks it). Pure logic over timestamps given by the caller, so it is unit-testable.

#include <QtGlobal>

namespace ic::server {

class FlushPolicy
{
public:
    // maxDelayNs 0: always flush at once.
    explicit FlushPolicy(qint64 maxDelayNs);

    // True when a measuring window is over and endWindow wants the thread's CPU time (read
    // only then: on a VM that clock is a real system call).
    bool windowEnded(qint64 nowNs) const;
    void endWindow(qint64 nowNs, qint64 threadCpuNs);
    // Before waiting, with writes held since `oldestWriteNs`: 0 = flush now, otherwise the
    // nanoseconds until the flush is due.
    qint64 flushDelay(qint64 nowNs, qint64 oldestWriteNs) const;

    bool holding() const { return m_holding; }
    // Busy share of the last complete measuring window (0..1).
    double busyShare() const { return m_busyShare; }

    static constexpr qint64 windowNs = 100'000'000;
    // Hysteresis, so the policy does not flip every window: holding starts above the first share
    // and ends below the second. The second is low because it is measured while holding, with
    // the savings in effect: a worker at 70 % without holding measured 27-45 % with it, and a
    // stop threshold of 0.3 made it flip between the two every few windows.
    static constexpr double startHoldingAbove = 0.6;
    static constexpr double stopHoldingBelow = 0.15;

private:
    qint64 m_maxDelayNs;
    bool m_holding = false;
    qint64 m_windowStartNs = -1; // no window yet: the first endWindow only starts one
    qint64 m_windowStartCpuNs = 0;
    double m_busyShare = 0;
};

} // namespace ic::server
