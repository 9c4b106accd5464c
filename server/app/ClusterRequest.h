#pragma once
// Requests to other cluster members (the balancer, another server) over QNetworkAccessManager:
// one place for the cluster token header, the timeout and the proxy rule, used by Registration,
// Handoff and ReplicaLinks.

#include <QByteArray>
#include <QNetworkRequest>
#include <QString>

class QNetworkAccessManager;
class QNetworkReply;

namespace ic::server {

struct ServerSettings;

// Members are reached directly: an environment proxy would break loopback clusters.
void useForCluster(QNetworkAccessManager &network);
// `url` is the full address (the balancer's base URL or a server's, plus the route). The token
// header is set when a cluster token is configured; `timeoutMs` bounds the transfer.
QNetworkRequest clusterRequest(const ServerSettings &settings, const QString &url,
                               const QByteArray &contentType, int timeoutMs);
// The HTTP status of a finished reply; 0 when there was none (refused, reset, timeout).
int replyStatus(QNetworkReply *reply);
// For the log: "<status> <first line of the answer>", or the network error.
QString replyProblem(QNetworkReply *reply);

} // namespace ic::server
