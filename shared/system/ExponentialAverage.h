#pragma once
// A time-weighted moving average: each sample pulls the average towards itself by
// 1 - exp(-elapsed / timeConstant). Load figures that steer decisions (room placement, the load
// ceiling) use it, so one busy second - a burst of joins, a probe arriving with a heartbeat, a
// sanitizer build starting up - does not swing them.

#include <cmath>

namespace ic::sys {

class ExponentialAverage
{
public:
    explicit ExponentialAverage(double timeConstantSeconds) : m_timeConstant(timeConstantSeconds) {}

    // The first sample is taken as it is: there is nothing to average it with.
    void add(double sample, double elapsedSeconds)
    {
        if (!m_hasValue) {
            m_value = sample;
            m_hasValue = true;
            return;
        }
        if (elapsedSeconds <= 0)
            return;
        const double weight = 1.0 - std::exp(-elapsedSeconds / m_timeConstant);
        m_value += (sample - m_value) * weight;
    }

    double value() const { return m_value; }

private:
    double m_timeConstant;
    double m_value = 0.0;
    bool m_hasValue = false;
};

} // namespace ic::sys
