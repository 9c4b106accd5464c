#pragma once
// One HTTP request and its pending answer. The request is copied out of QHttpServer's own
// object (which is reused for the next request on a keep-alive connection), so a controller may
// answer later, after an upstream call, without blocking the event loop.

#include "net/TrustedProxies.h"
#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QPointer>
#include <QString>
#include <QUrlQuery>
#include <QtHttpServer/QHttpServerRequest>
#include <QtHttpServer/QHttpServerResponder>
#include <functional>
#include <memory>

class QTcpSocket;

namespace ic::balancer {

using TrustedProxies = ic::net::TrustedProxies;

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

struct Request
{
    QHttpServerRequest::Method method = QHttpServerRequest::Method::Unknown;
    QString path; // percent-encoded as received, e.g. "/My%20Room"
    QUrlQuery query;
    HeaderList headers; // names as received
    QByteArray body;
    QHostAddress peer;    // client address for per-address limits (trusted proxies resolved)
    QHostAddress tcpPeer; // the TCP peer itself

    // Header value by case-insensitive name; empty when absent.
    QByteArray header(QByteArrayView name) const;
    // Query parameter, fully decoded (form-style '+' is left as is, like browsers'
    // encodeURIComponent).
    QString queryValue(const QString &key) const;
    bool hasQueryItem(const QString &key) const { return query.hasQueryItem(key); }
    bool isGet() const { return method == QHttpServerRequest::Method::Get; }
    bool isPost() const { return method == QHttpServerRequest::Method::Post; }
};

struct Response
{
    int status = 200;
    QByteArray contentType = "text/plain; charset=utf-8";
    QByteArray body;
    HeaderList headers;
};

// Answers exactly once. Writing after the client went away is a no-op: the socket is watched
// through a QPointer because QHttpServer deletes it on disconnect.
class Reply
{
public:
    using Finished = std::function<void(const QString &route, int status)>;
    Reply(QHttpServerResponder &&responder, Finished finished);
    Reply(const Reply &) = delete;
    Reply &operator=(const Reply &) = delete;
    ~Reply();

    // The metric label of this request; controllers set it once they know the route.
    void setRoute(const QString &route) { m_route = route; }
    QString route() const { return m_route; }

    void send(const Response &response);
    void send(int status, const QByteArray &contentType, const QByteArray &body,
              const HeaderList &headers = {});
    void sendText(int status, const QString &text, const HeaderList &headers = {});
    void sendJson(int status, const QByteArray &json, const HeaderList &headers = {});
    bool answered() const { return m_answered; }
    // HEAD: headers (with the full Content-Length) but no body.
    void setHeadOnly(bool headOnly) { m_headOnly = headOnly; }
    // `Connection: close` from the client: QHttpServer 6.4 keeps every connection open, so the
    // reply closes it once written.
    void setCloseAfter(bool close) { m_closeAfter = close; }

private:
    QHttpServerResponder m_responder;
    QPointer<QTcpSocket> m_socket;
    Finished m_finished;
    QString m_route = QStringLiteral("other");
    bool m_answered = false;
    bool m_headOnly = false;
    bool m_closeAfter = false;
};

using ReplyPtr = std::shared_ptr<Reply>;

// With `proxies`, a trusted peer's X-Forwarded-For / X-Real-IP names the client in `peer`.
Request snapshotRequest(const QHttpServerRequest &request, const TrustedProxies *proxies = nullptr);
QByteArray reasonPhraseSafeStatus(int status);

} // namespace ic::balancer
