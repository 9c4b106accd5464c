#pragma once
// Latency samples and the figures read about the server process from /proc.

#include <QString>
#include <chrono>
#include <map>
#include <vector>

namespace ic::load {

// The one clock of the process: send times in message texts and receive times both use it, so
// end-to-end latency needs no clock synchronisation.
inline qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Latencies in microseconds. Every sample is kept (4 bytes each: 2 M deliveries = 8 MB), so
// percentiles are exact rather than bucketed, and push_back is cheaper than a histogram update.
class LatencySamples
{
public:
    void add(qint64 microseconds)
    {
        m_samples.push_back(quint32(qBound<qint64>(0, microseconds, 0xFFFFFFFFLL)));
        m_sorted = false;
    }
    void clear() { m_samples.clear(); }
    qsizetype count() const { return qsizetype(m_samples.size()); }
    // Percentile p (0..100) in milliseconds (nearest rank); 0 when empty.
    double percentileMs(double p);
    double maxMs();

private:
    std::vector<quint32> m_samples;
    bool m_sorted = false;
};

// Seconds the threads of `pid` (0 = this process) spent runnable but waiting for a CPU
// (/proc/<pid>/task/*/schedstat, second field). On an oversubscribed host this, not the
// program, explains latency: a benchmark is only valid while it stays small.
double runQueueWaitSeconds(qint64 pid = 0);

struct ThreadCpu
{
    int tid = 0;
    QString name;
    double seconds = 0;
};

// CPU and memory of the server under test, from /proc/<pid>: CPU seconds over a window, peak
// RSS sampled while the window runs, and per-thread CPU (/proc/<pid>/task/*/stat) so a
// saturated worker thread shows even when the process total looks fine.
class ServerProbe
{
public:
    explicit ServerProbe(qint64 pid = 0) : m_pid(pid) {}
    bool enabled() const { return m_pid > 0; }
    qint64 pid() const { return m_pid; }
    // More server processes of the same cluster (e.g. the one holding the room copies): their
    // CPU and CPU wait are added to cpuSeconds()/waitSeconds(); RSS and threads stay the first's.
    void addPeer(qint64 pid) { m_peers.push_back(pid); }
    const std::vector<qint64> &peers() const { return m_peers; }

    qint64 rssNow() const;
    void begin();  // start of a measurement window
    void sample(); // once a second: peak RSS
    void end();    // end of the window

    double cpuSeconds() const { return m_cpuEnd - m_cpuBegin; }
    double windowSeconds() const { return double(m_endNs - m_beginNs) / 1e9; }
    qint64 peakRss() const { return m_peakRss; }
    qint64 rssAtBegin() const { return m_rssBegin; }
    qint64 rssAtEnd() const { return m_rssEnd; }
    double waitSeconds() const { return m_waitEnd - m_waitBegin; }
    const std::vector<ThreadCpu> &threads() const { return m_threads; }

private:
    std::map<int, ThreadCpu> readThreads() const;
    double cpuOfAll() const;
    double waitOfAll() const;

    qint64 m_pid = 0;
    std::vector<qint64> m_peers;
    double m_cpuBegin = 0, m_cpuEnd = 0;
    double m_waitBegin = 0, m_waitEnd = 0;
    qint64 m_beginNs = 0, m_endNs = 0;
    qint64 m_rssBegin = 0, m_rssEnd = 0, m_peakRss = 0;
    std::map<int, ThreadCpu> m_threadsBegin;
    std::vector<ThreadCpu> m_threads; // CPU within the window, busiest first
};

} // namespace ic::load
