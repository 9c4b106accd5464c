#include "BalancerSettings.h"

#include "config/CommonSettings.h"
#include "config/Configuration.h"

#include <QDir>
#include <QFileInfo>

namespace ic::balancer {

QString BalancerSettings::publicHostPort() const
{
    const QString host = publicUrl.host(QUrl::FullyEncoded);
    const int defaultPort = publicUrl.scheme() == u"https" ? 443 : 80;
    const int port = publicUrl.port(defaultPort);
    return port == defaultPort ? host : QStringLiteral("%1:%2").arg(host).arg(port);
}

void declareSettings(ic::config::Configuration &c)
{
    using ic::config::Setting;
    c.add(Setting{QStringLiteral("port"), QStringLiteral("PORT"),
                  QStringLiteral("TCP port of the web UI and API (0 picks a free port)."),
                  QStringLiteral("8080")});
    ic::config::declareCommonSettings(c);
    c.add(Setting{QStringLiteral("public-url"), QStringLiteral("URL"),
                  QStringLiteral("Public URL of the site; https makes cookies Secure; its host is "
                                 "used in gateway answers."),
                  QString()});
    c.add(Setting{QStringLiteral("servers"), QStringLiteral("LIST"),
                  QStringLiteral("Static room servers host:port,... (empty string for none)."),
                  QStringLiteral("127.0.0.1:8081")});
    c.add(Setting{QStringLiteral("web-root"), QStringLiteral("DIR"),
                  QStringLiteral("Folder of the browser UI."), QString()});
    c.add(Setting{QStringLiteral("jquery"), QStringLiteral("FILE"),
                  QStringLiteral("jQuery file served as /static/vendor/jquery.min.js."),
                  QStringLiteral("/usr/share/javascript/jquery/jquery.min.js")});
    c.add(Setting{
        QStringLiteral("gateway-routes"), QStringLiteral("on|off"),
        QStringLiteral("Answer bA = <public host>/b/<server-id> (servers behind the gateway)."),
        QStringLiteral("off")});
    c.add(Setting{QStringLiteral("admin-password-file"), QStringLiteral("FILE"),
                  QStringLiteral("File holding the admin password; admin is off without one "
                                 "(INSTANTCHAT_ADMIN_PASSWORD also works)."),
                  QString()});
    c.add(Setting{QStringLiteral("heartbeat-interval"), QStringLiteral("SECONDS"),
                  QStringLiteral("Seconds between server heartbeats (servers are told this); 3 "
                                 "missed = out of placement."),
                  QStringLiteral("2")});
    c.add(Setting{
        QStringLiteral("load-ceiling"), QStringLiteral("FRACTION"),
        QStringLiteral("A server whose connections/max or CPU is above this gets no new room."),
        QStringLiteral("0.9")});
    c.add(Setting{QStringLiteral("new-rooms-per-second"), QStringLiteral("N"),
                  QStringLiteral("New rooms placed per second from all clients together (burst "
                                 "10 s worth); 0 = no bound. Lifted by --rate-limits off."),
                  QStringLiteral("20")});
    c.add(Setting{QStringLiteral("drawing-memory"), QStringLiteral("BYTES"),
                  QStringLiteral("Total memory for stored drawings (when full, the oldest "
                                 "drawings make room)."),
                  QStringLiteral("268435456")});
    c.add(Setting{QStringLiteral("drawing-share"), QStringLiteral("BYTES"),
                  QStringLiteral("Drawing memory one client address (IPv6: one /64) may hold; "
                                 "uploads beyond it get 429."),
                  QStringLiteral("16777216")});
    c.add(Setting{QStringLiteral("drawing-max-bytes"), QStringLiteral("BYTES"),
                  QStringLiteral("Largest PNG accepted as a drawing."), QStringLiteral("1048576")});
    c.add(Setting{QStringLiteral("drawing-max-dimension"), QStringLiteral("PIXELS"),
                  QStringLiteral("Largest width and height of a drawing."),
                  QStringLiteral("2048")});
    c.add(Setting{QStringLiteral("drawing-lifetime"), QStringLiteral("SECONDS"),
                  QStringLiteral("Drawings expire this long after the last upload in their group."),
                  QStringLiteral("43200")});
    c.add(Setting{QStringLiteral("max-body"), QStringLiteral("BYTES"),
                  QStringLiteral("Largest request body accepted."), QStringLiteral("4194304")});
    c.add(Setting{QStringLiteral("max-connections"), QStringLiteral("N"),
                  QStringLiteral("Open client connections in total (at most the descriptor limit "
                                 "less 64); more get HTTP 503."),
                  QStringLiteral("20000")});
    c.add(Setting{QStringLiteral("max-connections-per-address"), QStringLiteral("N"),
                  QStringLiteral("Open client connections per TCP peer address (a proxy counts "
                                 "as one); more get HTTP 429."),
                  QStringLiteral("64")});
    c.add(Setting{QStringLiteral("handshake-timeout"), QStringLiteral("SECONDS"),
                  QStringLiteral("Seconds a request's headers may take, from the connection's "
                                 "start (later requests: from their first byte); then HTTP 408."),
                  QStringLiteral("10")});
    c.add(Setting{QStringLiteral("body-timeout"), QStringLiteral("SECONDS"),
                  QStringLiteral("Seconds a request's body may take after its headers; then "
                                 "HTTP 408."),
                  QStringLiteral("60")});
    c.add(Setting{
        QStringLiteral("probe-interval"), QStringLiteral("MILLISECONDS"),
        QStringLiteral("Interval of GET /hw health probes; 3 failed probes = out of placement."),
        QStringLiteral("2000")});
    c.add(Setting{
        QStringLiteral("warm-up"), QStringLiteral("SECONDS"),
        QStringLiteral("After start, unknown rooms wait this long for servers to re-register so no "
                       "room is placed twice (-1 = 2.5 heartbeat intervals)."),
        QStringLiteral("-1")});
    c.add(Setting{
        QStringLiteral("forget-dead-after"), QStringLiteral("SECONDS"),
        QStringLiteral("A dead self-registered server stays listed (admin, /sd: its alert keeps "
                       "firing) this long; 0 = until an admin forgets it."),
        QStringLiteral("86400")});
}

bool loadSettings(const ic::config::Configuration &c, const QString &executableDir,
                  BalancerSettings *s, QString *error)
{
    qint64 port = 0;
    if (!c.integerValue(QStringLiteral("port"), 0, 65535, &port, error))
        return false;
    s->port = quint16(port);
    s->bind = c.value(QStringLiteral("bind")).trimmed();
    const QString publicUrl = c.value(QStringLiteral("public-url")).trimmed();
    s->publicUrl =
        QUrl(publicUrl.isEmpty() ? QStringLiteral("http://localhost:%1").arg(port) : publicUrl);
    if (!s->publicUrl.isValid() ||
        (s->publicUrl.scheme() != u"http" && s->publicUrl.scheme() != u"https") ||
        s->publicUrl.host().isEmpty()) {
        *error = QStringLiteral("--public-url must be an http or https URL");
        return false;
    }
    s->servers = c.listValue(QStringLiteral("servers"));
    for (const QString &server : std::as_const(s->servers)) {
        const qsizetype colon = server.lastIndexOf(u':');
        if (colon <= 0 || server.mid(colon + 1).toInt() <= 0) {
            *error = QStringLiteral("--servers entries must be host:port, got '%1'").arg(server);
            return false;
        }
    }
    s->webRoot = c.value(QStringLiteral("web-root")).trimmed();
    if (s->webRoot.isEmpty()) {
        const QString installed =
            QDir(executableDir).absoluteFilePath(QStringLiteral("../share/instantchat/web"));
        s->webRoot = QFileInfo(installed + QStringLiteral("/index.html")).exists()
                         ? QDir::cleanPath(installed)
                         : QStringLiteral(INSTANTCHAT_SOURCE_WEB_ROOT);
    }
    s->jquery = c.value(QStringLiteral("jquery")).trimmed();
    if (!c.switchValue(QStringLiteral("gateway-routes"), &s->gatewayRoutes, error))
        return false;
    QString secretError;
    s->clusterToken = c.secret(QStringLiteral("cluster-token-file"),
                               QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"), &secretError);
    if (!secretError.isEmpty()) {
        *error = secretError;
        return false;
    }
    s->adminPassword = c.secret(QStringLiteral("admin-password-file"),
                                QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD"), &secretError);
    if (!secretError.isEmpty()) {
        *error = secretError;
        return false;
    }
    qint64 v = 0;
    if (!c.integerValue(QStringLiteral("heartbeat-interval"), 1, 60, &v, error))
        return false;
    s->heartbeatIntervalSeconds = int(v);
    s->loadCeiling = c.doubleValue(QStringLiteral("load-ceiling"));
    if (!(s->loadCeiling > 0.0 && s->loadCeiling <= 1.0)) {
        *error = QStringLiteral("--load-ceiling must be a fraction above 0 and at most 1");
        return false;
    }
    if (!c.switchValue(QStringLiteral("rate-limits"), &s->rateLimits, error))
        return false;
    if (!c.integerValue(QStringLiteral("new-rooms-per-second"), 0, 1000000, &s->newRoomsPerSecond,
                        error))
        return false;
    if (!s->trustedProxies.parse(c.value(QStringLiteral("trusted-proxies")), error))
        return false;
    if (!s->internalPeers.parse(c.value(QStringLiteral("internal-peers")), error,
                                QStringLiteral("internal-peers")))
        return false;
    s->logLevel = c.value(QStringLiteral("log-level"));
    s->tlsCert = c.value(QStringLiteral("tls-cert")).trimmed();
    s->tlsKey = c.value(QStringLiteral("tls-key")).trimmed();
    if (s->tlsCert.isEmpty() != s->tlsKey.isEmpty()) {
        *error = QStringLiteral("--tls-cert and --tls-key must be given together");
        return false;
    }
    if (!c.integerValue(QStringLiteral("drawing-memory"), 1, 1LL << 40, &s->drawingMemoryBytes,
                        error) ||
        !c.integerValue(QStringLiteral("drawing-max-bytes"), 1, 1LL << 32, &s->drawingMaxBytes,
                        error) ||
        !c.integerValue(QStringLiteral("drawing-share"), 1, 1LL << 40, &s->drawingShareBytes,
                        error) ||
        !c.integerValue(QStringLiteral("drawing-lifetime"), 1, 365LL * 86400,
                        &s->drawingLifetimeSeconds, error) ||
        !c.integerValue(QStringLiteral("max-body"), 1, 1LL << 32, &s->maxBodyBytes, error))
        return false;
    if (!c.integerValue(QStringLiteral("drawing-max-dimension"), 1, 65535, &v, error))
        return false;
    s->drawingMaxDimension = int(v);
    if (!c.integerValue(QStringLiteral("max-connections"), 1, 10000000, &v, error))
        return false;
    s->maxConnections = int(v);
    if (!c.integerValue(QStringLiteral("max-connections-per-address"), 1, 10000000, &v, error))
        return false;
    s->maxConnectionsPerAddress = int(v);
    if (!c.integerValue(QStringLiteral("handshake-timeout"), 1, 3600, &v, error))
        return false;
    s->handshakeTimeoutSeconds = int(v);
    if (!c.integerValue(QStringLiteral("body-timeout"), 1, 3600, &v, error))
        return false;
    s->bodyTimeoutSeconds = int(v);
    if (!c.integerValue(QStringLiteral("probe-interval"), 100, 3600 * 1000, &v, error))
        return false;
    s->probeIntervalMs = int(v);
    // -1 is the documented "2.5 heartbeat intervals".
    if (!c.integerValue(QStringLiteral("warm-up"), -1, 3600, &v, error))
        return false;
    s->warmUpSeconds = int(v);
    if (!c.integerValue(QStringLiteral("forget-dead-after"), 0, 3650LL * 86400,
                        &s->forgetDeadAfterSeconds, error))
        return false;
    return true;
}

} // namespace ic::balancer
