#pragma once
// The HTTP front: accepts connections through the RequestGuard (size limits), copies each
// request, counts it in instantchat_balancer_requests_total{route,status} and hands it to the
// first controller that recognises it.

#include "core/Controller.h"
#include "core/RequestGuard.h"
#include "net/TrustedProxies.h"

#include <QHostAddress>
#include <QList>
#include <QtHttpServer/QAbstractHttpServer>
#include <functional>

namespace ic::balancer {

class HttpCore : public QAbstractHttpServer
{
    Q_OBJECT
public:
    using Counter = std::function<void(const QString &route, int status)>;
    HttpCore(RequestLimits limits, Counter counter, QObject *parent = nullptr);

    void addController(Controller *controller); // takes ownership
    // Listens on the address; returns the actual port, 0 on failure. With TLS configured
    // (sslSetup) QHttpServer's own listener is used and limits apply after reading.
    quint16 start(const QHostAddress &address, quint16 port, bool tls, QString *error);
    void setTrustedProxies(const TrustedProxies &proxies) { m_proxies = proxies; }
    // Told the reason ("address", "total") of every connection refused by a connection cap.
    void setRefusedCounter(std::function<void(const char *reason)> counter)
    {
        m_refusedCounter = std::move(counter);
    }

protected:
    bool handleRequest(const QHttpServerRequest &request, QTcpSocket *socket) override;
    void missingHandler(const QHttpServerRequest &request, QTcpSocket *socket) override;

private:
    RequestLimits m_limits;
    Counter m_counter;
    QList<Controller *> m_controllers;
    TrustedProxies m_proxies;
    std::function<void(const char *)> m_refusedCounter;
};

} // namespace ic::balancer
