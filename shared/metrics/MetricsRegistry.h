#pragma once
// A prometheus-cpp registry plus the standard process_* metrics, served as text on /metrics.

#include <QByteArray>
#include <memory>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace ic::metrics {

class MetricsRegistry
{
public:
    MetricsRegistry();
    ~MetricsRegistry();
    MetricsRegistry(const MetricsRegistry &) = delete;
    MetricsRegistry &operator=(const MetricsRegistry &) = delete;

    prometheus::Registry &registry() { return *m_registry; }

    prometheus::Counter &counter(const std::string &name, const std::string &help,
                                 const prometheus::Labels &labels = {});
    prometheus::Gauge &gauge(const std::string &name, const std::string &help,
                             const prometheus::Labels &labels = {});
    prometheus::Histogram &histogram(const std::string &name, const std::string &help,
                                     const prometheus::Histogram::BucketBoundaries &buckets,
                                     const prometheus::Labels &labels = {});

    // Text exposition format 0.0.4 of every metric, process_* included.
    QByteArray serialize() const;

    static constexpr const char *contentType = "text/plain; version=0.0.4; charset=utf-8";

private:
    std::shared_ptr<prometheus::Registry> m_registry;
    std::shared_ptr<prometheus::Collectable> m_processCollector;
};

// Latency buckets from 50 µs to 5 s, for broadcast and request latencies.
prometheus::Histogram::BucketBoundaries latencyBuckets();

} // namespace ic::metrics
