// /metrics output (interfaces.md "Metrics"): Prometheus text exposition with our families and the
// standard process_* metrics, whose values must be real readings of this process.

#include "metrics/MetricsRegistry.h"
#include "system/ProcessStats.h"

#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <ctime>
#include <memory>
#include <unistd.h>
#include <vector>

using ic::metrics::MetricsRegistry;

namespace {

// The value of the sample line `<name> <value>` (no labels), or NaN when absent.
double sampleValue(const QByteArray &text, const QByteArray &series)
{
    for (const QByteArray &line : text.split('\n')) {
        if (line.startsWith(series + ' '))
            return line.mid(series.size() + 1).trimmed().toDouble();
    }
    return std::numeric_limits<double>::quiet_NaN();
}

// Spins for `duration` of wall time.
void burn(std::chrono::milliseconds duration)
{
    volatile quint64 sink = 0;
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < duration)
        for (int i = 0; i < 1000; ++i)
            sink = sink + quint64(i) * 2654435761u;
}

// CPU time of the whole process from the kernel's clock, independent of /proc parsing.
double kernelProcessCpuSeconds()
{
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

} // namespace

class TestMetricsRegistry : public QObject
{
    Q_OBJECT

private slots:
    void familiesAreSerialised()
    {
        MetricsRegistry registry;
        prometheus::Counter &received =
            registry.counter("instantchat_messages_received_total", "Messages received.");
        prometheus::Counter &errors203 =
            registry.counter("instantchat_errors_total", "Errors by code.", {{"code", "203"}});
        prometheus::Counter &errors208 =
            registry.counter("instantchat_errors_total", "Errors by code.", {{"code", "208"}});
        prometheus::Gauge &connections =
            registry.gauge("instantchat_connections", "Open WebSockets.");
        prometheus::Histogram &latency =
            registry.histogram("instantchat_broadcast_latency_seconds", "Broadcast latency.",
                               ic::metrics::latencyBuckets());

        received.Increment(3);
        errors203.Increment();
        errors208.Increment(2);
        connections.Set(17);
        latency.Observe(0.0003);
        latency.Observe(0.2);

        const QByteArray text = registry.serialize();
        QVERIFY(text.contains("# TYPE instantchat_messages_received_total counter"));
        QVERIFY(text.contains("# HELP instantchat_messages_received_total Messages received."));
        QCOMPARE(sampleValue(text, "instantchat_messages_received_total"), 3.0);
        QCOMPARE(sampleValue(text, "instantchat_errors_total{code=\"203\"}"), 1.0);
        QCOMPARE(sampleValue(text, "instantchat_errors_total{code=\"208\"}"), 2.0);
        QVERIFY(text.contains("# TYPE instantchat_connections gauge"));
        QCOMPARE(sampleValue(text, "instantchat_connections"), 17.0);
        QVERIFY(text.contains("# TYPE instantchat_broadcast_latency_seconds histogram"));
        QCOMPARE(sampleValue(text, "instantchat_broadcast_latency_seconds_count"), 2.0);
        QCOMPARE(sampleValue(text, "instantchat_broadcast_latency_seconds_sum"), 0.2003);
        QCOMPARE(sampleValue(text, "instantchat_broadcast_latency_seconds_bucket{le=\"0.00025\"}"),
                 0.0);
        QCOMPARE(sampleValue(text, "instantchat_broadcast_latency_seconds_bucket{le=\"0.0005\"}"),
                 1.0);
        QCOMPARE(sampleValue(text, "instantchat_broadcast_latency_seconds_bucket{le=\"0.25\"}"),
                 2.0);
        QCOMPARE(sampleValue(text, "instantchat_broadcast_latency_seconds_bucket{le=\"+Inf\"}"),
                 2.0);

        // Values are read at scrape time, not frozen at registration.
        received.Increment();
        QCOMPARE(sampleValue(registry.serialize(), "instantchat_messages_received_total"), 4.0);
    }

    void sameSeriesTwiceIsOneSeries()
    {
        // Components look metrics up by name; asking twice must not create a duplicate family.
        MetricsRegistry registry;
        registry.counter("instantchat_test_total", "Test.", {{"kind", "a"}}).Increment();
        registry.counter("instantchat_test_total", "Test.", {{"kind", "a"}}).Increment();
        const QByteArray text = registry.serialize();
        QCOMPARE(sampleValue(text, "instantchat_test_total{kind=\"a\"}"), 2.0);
        QCOMPARE(text.count("# TYPE instantchat_test_total counter"), 1);
    }

    void processMetrics()
    {
        MetricsRegistry registry;
        const QByteArray text = registry.serialize();
        QVERIFY(text.contains("# TYPE process_cpu_seconds_total counter"));
        QVERIFY(text.contains("# TYPE process_resident_memory_bytes gauge"));
        QVERIFY(text.contains("# TYPE process_open_fds gauge"));
        const double rss = sampleValue(text, "process_resident_memory_bytes");
        QVERIFY2(rss > 1024 * 1024 && rss < 64.0 * 1024 * 1024 * 1024,
                 qPrintable(QString::number(rss)));
        const double fds = sampleValue(text, "process_open_fds");
        QVERIFY2(fds >= 3, qPrintable(QString::number(fds))); // stdin, stdout, stderr at least
        QVERIFY(sampleValue(text, "process_cpu_seconds_total") >= 0);
        QCOMPARE(QByteArray(MetricsRegistry::contentType),
                 QByteArray("text/plain; version=0.0.4; charset=utf-8"));
    }

    void processCpuGrowsWithWork()
    {
        const double before = ic::sys::processCpuSeconds();
        QVERIFY(before >= 0);
        // Burn CPU until /proc reports 0.2 s more (ticks are 10 ms); the deadline only guards
        // against a counter that never moves, and is generous for a loaded machine.
        const auto start = std::chrono::steady_clock::now();
        double after = before;
        while (after - before < 0.2 &&
               std::chrono::steady_clock::now() - start < std::chrono::seconds(30)) {
            burn(std::chrono::milliseconds(20));
            after = ic::sys::processCpuSeconds();
        }
        QVERIFY2(after - before >= 0.2,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
        // And never more CPU than our own measurement says we used (plus tick rounding).
        QVERIFY(after <= kernelProcessCpuSeconds() + 0.5);
    }

    void openFdsCountsFiles()
    {
        QTemporaryDir dir;
        const int before = ic::sys::openFileDescriptors();
        std::vector<std::unique_ptr<QFile>> files;
        for (int i = 0; i < 5; ++i) {
            files.push_back(std::make_unique<QFile>(dir.filePath(QString::number(i))));
            QVERIFY(files.back()->open(QIODevice::WriteOnly));
        }
        QCOMPARE(ic::sys::openFileDescriptors(), before + 5);
        files.clear();
        QCOMPARE(ic::sys::openFileDescriptors(), before);
    }

    void residentMemoryGrowsWithUse()
    {
        const qint64 before = ic::sys::residentBytes();
        QByteArray block(64 * 1024 * 1024, 'x'); // touched pages count as resident
        const qint64 after = ic::sys::residentBytes();
        QVERIFY2(after - before > 32LL * 1024 * 1024,
                 qPrintable(QStringLiteral("%1 -> %2").arg(before).arg(after)));
        QVERIFY(block.at(block.size() - 1) == 'x');
        QVERIFY(qAbs(ic::sys::residentBytes(qint64(::getpid())) - after) < 4 * 1024 * 1024);
        QVERIFY(ic::sys::residentBytes(-1) < 0); // unknown process
    }

    void hostFigures()
    {
        const double memory = ic::sys::hostMemoryUsedPercent();
        QVERIFY(memory > 0 && memory < 100);

        ic::sys::CpuSampler sampler;
        QCOMPARE(sampler.processPercent(), 0.0);
        const double cpuBefore = kernelProcessCpuSeconds();
        const auto wallBefore = std::chrono::steady_clock::now();
        burn(std::chrono::milliseconds(500));
        sampler.sample();
        const double cpu = kernelProcessCpuSeconds() - cpuBefore;
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - wallBefore).count();
        // The sampler's figure must match what this (single-threaded) process really used;
        // 10 ms ticks at both ends make up the tolerance.
        const double expected = 100.0 * cpu / wall;
        QVERIFY2(
            qAbs(sampler.processPercent() - expected) < 100.0 * 0.03 / wall + 5,
            qPrintable(QStringLiteral("%1 vs %2").arg(sampler.processPercent()).arg(expected)));
        QVERIFY(sampler.hostPercent() >= 0 && sampler.hostPercent() <= 100);
    }

    void latencyBuckets()
    {
        const auto buckets = ic::metrics::latencyBuckets();
        QVERIFY(std::is_sorted(buckets.begin(), buckets.end()));
        QCOMPARE(buckets.front(), 0.00005);
        QCOMPARE(buckets.back(), 5.0);
    }
};

QTEST_GUILESS_MAIN(TestMetricsRegistry)
#include "tst_metricsregistry.moc"
