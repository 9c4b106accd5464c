#include "metrics/MetricsRegistry.h"

#include "system/ProcessStats.h"

#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

namespace ic::metrics {
namespace {

// Reads the process figures at scrape time, so nothing has to update them in between.
class ProcessCollector : public prometheus::Collectable
{
public:
    std::vector<prometheus::MetricFamily> Collect() const override
    {
        std::vector<prometheus::MetricFamily> families;
        families.push_back(family("process_cpu_seconds_total",
                                  "Total user and system CPU time spent in seconds.",
                                  prometheus::MetricType::Counter, sys::processCpuSeconds()));
        families.push_back(family("process_resident_memory_bytes", "Resident memory size in bytes.",
                                  prometheus::MetricType::Gauge, double(sys::residentBytes())));
        families.push_back(family("process_open_fds", "Number of open file descriptors.",
                                  prometheus::MetricType::Gauge,
                                  double(sys::openFileDescriptors())));
        return families;
    }

private:
    static prometheus::MetricFamily family(const char *name, const char *help,
                                           prometheus::MetricType type, double value)
    {
        prometheus::MetricFamily family;
        family.name = name;
        family.help = help;
        family.type = type;
        prometheus::ClientMetric metric;
        if (type == prometheus::MetricType::Counter)
            metric.counter.value = value;
        else
            metric.gauge.value = value;
        family.metric.push_back(metric);
        return family;
    }
};

} // namespace

MetricsRegistry::MetricsRegistry()
    : m_registry(std::make_shared<prometheus::Registry>()),
      m_processCollector(std::make_shared<ProcessCollector>())
{
}

MetricsRegistry::~MetricsRegistry() = default;

prometheus::Counter &MetricsRegistry::counter(const std::string &name, const std::string &help,
                                              const prometheus::Labels &labels)
{
    return prometheus::BuildCounter().Name(name).Help(help).Register(*m_registry).Add(labels);
}

prometheus::Gauge &MetricsRegistry::gauge(const std::string &name, const std::string &help,
                                          const prometheus::Labels &labels)
{
    return prometheus::BuildGauge().Name(name).Help(help).Register(*m_registry).Add(labels);
}

prometheus::Histogram &
MetricsRegistry::histogram(const std::string &name, const std::string &help,
                           const prometheus::Histogram::BucketBoundaries &buckets,
                           const prometheus::Labels &labels)
{
    return prometheus::BuildHistogram()
        .Name(name)
        .Help(help)
        .Register(*m_registry)
        .Add(labels, buckets);
}

QByteArray MetricsRegistry::serialize() const
{
    std::vector<prometheus::MetricFamily> families = m_registry->Collect();
    std::vector<prometheus::MetricFamily> process = m_processCollector->Collect();
    families.insert(families.end(), process.begin(), process.end());
    const std::string text = prometheus::TextSerializer().Serialize(families);
    return QByteArray(text.data(), qsizetype(text.size()));
}

prometheus::Histogram::BucketBoundaries latencyBuckets()
{
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
            0.025,   0.05,   0.1,     0.25,   0.5,   1.0,    2.5,   5.0};
}

} // namespace ic::metrics
