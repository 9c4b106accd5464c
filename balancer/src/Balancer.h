#pragma once
// The balancer process: owns the settings, registry, drawing store and metrics, and wires the
// controllers onto the HTTP core.

#include "BalancerMetrics.h"
#include "BalancerSettings.h"
#include "core/HttpExchange.h"
#include "core/RateLimiter.h"
#include "drawings/DrawingStore.h"
#include "registry/ServerInfo.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>
#include <memory>

namespace ic::balancer {

class HttpCore;
class ServerRegistry;
class UpstreamClient;

// What controllers share. Plain pointers: every object is owned by the Balancer.
struct BalancerContext
{
    BalancerSettings settings;
    BalancerMetrics *metrics = nullptr;
    ServerRegistry *registry = nullptr;
    UpstreamClient *upstream = nullptr;
    DrawingStore *drawings = nullptr;
    RateLimiter *placementLimiter = nullptr;   // /pick_backend, /r/
    RateLimiter *writeLimiter = nullptr;       // /s/, uploads, admin log-in failures
    RateLimiter *uploadBytesLimiter = nullptr; // drawing upload bytes per client address
    QElapsedTimer clock;

    // `bA` for a server: gateway route, or host:port; a loopback address is answered with the
    // host name the client used (its Host header), so the browser's cookie for that host name
    // reaches the server.
    QString backendAddress(const ServerInfo &server, const Request &request) const;
    qint64 nowMs() const { return clock.elapsed(); }
};

class Balancer : public QObject
{
    Q_OBJECT
public:
    explicit Balancer(BalancerSettings settings, QObject *parent = nullptr);
    ~Balancer() override;

    // Listens and starts probing; returns the actual port (0 on failure, with `error`).
    quint16 start(QString *error);

private:
    BalancerContext m_context;
    std::unique_ptr<BalancerMetrics> m_metrics;
    std::unique_ptr<DrawingStore> m_drawings;
    std::unique_ptr<RateLimiter> m_placementLimiter;
    std::unique_ptr<RateLimiter> m_writeLimiter;
    std::unique_ptr<RateLimiter> m_uploadBytesLimiter;
    HttpCore *m_core = nullptr;
    QTimer m_housekeeping;
};

} // namespace ic::balancer
