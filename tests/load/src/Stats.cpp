#include "Stats.h"

#include "system/ProcessStats.h"

#include <QDir>
#include <QFile>
#include <algorithm>
#include <unistd.h>

namespace ic::load {

double LatencySamples::percentileMs(double p)
{
    if (m_samples.empty())
        return 0;
    if (!m_sorted) {
        std::sort(m_samples.begin(), m_samples.end());
        m_sorted = true;
    }
    const double rank = p / 100.0 * double(m_samples.size());
    size_t index = rank <= 1 ? 0 : size_t(rank + 0.999999) - 1;
    index = std::min(index, m_samples.size() - 1);
    return double(m_samples[index]) / 1000.0;
}

double LatencySamples::maxMs()
{
    if (m_samples.empty())
        return 0;
    return double(*std::max_element(m_samples.begin(), m_samples.end())) / 1000.0;
}

double runQueueWaitSeconds(qint64 pid)
{
    const QString taskDir =
        pid > 0 ? QStringLiteral("/proc/%1/task").arg(pid) : QStringLiteral("/proc/self/task");
    double seconds = 0;
    const QStringList tids = QDir(taskDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &tid : tids) {
        QFile file(taskDir + QLatin1Char('/') + tid + QStringLiteral("/schedstat"));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        const QList<QByteArray> fields = file.readAll().trimmed().split(' ');
        if (fields.size() >= 2)
            seconds += double(fields[1].toULongLong()) / 1e9;
    }
    return seconds;
}

qint64 ServerProbe::rssNow() const
{
    return enabled() ? sys::residentBytes(m_pid) : 0;
}

std::map<int, ThreadCpu> ServerProbe::readThreads() const
{
    std::map<int, ThreadCpu> threads;
    const QString taskDir = QStringLiteral("/proc/%1/task").arg(m_pid);
    const QStringList tids = QDir(taskDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    const double ticksPerSecond = double(sysconf(_SC_CLK_TCK));
    for (const QString &tidText : tids) {
        QFile file(taskDir + QLatin1Char('/') + tidText + QStringLiteral("/stat"));
        if (!file.open(QIODevice::ReadOnly))
            continue; // the thread ended between listing and reading
        const QByteArray stat = file.readAll();
        const qsizetype open = stat.indexOf('(');
        const qsizetype close = stat.lastIndexOf(')');
        if (open < 0 || close < open)
            continue;
        // utime and stime are fields 14 and 15; field 3 (state) is the first after ") ".
        const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
        if (fields.size() < 13)
            continue;
        ThreadCpu thread;
        thread.tid = tidText.toInt();
        thread.name = QString::fromUtf8(stat.mid(open + 1, close - open - 1));
        thread.seconds =
            double(fields[11].toULongLong() + fields[12].toULongLong()) / ticksPerSecond;
        threads[thread.tid] = thread;
    }
    return threads;
}

double ServerProbe::cpuOfAll() const
{
    double seconds = sys::processCpuSeconds(m_pid);
    for (const qint64 peer : m_peers)
        seconds += sys::processCpuSeconds(peer);
    return seconds;
}

double ServerProbe::waitOfAll() const
{
    double seconds = runQueueWaitSeconds(m_pid);
    for (const qint64 peer : m_peers)
        seconds += runQueueWaitSeconds(peer);
    return seconds;
}

void ServerProbe::begin()
{
    if (!enabled())
        return;
    m_beginNs = monotonicNs();
    m_cpuBegin = cpuOfAll();
    m_waitBegin = waitOfAll();
    m_rssBegin = rssNow();
    m_peakRss = m_rssBegin;
    m_threadsBegin = readThreads();
}

void ServerProbe::sample()
{
    if (enabled())
        m_peakRss = std::max(m_peakRss, rssNow());
}

void ServerProbe::end()
{
    if (!enabled())
        return;
    m_endNs = monotonicNs();
    m_cpuEnd = cpuOfAll();
    m_waitEnd = waitOfAll();
    m_rssEnd = rssNow();
    m_peakRss = std::max(m_peakRss, m_rssEnd);
    m_threads.clear();
    for (const auto &[tid, now] : readThreads()) {
        ThreadCpu delta = now;
        const auto before = m_threadsBegin.find(tid);
        if (before != m_threadsBegin.end())
            delta.seconds -= before->second.seconds;
        m_threads.push_back(delta);
    }
    std::sort(m_threads.begin(), m_threads.end(),
              [](const ThreadCpu &a, const ThreadCpu &b) { return a.seconds > b.seconds; });
}

} // namespace ic::load
