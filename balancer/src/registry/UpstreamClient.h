#pragma once
// HTTP calls from the balancer to room servers: asynchronous, with a timeout, carrying the
// cluster token when one is configured.

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPair>
#include <functional>
#include <utility>

class QNetworkAccessManager;
class QNetworkReply;

namespace ic::balancer {

struct UpstreamResult
{
    int status = 0; // 0 = no HTTP answer (refused, timeout, reset)
    QByteArray body;
    QByteArray contentType;
    QString error; // set when status is 0
    bool ok() const { return status >= 200 && status < 300; }
};

class UpstreamClient : public QObject
{
    Q_OBJECT
public:
    using Callback = std::function<void(const UpstreamResult &)>;
    UpstreamClient(QString token, QObject *parent = nullptr);
    ~UpstreamClient() override = default;

    // `address` is host:port, `pathAndQuery` starts with '/' and is already percent-encoded.
    // `context` guards the callback: it is not called once `context` is destroyed.
    // `headers` are sent as given (e.g. the client address the server should limit by).
    // Virtual so the registry model test can stand in for the servers.
    virtual void get(const QString &address, const QString &pathAndQuery, int timeoutMs,
                     const QObject *context, Callback callback,
                     const QList<std::pair<QByteArray, QByteArray>> &headers = {});
    virtual void postJson(const QString &address, const QString &path, const QByteArray &json,
                          int timeoutMs, const QObject *context, Callback callback);

private:
    void watch(QNetworkReply *reply, const QObject *context, Callback callback);
    QNetworkAccessManager *m_network;
    QByteArray m_token;
};

} // namespace ic::balancer
