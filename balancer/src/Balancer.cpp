#include "Balancer.h"

#include "controllers/AdminController.h"
#include "controllers/DrawingsController.h"
#include "controllers/InternalController.h"
#include "controllers/MonitoringController.h"
#include "controllers/PagesController.h"
#include "controllers/PickController.h"
#include "controllers/PlainHttpController.h"
#include "core/HttpCore.h"
#include "net/TlsIdentity.h"
#include "registry/ServerRegistry.h"
#include "registry/UpstreamClient.h"

#include <QHostAddress>
#include <QLoggingCategory>

#include <algorithm>
#include <limits>
#include <sys/resource.h>

// The same category as main.cpp's lines: every balancer line says "balancer:".
Q_LOGGING_CATEGORY(lcBalancer, "balancer")

namespace ic::balancer {
namespace {

// Client connections may use the descriptors the process has, less a reserve for the servers,
// probes and files it opens itself: running out would stop all service, not only new clients.
int descriptorBudget()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return std::numeric_limits<int>::max();
    return int(std::max<rlim_t>(16, std::min<rlim_t>(limit.rlim_cur, 1 << 30) - 64));
}

} // namespace

QString BalancerContext::backendAddress(const ServerInfo &server, const Request &request) const
{
    if (settings.gatewayRoutes)
        return settings.publicHostPort() + QStringLiteral("/b/") + server.id;
    const qsizetype colon = server.address.lastIndexOf(u':');
    const QString host = server.address.left(colon);
    const QString port = server.address.mid(colon + 1);
    const QHostAddress ip(host.startsWith(u'[') ? host.mid(1, host.size() - 2) : host);
    const bool loopback =
        host.compare(u"localhost", Qt::CaseInsensitive) == 0 || (!ip.isNull() && ip.isLoopback());
    if (!loopback)
        return server.address;
    QString clientHost = QString::fromLatin1(request.header("Host")).trimmed();
    if (clientHost.startsWith(u'[')) {
        clientHost = clientHost.left(clientHost.indexOf(u']') + 1);
    } else if (clientHost.contains(u':')) {
        clientHost = clientHost.left(clientHost.indexOf(u':'));
    }
    static const QRegularExpression hostPattern(
        QStringLiteral("^[A-Za-z0-9.\\-]{1,253}$|^\\[[0-9A-Fa-f:.]+\\]$"));
    if (clientHost.isEmpty() || !hostPattern.match(clientHost).hasMatch())
        return server.address;
    return clientHost + u':' + port;
}

Balancer::Balancer(BalancerSettings settings, QObject *parent) : QObject(parent)
{
    m_context.settings = std::move(settings);
    m_context.clock.start();
    const BalancerSettings &s = m_context.settings;
    m_metrics = std::make_unique<BalancerMetrics>();
    m_drawings = std::make_unique<DrawingStore>(
        DrawingLimits{s.drawingMemoryBytes, s.drawingMaxBytes, s.drawingMaxDimension,
                      s.drawingLifetimeSeconds * 1000, s.drawingShareBytes});
    // Generous buckets: a page load makes one placement; a script sending in a loop is slowed.
    m_placementLimiter = std::make_unique<RateLimiter>(10.0, 60.0);
    m_writeLimiter = std::make_unique<RateLimiter>(3.0, 30.0);
    m_placementLimiter->setEnabled(s.rateLimits);
    m_writeLimiter->setEnabled(s.rateLimits);
    // Upload bytes per address: the count bucket alone would let 30 maximum-size drawings in at
    // once; this one allows 8 of the largest at once, then 64 KiB/s on average. The burst also
    // covers the largest body, or a legal upload could never pass.
    m_uploadBytesLimiter = std::make_unique<RateLimiter>(
        64.0 * 1024, std::max(8.0 * double(s.drawingMaxBytes), 2.0 * double(s.maxBodyBytes)));
    m_uploadBytesLimiter->setEnabled(s.rateLimits);

    auto *upstream = new UpstreamClient(s.clusterToken, this);
    RegistryOptions options;
    options.staticServers = s.servers;
    options.heartbeatIntervalSeconds = s.heartbeatIntervalSeconds;
    options.probeIntervalMs = s.probeIntervalMs;
    options.loadCeiling = s.loadCeiling;
    if (s.rateLimits)
        options.newRoomsPerSecond = double(s.newRoomsPerSecond);
    options.forgetDeadAfterMs = s.forgetDeadAfterSeconds * 1000;
    options.warmUpMs =
        s.warmUpSeconds >= 0 ? s.warmUpSeconds * 1000 : s.heartbeatIntervalSeconds * 2500;
    auto *registry = new ServerRegistry(options, upstream, this);
    connect(registry, &ServerRegistry::serversChanged, this,
            [this](int up, int known) { m_metrics->setServers(up, known); });
    BalancerMetrics *handoffMetrics = m_metrics.get();
    connect(registry, &ServerRegistry::roomMoved, this,
            [handoffMetrics] { handoffMetrics->countRoomMoved(); });
    connect(registry, &ServerRegistry::moveFailed, this,
            [handoffMetrics] { handoffMetrics->countHandoffFailure(); });
    connect(registry, &ServerRegistry::roomsLost, this,
            [handoffMetrics](int count) { handoffMetrics->countRoomsLost(count); });
    connect(registry, &ServerRegistry::transitChanged, this,
            [handoffMetrics](int count) { handoffMetrics->setRoomsInTransit(count); });
    connect(registry, &ServerRegistry::failoverFinished, this,
            [handoffMetrics](int promoted, int, double seconds) {
                handoffMetrics->countFailover(promoted, seconds);
            });
    connect(registry, &ServerRegistry::replicatedRoomsChanged, this,
            [handoffMetrics](int count) { handoffMetrics->setReplicatedRooms(count); });

    m_context.metrics = m_metrics.get();
    m_context.registry = registry;
    m_context.upstream = upstream;
    m_context.drawings = m_drawings.get();
    m_context.placementLimiter = m_placementLimiter.get();
    m_context.writeLimiter = m_writeLimiter.get();
    m_context.uploadBytesLimiter = m_uploadBytesLimiter.get();

    BalancerMetrics *metrics = m_metrics.get();
    RequestLimits limits;
    limits.maxBodyBytes = s.maxBodyBytes;
    limits.maxConnectionsPerAddress = s.maxConnectionsPerAddress;
    limits.maxConnections = std::min(s.maxConnections, descriptorBudget());
    limits.headerTimeoutMs = s.handshakeTimeoutSeconds * 1000LL;
    limits.bodyTimeoutMs = s.bodyTimeoutSeconds * 1000LL;
    m_core = new HttpCore(
        limits,
        [metrics](const QString &route, int status) { metrics->countRequest(route, status); },
        this);
    m_core->setRefusedCounter(
        [metrics](const char *reason) { metrics->countConnectionRefused(reason); });
    m_core->setTrustedProxies(s.trustedProxies);
    // Order matters: fixed routes first, the page controller (which treats any other
    // single-segment path as a room name) last.
    m_core->addController(new MonitoringController(&m_context));
    m_core->addController(new InternalController(&m_context));
    m_core->addController(new AdminController(&m_context));
    m_core->addController(new PickController(&m_context));
    m_core->addController(new PlainHttpController(&m_context));
    m_core->addController(new DrawingsController(&m_context));
    m_core->addController(new PagesController(&m_context));

    // Expired drawings are freed even when nobody uploads or downloads.
    m_housekeeping.setInterval(60 * 1000);
    connect(&m_housekeeping, &QTimer::timeout, this,
            [this] { m_drawings->expire(m_context.nowMs()); });
}

Balancer::~Balancer()
{
    // Pending requests hold replies that count themselves in the metrics when destroyed, so the
    // objects holding them go before the members they use (metrics, store, limiters).
    delete m_core;
    delete m_context.registry;
    delete m_context.upstream;
}

quint16 Balancer::start(QString *error)
{
    const BalancerSettings &s = m_context.settings;
    const bool tls = !s.tlsCert.isEmpty();
    if (tls) {
        const std::optional<QSslConfiguration> configuration =
            ic::net::loadTlsIdentity(s.tlsCert, s.tlsKey, error);
        if (!configuration)
            return 0;
        m_core->sslSetup(*configuration);
    }
    const QHostAddress address(s.bind == u"localhost" ? QStringLiteral("127.0.0.1") : s.bind);
    if (address.isNull()) {
        *error = QStringLiteral("--bind must be an IP address");
        return 0;
    }
    const quint16 port = m_core->start(address, s.port, tls, error);
    if (port == 0)
        return 0;
    m_context.registry->start();
    m_housekeeping.start();
    if (s.clusterToken.isEmpty())
        qCWarning(lcBalancer,
                  "no cluster token: /internal/* (server registration) answers every local "
                  "process (--internal-peers); set --cluster-token-file on the balancer and the "
                  "servers to close it");
    return port;
}

} // namespace ic::balancer
