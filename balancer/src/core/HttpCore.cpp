#include "core/HttpCore.h"

#include <QLoggingCategory>
#include <QTcpSocket>

namespace ic::balancer {

HttpCore::HttpCore(RequestLimits limits, Counter counter, QObject *parent)
    : QAbstractHttpServer(parent), m_limits(limits), m_counter(std::move(counter))
{
}

void HttpCore::addController(Controller *controller)
{
    controller->setParent(this);
    m_controllers.append(controller);
}

quint16 HttpCore::start(const QHostAddress &address, quint16 port, bool tls, QString *error)
{
    if (tls) {
        const quint16 actual = listen(address, port);
        if (actual == 0 && error)
            *error = QStringLiteral("cannot listen on %1:%2").arg(address.toString()).arg(port);
        return actual;
    }
    auto *guard = new RequestGuard(m_limits, this);
    guard->setRejectedCallback([this](int status) {
        if (m_counter)
            m_counter(QStringLiteral("rejected"), status);
    });
    guard->setRefusedCallback(m_refusedCounter);
    // Qt's default backlog (50) overflows when hundreds of visitors arrive at once (a join
    // storm): the kernel drops their SYNs and each dropped client waits a 1 s retransmit.
    guard->setListenBacklogSize(4096);
    if (!guard->listen(address, port)) {
        if (error)
            *error = guard->errorString();
        delete guard;
        return 0;
    }
    bind(guard);
    return guard->serverPort();
}

bool HttpCore::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    const Request copy = snapshotRequest(request, &m_proxies);
    auto reply = std::make_shared<Reply>(makeResponder(request, socket), m_counter);
    reply->setHeadOnly(copy.method == QHttpServerRequest::Method::Head);
    reply->setCloseAfter(copy.header("Connection").toLower().contains("close"));
    // Second line of defence for TLS listeners, where the guard does not run.
    if (copy.body.size() > m_limits.maxBodyBytes) {
        reply->setRoute(QStringLiteral("rejected"));
        reply->sendText(413, QStringLiteral("error: the request body is too large"));
        return true;
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host must be answered 400. QHttpServer 6.4 does
    // not expose the version, so HTTP/1.0 without Host is refused as well (no browser sends that).
    if (copy.header("Host").isEmpty()) {
        reply->setRoute(QStringLiteral("rejected"));
        reply->setCloseAfter(true);
        reply->sendText(400, QStringLiteral("error: the request needs a Host header"));
        return true;
    }
    for (Controller *controller : std::as_const(m_controllers)) {
        if (controller->dispatch(copy, reply))
            return true;
    }
    reply->sendText(404, QStringLiteral("error: there is nothing at this address"));
    return true;
}

void HttpCore::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    Reply reply(makeResponder(request, socket), m_counter);
    reply.sendText(404, QStringLiteral("error: there is nothing at this address"));
}

} // namespace ic::balancer
