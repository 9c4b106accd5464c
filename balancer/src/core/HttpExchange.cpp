#include "core/HttpExchange.h"

#include "net/TrustedProxies.h"

#include <QTcpSocket>
#include <QUrl>

namespace ic::balancer {

QByteArray Request::header(QByteArrayView name) const
{
    for (const auto &[key, value] : headers) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QString Request::queryValue(const QString &key) const
{
    return query.queryItemValue(key, QUrl::FullyDecoded);
}

Request snapshotRequest(const QHttpServerRequest &request, const TrustedProxies *proxies)
{
    Request copy;
    copy.method = request.method();
    const QUrl url = request.url();
    copy.path = url.path(QUrl::FullyEncoded);
    copy.query = QUrlQuery(url.query(QUrl::FullyEncoded));
    copy.headers = request.headers();
    copy.body = request.body();
    copy.tcpPeer = request.remoteAddress();
    copy.peer = copy.tcpPeer;
    if (proxies) {
        // Behind nginx every peer is the proxy; without this all users would share one bucket.
        copy.peer = QHostAddress(proxies->clientAddress(
            copy.tcpPeer, copy.header("X-Forwarded-For"), copy.header("X-Real-IP")));
    }
    return copy;
}

Reply::Reply(QHttpServerResponder &&responder, Finished finished)
    : m_responder(std::move(responder)), m_socket(m_responder.socket()),
      m_finished(std::move(finished))
{
}

Reply::~Reply()
{
    // A controller that forgot to answer would leave the client hanging: answer 500 instead.
    if (!m_answered)
        sendText(500, QStringLiteral("error: the request could not be completed"));
}

void Reply::send(const Response &response)
{
    send(response.status, response.contentType, response.body, response.headers);
}

void Reply::send(int status, const QByteArray &contentType, const QByteArray &body,
                 const HeaderList &headers)
{
    if (m_answered)
        return;
    m_answered = true;
    if (m_finished)
        m_finished(m_route, status);
    if (m_socket.isNull() || !m_socket->isOpen())
        return;
    const auto code =
        static_cast<QHttpServerResponder::StatusCode>(reasonPhraseSafeStatus(status).toInt());
    m_responder.writeStatusLine(code);
    if (!contentType.isEmpty())
        m_responder.writeHeader("Content-Type", contentType);
    m_responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    m_responder.writeHeader("X-Content-Type-Options", "nosniff");
    bool retryAfter = false;
    for (const auto &[key, value] : headers) {
        m_responder.writeHeader(key, value);
        retryAfter = retryAfter || key.compare("Retry-After", Qt::CaseInsensitive) == 0;
    }
    // Every rate-limit answer says when to retry; buckets refill within seconds.
    if (status == 429 && !retryAfter)
        m_responder.writeHeader("Retry-After", "2");
    if (m_closeAfter)
        m_responder.writeHeader("Connection", "close");
    // writeBody() also ends the header block, so it is called even for an empty body.
    m_responder.writeBody(m_headOnly ? QByteArray() : body);
    if (m_closeAfter)
        m_socket->disconnectFromHost(); // after the pending bytes are written
}

void Reply::sendText(int status, const QString &text, const HeaderList &headers)
{
    send(status, "text/plain; charset=utf-8", text.toUtf8(), headers);
}

void Reply::sendJson(int status, const QByteArray &json, const HeaderList &headers)
{
    send(status, "application/json", json, headers);
}

// QHttpServerResponder (6.4) looks the reason phrase up in a std::map with at(): an unknown code
// would throw. Codes outside the known set are mapped to a neighbour the map has.
QByteArray reasonPhraseSafeStatus(int status)
{
    static const int known[] = {200, 201, 202, 204, 301, 302, 303, 304, 307, 308,
                                400, 401, 403, 404, 405, 408, 409, 410, 411, 413,
                                414, 415, 429, 431, 500, 501, 502, 503, 504};
    for (int code : known) {
        if (code == status)
            return QByteArray::number(status);
    }
    if (status >= 500)
        return "500";
    if (status >= 400)
        return "400";
    return "200";
}

} // namespace ic::balancer
