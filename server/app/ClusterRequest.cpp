#include "app/ClusterRequest.h"

#include "core/ServerSettings.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QUrl>
#include <algorithm>

namespace ic::server {

void useForCluster(QNetworkAccessManager &network)
{
    network.setProxy(QNetworkProxy::NoProxy);
}

QNetworkRequest clusterRequest(const ServerSettings &settings, const QString &url,
                               const QByteArray &contentType, int timeoutMs)
{
    QNetworkRequest request{QUrl(url)};
    request.setHeader(QNetworkRequest::ContentTypeHeader, contentType);
    request.setTransferTimeout(std::max(1, timeoutMs));
    if (!settings.clusterToken.isEmpty())
        request.setRawHeader("X-Instantchat-Token", settings.clusterToken.toUtf8());
    return request;
}

int replyStatus(QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

QString replyProblem(QNetworkReply *reply)
{
    if (replyStatus(reply) == 0)
        return reply->errorString();
    const QString text = QString::fromUtf8(reply->read(300)).section(u'\n', 0, 0).trimmed();
    return QStringLiteral("%1 %2").arg(replyStatus(reply)).arg(text);
}

} // namespace ic::server
