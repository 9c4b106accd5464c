#include "core/RequestGuard.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimer>
#include <memory>

Q_LOGGING_CATEGORY(lcGuard, "balancer")

namespace ic::balancer {
namespace {
constexpr int idleTimeoutMs = 120 * 1000;
}

RequestFramer::Verdict RequestFramer::feed(QByteArrayView data)
{
    qsizetype position = 0;
    while (position < data.size()) {
        switch (m_state) {
        case State::Headers: {
            // Headers are collected until the blank line; only the block size is limited here.
            const qsizetype take =
                qMin(data.size() - position, m_limits.maxHeaderBytes + 4 - m_headerBlock.size());
            const qsizetype before = m_headerBlock.size();
            m_headerBlock.append(data.sliced(position, take));
            qsizetype end = m_headerBlock.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
            if (end < 0) {
                if (m_headerBlock.size() > m_limits.maxHeaderBytes)
                    return Verdict::HeadersTooLarge;
                position += take;
                break;
            }
            end += 4;
            position += end - before;
            m_headerBlock.truncate(end);
            const Verdict verdict = endOfHeaders();
            if (verdict != Verdict::Ok)
                return verdict;
            break;
        }
        case State::Body: {
            const qsizetype take = qMin(m_bodyRemaining, data.size() - position);
            m_bodyRemaining -= take;
            position += take;
            if (m_bodyRemaining == 0)
                m_state = State::Headers;
            break;
        }
        case State::Chunked:
            // Chunked bodies are rare from browsers and scripts; their size is bounded by
            // counting every byte until the terminating zero-size chunk.
            m_chunkedBytes += data.size() - position;
            if (m_chunkedBytes > m_limits.maxBodyBytes + 64 * 1024)
                return Verdict::BodyTooLarge;
            if (data.sliced(position).contains("\r\n0\r\n\r\n") ||
                data.sliced(position).startsWith("0\r\n\r\n")) {
                m_state = State::Headers;
                m_chunkedBytes = 0;
            }
            position = data.size();
            break;
        }
    }
    return Verdict::Ok;
}

RequestFramer::Verdict RequestFramer::endOfHeaders()
{
    const QList<QByteArray> lines = m_headerBlock.split('\n');
    m_headerBlock.clear();
    qsizetype contentLength = 0;
    bool chunked = false;
    for (const QByteArray &raw : lines) {
        const QByteArray line = raw.trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        const QByteArray name = line.first(colon).trimmed().toLower();
        const QByteArray value = line.sliced(colon + 1).trimmed();
        if (name == "content-length") {
            bool ok = false;
            contentLength = value.toLongLong(&ok);
            if (!ok || contentLength < 0)
                return Verdict::Malformed;
        } else if (name == "transfer-encoding" && value.toLower().contains("chunked")) {
            chunked = true;
        }
    }
    if (contentLength > m_limits.maxBodyBytes)
        return Verdict::BodyTooLarge;
    if (chunked) {
        m_state = State::Chunked;
        m_chunkedBytes = 0;
    } else if (contentLength > 0) {
        m_state = State::Body;
        m_bodyRemaining = contentLength;
    } else {
        m_state = State::Headers;
    }
    return Verdict::Ok;
}

RequestGuard::RequestGuard(RequestLimits limits, QObject *parent)
    : QTcpServer(parent), m_limits(limits)
{
}

void RequestGuard::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // QHttpServer 6.4 never closes an idle keep-alive connection; a connection that neither
    // sends nor receives anything for two minutes (or holds a half-sent request that long) is
    // closed, so idle or trickling clients cannot pile up sockets.
    auto *idle = new QTimer(socket);
    idle->setSingleShot(true);
    idle->setInterval(idleTimeoutMs);
    connect(idle, &QTimer::timeout, socket, [socket] { socket->abort(); });
    connect(socket, &QTcpSocket::readyRead, idle, qOverload<>(&QTimer::start));
    connect(socket, &QTcpSocket::bytesWritten, idle, qOverload<>(&QTimer::start));
    idle->start();
    auto framer = std::make_shared<RequestFramer>(m_limits);
    // Connected before QHttpServer connects its reader (that happens after
    // addPendingConnection), so this runs first on every readyRead.
    connect(socket, &QTcpSocket::readyRead, this,
            [this, socket, framer] { inspect(socket, framer.get()); });
    addPendingConnection(socket);
}

void RequestGuard::inspect(QTcpSocket *socket, RequestFramer *framer)
{
    // QHttpServer reads everything available on each readyRead, so what is available now is
    // exactly what arrived since the last call.
    const QByteArray fresh = socket->peek(socket->bytesAvailable());
    const RequestFramer::Verdict verdict = framer->feed(fresh);
    if (verdict == RequestFramer::Verdict::Ok)
        return;
    int status = 400;
    QByteArray text = "error: the request is malformed";
    if (verdict == RequestFramer::Verdict::HeadersTooLarge) {
        status = 431;
        text = "error: the request headers are too large";
    } else if (verdict == RequestFramer::Verdict::BodyTooLarge) {
        status = 413;
        text = "error: the request body is too large";
    }
    qCInfo(lcGuard, "refused a request from %s with %d",
           qPrintable(socket->peerAddress().toString()), status);
    if (m_rejected)
        m_rejected(status);
    // Stop QHttpServer from parsing the rest of this connection, answer, and close.
    disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
    socket->readAll();
    const QByteArray reason = status == 431   ? "Request Header Fields Too Large"
                              : status == 413 ? "Payload Too Large"
                                              : "Bad Request";
    socket->write(
        "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
        "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: " +
        QByteArray::number(text.size()) + "\r\n\r\n" + text);
    socket->disconnectFromHost();
}

} // namespace ic::balancer
