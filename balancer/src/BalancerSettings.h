#pragma once
// Every balancer setting of docs/interfaces.md (plus the drawing store and guard limits),
// declared once for ic::config::Configuration and read into a plain struct.

#include "net/TrustedProxies.h"

#include <QString>
#include <QStringList>
#include <QUrl>

namespace ic::config {
class Configuration;
}

namespace ic::balancer {

using TrustedProxies = ic::net::TrustedProxies;

struct BalancerSettings
{
    quint16 port = 8080;
    QString bind = QStringLiteral("127.0.0.1");
    QUrl publicUrl;      // http://localhost:<port> when not given
    QStringList servers; // static host:port list
    QString webRoot;
    QString jquery;
    bool gatewayRoutes = false;
    QString clusterToken;  // empty = /internal/* open to internalPeers only (local stacks)
    QString adminPassword; // empty = admin off
    int heartbeatIntervalSeconds = 2;
    int probeIntervalMs = 2000;
    double loadCeiling = 0.9;
    bool rateLimits = true;
    qint64 newRoomsPerSecond = 20; // all clients together; 0 = no bound
    QString logLevel = QStringLiteral("info");
    QString tlsCert;
    QString tlsKey;
    qint64 drawingMemoryBytes = 256LL * 1024 * 1024;
    qint64 drawingMaxBytes = 1024 * 1024;
    int drawingMaxDimension = 2048;
    qint64 drawingLifetimeSeconds = 12 * 3600;
    qint64 drawingShareBytes = 16LL * 1024 * 1024; // per client address
    qint64 maxBodyBytes = 4 * 1024 * 1024;
    int maxConnections = 20000;        // open client connections in total
    int maxConnectionsPerAddress = 64; // open client connections per TCP peer
    int handshakeTimeoutSeconds = 10;  // a request's head must be complete in this time
    int bodyTimeoutSeconds = 60;       // its body, counted from the end of its head
    int warmUpSeconds = -1;            // -1: 2.5 heartbeat intervals
    qint64 forgetDeadAfterSeconds = 86400; // 0: until an admin forgets the server
    TrustedProxies trustedProxies;     // peers whose X-Forwarded-For / X-Real-IP is believed
    TrustedProxies internalPeers;      // without a cluster token, who may call /internal/*

    bool secureCookies() const { return publicUrl.scheme() == u"https"; }
    // host[:port] of the public URL, used in gateway answers (`<host>/b/<id>`).
    QString publicHostPort() const;
};

void declareSettings(ic::config::Configuration &configuration);
// Reads and checks the parsed configuration; false with a sentence in `error` when invalid.
bool loadSettings(const ic::config::Configuration &configuration, const QString &executableDir,
                  BalancerSettings *settings, QString *error);

} // namespace ic::balancer
