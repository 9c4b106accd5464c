#include "config/CommonSettings.h"

#include "config/Configuration.h"

namespace ic::config {

void declareCommonSettings(Configuration &c)
{
    c.add(Setting{QStringLiteral("bind"), QStringLiteral("ADDRESS"),
                  QStringLiteral("Listen address (0.0.0.0 for all)."),
                  QStringLiteral("127.0.0.1")});
    c.add(Setting{QStringLiteral("cluster-token-file"), QStringLiteral("FILE"),
                  QStringLiteral("File holding the token servers and the balancer share "
                                 "(INSTANTCHAT_CLUSTER_TOKEN also works)."),
                  QString()});
    c.add(Setting{QStringLiteral("internal-peers"), QStringLiteral("LIST"),
                  QStringLiteral("Without a cluster token, the only peers (IPs or CIDR ranges) "
                                 "the /internal/ routes answer (others get 403), and whose "
                                 "client-address header is believed."),
                  QStringLiteral("127.0.0.0/8,::1")});
    c.add(Setting{QStringLiteral("trusted-proxies"), QStringLiteral("LIST"),
                  QStringLiteral("Comma list of proxy IPs or CIDR ranges whose X-Forwarded-For / "
                                 "X-Real-IP names the client (default none)."),
                  QString()});
    c.add(Setting{QStringLiteral("rate-limits"), QStringLiteral("on|off"),
                  QStringLiteral("Per-client rate limits; off lifts them (benchmarks, protocol "
                                 "tests)."),
                  QStringLiteral("on")});
    c.add(Setting{QStringLiteral("log-level"), QStringLiteral("LEVEL"),
                  QStringLiteral("debug, info, warning or error."), QStringLiteral("info")});
    c.add(Setting{QStringLiteral("tls-cert"), QStringLiteral("FILE"),
                  QStringLiteral("PEM certificate (chain) to serve TLS directly."), QString()});
    c.add(Setting{QStringLiteral("tls-key"), QStringLiteral("FILE"),
                  QStringLiteral("PEM private key for --tls-cert."), QString()});
}

} // namespace ic::config
