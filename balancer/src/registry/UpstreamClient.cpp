#include "registry/UpstreamClient.h"

#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QUrl>

namespace ic::balancer {
namespace {

QNetworkRequest makeRequest(const QString &address, const QString &pathAndQuery, int timeoutMs,
                            const QByteArray &token)
{
    QNetworkRequest request(
        QUrl(QStringLiteral("http://") + address + pathAndQuery, QUrl::StrictMode));
    request.setTransferTimeout(timeoutMs);
    request.setAttribute(QNetworkRequest::RedirectPolicyAttribute,
                         QNetworkRequest::ManualRedirectPolicy);
    request.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute,
                         QNetworkRequest::AlwaysNetwork);
    if (!token.isEmpty())
        request.setRawHeader("X-Instantchat-Token", token);
    return request;
}

} // namespace

UpstreamClient::UpstreamClient(QString token, QObject *parent)
    : QObject(parent), m_network(new QNetworkAccessManager(this)), m_token(token.toUtf8())
{
    // Servers are reached directly; an environment proxy would break loopback stacks.
    m_network->setProxy(QNetworkProxy::NoProxy);
}

void UpstreamClient::get(const QString &address, const QString &pathAndQuery, int timeoutMs,
                         const QObject *context, Callback callback,
                         const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    QNetworkRequest request = makeRequest(address, pathAndQuery, timeoutMs, m_token);
    for (const auto &[name, value] : headers)
        request.setRawHeader(name, value);
    watch(m_network->get(request), context, std::move(callback));
}

void UpstreamClient::postJson(const QString &address, const QString &path, const QByteArray &json,
                              int timeoutMs, const QObject *context, Callback callback)
{
    QNetworkRequest request = makeRequest(address, path, timeoutMs, m_token);
    request.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    watch(m_network->post(request, json), context, std::move(callback));
}

void UpstreamClient::watch(QNetworkReply *reply, const QObject *context, Callback callback)
{
    connect(reply, &QNetworkReply::finished, context, [reply, callback = std::move(callback)] {
        UpstreamResult result;
        const QVariant status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute);
        if (status.isValid()) {
            result.status = status.toInt();
            result.body = reply->readAll();
            result.contentType = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        } else {
            result.error = reply->errorString();
        }
        reply->deleteLater();
        callback(result);
    });
    // When the context dies first the reply is still cleaned up.
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
}

} // namespace ic::balancer
