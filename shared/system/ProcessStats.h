#pragma once
// Figures about this process and its host, read from /proc. Used for load reports, /metrics and
// the load tester's CPU accounting.

#include <QtGlobal>

namespace ic::sys {

double processCpuSeconds();           // user + system time of this process
double processCpuSeconds(qint64 pid); // of another process; negative when unknown
qint64 residentBytes();               // RSS of this process
qint64 residentBytes(qint64 pid);     // of another process; negative when unknown
int openFileDescriptors();
double hostMemoryUsedPercent();

// CPU use between two calls of sample(): of this process (percent of one core) and of the host
// (percent of all cores).
class CpuSampler
{
public:
    CpuSampler();
    void sample();
    double processPercent() const { return m_processPercent; }
    double hostPercent() const { return m_hostPercent; }

private:
    qint64 m_lastWallNs = 0;
    double m_lastProcessSeconds = 0;
    quint64 m_lastHostBusy = 0;
    quint64 m_lastHostTotal = 0;
    double m_processPercent = 0;
    double m_hostPercent = 0;
};

} // namespace ic::sys
