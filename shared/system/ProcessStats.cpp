#include "system/ProcessStats.h"

#include <QByteArray>
#include <QDir>
#include <QFile>
#include <QList>
#include <chrono>
#include <unistd.h>

namespace ic::sys {
namespace {

QByteArray readProcFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

double cpuSecondsFromStat(const QByteArray &stat)
{
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return -1;
    const QList<QByteArray> fields = stat.mid(close + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(fields[11].toULongLong() + fields[12].toULongLong());
    return ticks / double(sysconf(_SC_CLK_TCK));
}

qint64 residentFromStatm(const QByteArray &statm)
{
    const QList<QByteArray> fields = statm.split(' ');
    if (fields.size() < 2)
        return -1;
    return fields[1].toLongLong() * sysconf(_SC_PAGESIZE);
}

qint64 monotonicNs()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

} // namespace

double processCpuSeconds()
{
    return cpuSecondsFromStat(readProcFile(QStringLiteral("/proc/self/stat")));
}

double processCpuSeconds(qint64 pid)
{
    return cpuSecondsFromStat(readProcFile(QStringLiteral("/proc/%1/stat").arg(pid)));
}

qint64 residentBytes()
{
    return residentFromStatm(readProcFile(QStringLiteral("/proc/self/statm")));
}

qint64 residentBytes(qint64 pid)
{
    return residentFromStatm(readProcFile(QStringLiteral("/proc/%1/statm").arg(pid)));
}

int openFileDescriptors()
{
    return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::Files | QDir::System).size());
}

double hostMemoryUsedPercent()
{
    const QList<QByteArray> lines = readProcFile(QStringLiteral("/proc/meminfo")).split('\n');
    double total = 0, available = 0;
    for (const QByteArray &line : lines) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() < 2)
            continue;
        if (parts[0] == "MemTotal:")
            total = parts[1].toDouble();
        else if (parts[0] == "MemAvailable:")
            available = parts[1].toDouble();
    }
    return total > 0 ? 100.0 * (total - available) / total : 0;
}

CpuSampler::CpuSampler()
{
    sample();
    m_processPercent = 0;
    m_hostPercent = 0;
}

void CpuSampler::sample()
{
    const qint64 wall = monotonicNs();
    const double process = processCpuSeconds();
    const QByteArray stat = readProcFile(QStringLiteral("/proc/stat"));
    const QList<QByteArray> fields = stat.left(stat.indexOf('\n')).simplified().split(' ');
    quint64 total = 0, idle = 0;
    for (qsizetype i = 1; i < fields.size(); ++i) {
        const quint64 value = fields[i].toULongLong();
        total += value;
        if (i == 4 || i == 5) // idle and iowait
            idle += value;
    }
    const quint64 busy = total - idle;
    if (m_lastWallNs > 0 && wall > m_lastWallNs) {
        m_processPercent =
            100.0 * (process - m_lastProcessSeconds) / (double(wall - m_lastWallNs) / 1e9);
        if (total > m_lastHostTotal)
            m_hostPercent = 100.0 * double(busy - m_lastHostBusy) / double(total - m_lastHostTotal);
    }
    m_lastWallNs = wall;
    m_lastProcessSeconds = process;
    m_lastHostBusy = busy;
    m_lastHostTotal = total;
}

} // namespace ic::sys
