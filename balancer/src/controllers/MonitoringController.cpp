#include "controllers/MonitoringController.h"

#include "registry/ServerRegistry.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ic::balancer {

bool MonitoringController::dispatch(const Request &request, const ReplyPtr &reply)
{
    if (request.path != u"/healthz" && request.path != u"/metrics" && request.path != u"/sd")
        return false;
    if (!request.isGet() && request.method != QHttpServerRequest::Method::Head) {
        reply->setRoute(QStringLiteral("other"));
        reply->sendText(405, QStringLiteral("error: use GET"), {{"Allow", "GET"}});
        return true;
    }
    if (request.path == u"/healthz") {
        reply->setRoute(QStringLiteral("healthz"));
        reply->sendText(200, QStringLiteral("ok"), {{"Cache-Control", "no-store"}});
        return true;
    }
    if (request.path == u"/metrics") {
        reply->setRoute(QStringLiteral("metrics"));
        reply->send(200, ic::metrics::MetricsRegistry::contentType, m_context->metrics->serialize(),
                    {{"Cache-Control", "no-store"}});
        return true;
    }
    if (request.path == u"/sd") {
        reply->setRoute(QStringLiteral("sd"));
        QJsonArray groups;
        for (const ServerInfo &server : m_context->registry->servers()) {
            groups.append(QJsonObject{
                {QStringLiteral("targets"), QJsonArray{server.address}},
                {QStringLiteral("labels"), QJsonObject{{QStringLiteral("server_id"), server.id}}},
            });
        }
        reply->sendJson(200, QJsonDocument(groups).toJson(QJsonDocument::Compact),
                        {{"Cache-Control", "no-store"}});
        return true;
    }
    return false;
}

} // namespace ic::balancer
