#include "core/RequestGuard.h"

#include <QLoggingCategory>
#include <QTcpSocket>
#include <QTimer>
#include <algorithm>
#include <memory>
#include <sys/socket.h>

Q_LOGGING_CATEGORY(lcGuard, "balancer")

namespace ic::balancer {
namespace {
constexpr int idleTimeoutMs = 120 * 1000;
constexpr int closingGraceMs = 2000;
} // namespace

RequestFramer::Verdict RequestFramer::feed(QByteArrayView data)
{
    qsizetype position = 0;
    while (position < data.size()) {
        const QByteArrayView rest = data.sliced(position);
        switch (m_state) {
        case State::Headers: {
            // Headers are collected until the blank line; only the block size is limited here.
            const qsizetype take =
                qMin(rest.size(), m_limits.maxHeaderBytes + 4 - m_headerBlock.size());
            const qsizetype before = m_headerBlock.size();
            m_headerBlock.append(rest.first(take));
            qsizetype end = m_headerBlock.indexOf("\r\n\r\n", qMax<qsizetype>(0, before - 3));
            // QHttpServer ends a head at a bare LF too: refused here, or the two would frame the
            // connection's requests differently.
            const qsizetype scanned = end < 0 ? m_headerBlock.size() : end + 4;
            for (qsizetype i = before; i < scanned; ++i) {
                if (m_headerBlock.at(i) == '\n' && (i == 0 || m_headerBlock.at(i - 1) != '\r'))
                    return Verdict::Malformed;
            }
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
            const qsizetype take = qMin(m_bodyRemaining, rest.size());
            m_bodyRemaining -= take;
            position += take;
            if (m_bodyRemaining == 0)
                m_state = State::Headers;
            break;
        }
        case State::ChunkData: {
            const qsizetype take = qMin(m_chunkRemaining, rest.size());
            m_chunkRemaining -= take;
            position += take;
            if (const Verdict verdict = countRaw(take); verdict != Verdict::Ok)
                return verdict;
            if (m_chunkRemaining == 0)
                m_state = State::ChunkDataEnd;
            break;
        }
        case State::ChunkSize:
        case State::ChunkDataEnd:
        case State::Trailers: {
            bool complete = false;
            const qsizetype take = takeLine(rest, &complete);
            position += take;
            // A chunk's data must be followed by CRLF at once; other lines are bounded like a
            // header block.
            if (m_state == State::ChunkDataEnd && !QByteArrayView("\r\n").startsWith(m_line))
                return Verdict::Malformed;
            if (m_line.size() > m_limits.maxHeaderBytes + 2)
                return Verdict::Malformed;
            if (const Verdict verdict = countRaw(take); verdict != Verdict::Ok)
                return verdict;
            if (!complete)
                break;
            // Lines end in CRLF; a bare LF is refused rather than guessed at.
            if (!m_line.endsWith("\r\n"))
                return Verdict::Malformed;
            m_line.chop(2);
            if (m_state == State::ChunkSize) {
                if (const Verdict verdict = chunkSizeLine(); verdict != Verdict::Ok)
                    return verdict;
            } else if (m_state == State::ChunkDataEnd) {
                m_state = State::ChunkSize;
            } else if (m_line.isEmpty()) {
                m_state = State::Headers; // the empty line after the trailers ends the request
            }
            m_line.clear();
            break;
        }
        }
    }
    return Verdict::Ok;
}

RequestFramer::Phase RequestFramer::phase() const
{
    if (m_state != State::Headers)
        return Phase::Body;
    return m_headerBlock.isEmpty() ? Phase::Idle : Phase::Head;
}

qsizetype RequestFramer::takeLine(QByteArrayView data, bool *complete)
{
    const qsizetype newline = data.indexOf('\n');
    const qsizetype take = newline < 0 ? data.size() : newline + 1;
    m_line.append(data.first(take));
    *complete = newline >= 0;
    return take;
}

RequestFramer::Verdict RequestFramer::chunkSizeLine()
{
    // RFC 9112 §7.1: chunk-size (hex) [ BWS ";" extensions ]. The size is checked against what
    // is left of the body limit before a byte of the chunk arrives; digits stop being added once
    // past the limit, so no count of digits can overflow.
    const qint64 limitLeft = m_limits.maxBodyBytes - m_decoded;
    qint64 size = 0;
    qsizetype i = 0;
    for (; i < m_line.size(); ++i) {
        const char c = m_line.at(i);
        int digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            break;
        if (size <= limitLeft)
            size = size * 16 + digit;
    }
    if (i == 0)
        return Verdict::Malformed;
    while (i < m_line.size() && (m_line.at(i) == ' ' || m_line.at(i) == '\t'))
        ++i;
    if (i < m_line.size() && m_line.at(i) != ';')
        return Verdict::Malformed;
    if (size > limitLeft)
        return Verdict::BodyTooLarge;
    m_decoded += size;
    m_chunkRemaining = size;
    m_state = size == 0 ? State::Trailers : State::ChunkData;
    return Verdict::Ok;
}

RequestFramer::Verdict RequestFramer::countRaw(qsizetype bytes)
{
    // Sizes, extensions and trailers may add up to a header block's worth to the data.
    m_raw += bytes;
    return m_raw > m_limits.maxBodyBytes + m_limits.maxHeaderBytes ? Verdict::BodyTooLarge
                                                                   : Verdict::Ok;
}

RequestFramer::Verdict RequestFramer::endOfHeaders()
{
    const QList<QByteArray> lines = m_headerBlock.split('\n');
    m_headerBlock.clear();
    qsizetype contentLength = 0;
    int lengths = 0;
    bool chunked = false;
    bool requestLine = true;
    for (const QByteArray &raw : lines) {
        const QByteArray line = raw.trimmed();
        if (requestLine) {
            if (line.isEmpty())
                continue; // empty lines before a request line are allowed
            // QHttpServer drops a connection without a word on a request line it cannot read
            // (HTTP/0.9 "GET /x", a missing version): answered here with the 400 sentence.
            const QList<QByteArray> parts = line.split(' ');
            if (parts.size() != 3 || parts[0].isEmpty() || !parts[2].startsWith("HTTP/1."))
                return Verdict::Malformed;
            requestLine = false;
            continue;
        }
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        // RFC 9112 §5.1: no whitespace between a field name and its colon. QHttpServer does not
        // take "Content-Length :" as a length, so trimming it here would count a body that
        // QHttpServer reads as the next request.
        const QByteArray name = line.first(colon).toLower();
        if (name.contains(' ') || name.contains('\t'))
            return Verdict::Malformed;
        const QByteArray value = line.sliced(colon + 1).trimmed();
        if (name == "content-length") {
            // Digits only: toLongLong alone also takes a sign.
            bool ok = !value.isEmpty() && std::all_of(value.begin(), value.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
            contentLength = ok ? value.toLongLong(&ok) : -1;
            if (!ok || contentLength < 0)
                return Verdict::Malformed;
        } else if (name == "transfer-encoding") {
            // RFC 9112 §6.3: in a request, chunked must be the last coding, or the length of the
            // body cannot be known.
            const QByteArray codings = value.toLower();
            if (!codings.endsWith("chunked") ||
                (codings.size() > 7 && codings.at(codings.size() - 8) != ',' &&
                 codings.at(codings.size() - 8) != ' '))
                return Verdict::Malformed;
            chunked = true;
        }
        if (name == "content-length")
            ++lengths;
    }
    // Two lengths, or a length next to chunked, could be read differently by the next reader.
    if (lengths > 1 || (chunked && lengths > 0))
        return Verdict::Malformed;
    if (contentLength > m_limits.maxBodyBytes)
        return Verdict::BodyTooLarge;
    if (chunked) {
        m_state = State::ChunkSize;
        m_decoded = m_raw = 0;
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

// One accepted connection's framing state, deadline and counted address.
struct RequestGuard::Watch
{
    explicit Watch(RequestLimits limits) : framer(limits) {}
    RequestFramer framer;
    QTimer *deadline = nullptr; // child of the socket
    RequestFramer::Phase timed = RequestFramer::Phase::Head;
    QString address;
    bool released = false;
};

void RequestGuard::incomingConnection(qintptr descriptor)
{
    auto *socket = new QTcpSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        return;
    }
    // Counted by the TCP peer: a connection is refused before any request (and so any
    // X-Forwarded-For) exists. Behind a proxy all clients share its count.
    QHostAddress peer = socket->peerAddress();
    bool isV4 = false;
    const quint32 v4 = peer.toIPv4Address(&isV4);
    if (isV4)
        peer = QHostAddress(v4); // ::ffff:a.b.c.d of a dual-stack listener is a.b.c.d
    const QString address = peer.toString();
    if (m_open >= m_limits.maxConnections) {
        if (m_refused)
            m_refused("total");
        refuseConnection(socket, 503,
                         "error: the balancer has too many connections, try again later");
        return;
    }
    if (m_perAddress.value(address) >= m_limits.maxConnectionsPerAddress) {
        if (m_refused)
            m_refused("address");
        refuseConnection(socket, 429,
                         "error: too many connections from your address, close some and try again");
        return;
    }
    ++m_perAddress[address];
    ++m_open;
    auto watch = std::make_shared<Watch>(m_limits);
    watch->address = address;
    auto releaseOnce = [this, watch] {
        if (watch->released)
            return;
        watch->released = true;
        release(watch->address);
    };
    connect(socket, &QAbstractSocket::disconnected, this, releaseOnce);
    connect(socket, &QObject::destroyed, this, releaseOnce);

    // QHttpServer 6.4 never closes an idle keep-alive connection; a connection that neither
    // sends nor receives anything for two minutes is closed, so idle clients cannot pile up.
    auto *idle = new QTimer(socket);
    idle->setSingleShot(true);
    idle->setInterval(idleTimeoutMs);
    connect(idle, &QTimer::timeout, socket, [socket] { socket->abort(); });
    connect(socket, &QTcpSocket::readyRead, idle, qOverload<>(&QTimer::start));
    connect(socket, &QTcpSocket::bytesWritten, idle, qOverload<>(&QTimer::start));
    idle->start();
    // A request's head must be complete within --handshake-timeout of the connection's start
    // (of its first byte for later requests), its body within --body-timeout of the head. The
    // deadlines are absolute: a trickle of bytes does not move them.
    watch->deadline = new QTimer(socket);
    watch->deadline->setSingleShot(true);
    connect(watch->deadline, &QTimer::timeout, this, [this, socket, watch] {
        if (watch->timed == RequestFramer::Phase::Body)
            refuse(socket, 408, "error: the request body did not arrive in time");
        else
            refuse(socket, 408, "error: the request headers did not arrive in time");
    });
    watch->deadline->start(m_limits.headerTimeoutMs);
    // Connected before QHttpServer connects its reader (that happens after
    // addPendingConnection), so this runs first on every readyRead.
    connect(socket, &QTcpSocket::readyRead, this,
            [this, socket, watch] { inspect(socket, watch.get()); });
    addPendingConnection(socket);
}

void RequestGuard::release(const QString &address)
{
    --m_open;
    auto it = m_perAddress.find(address);
    if (it != m_perAddress.end() && --*it <= 0)
        m_perAddress.erase(it); // the table stays as small as the set of connected addresses
}

void RequestGuard::inspect(QTcpSocket *socket, Watch *watch)
{
    // QHttpServer reads everything available on each readyRead, so what is available now is
    // exactly what arrived since the last call.
    const QByteArray fresh = socket->peek(socket->bytesAvailable());
    const RequestFramer::Verdict verdict = watch->framer.feed(fresh);
    if (verdict == RequestFramer::Verdict::Ok) {
        const RequestFramer::Phase phase = watch->framer.phase();
        if (phase == watch->timed)
            return; // the running deadline (if any) stays as it is
        watch->timed = phase;
        if (phase == RequestFramer::Phase::Idle)
            watch->deadline->stop();
        else
            watch->deadline->start(phase == RequestFramer::Phase::Head ? m_limits.headerTimeoutMs
                                                                       : m_limits.bodyTimeoutMs);
        return;
    }
    if (verdict == RequestFramer::Verdict::HeadersTooLarge)
        refuse(socket, 431, "error: the request headers are too large");
    else if (verdict == RequestFramer::Verdict::BodyTooLarge)
        refuse(socket, 413, "error: the request body is too large");
    else
        refuse(socket, 400, "error: the request is malformed (its framing is not valid HTTP/1.1)");
}

namespace {

QByteArray answer(int status, const QByteArray &text)
{
    const QByteArray reason = status == 431   ? "Request Header Fields Too Large"
                              : status == 413 ? "Payload Too Large"
                              : status == 408 ? "Request Timeout"
                              : status == 429 ? "Too Many Requests"
                              : status == 503 ? "Service Unavailable"
                                              : "Bad Request";
    const QByteArray body = text + '\n';
    return "HTTP/1.1 " + QByteArray::number(status) + ' ' + reason +
           "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n" +
           (status == 429 || status == 503 ? "Retry-After: 2\r\n" : "") +
           "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

// Answers and closes without destroying the answer: closing a socket whose peer is still
// sending makes the kernel reset it, which can discard the answer before the client reads it.
// So the write side is shut once the answer left, input is dropped, and the socket is closed
// when the peer closes or after a short grace.
void lingeringClose(QTcpSocket *socket, const QByteArray &bytes)
{
    QObject::disconnect(socket, &QTcpSocket::readyRead, nullptr, nullptr);
    socket->readAll();
    QObject::connect(socket, &QTcpSocket::readyRead, socket, [socket] { socket->readAll(); });
    socket->write(bytes);
    socket->flush();
    if (socket->bytesToWrite() == 0)
        ::shutdown(int(socket->socketDescriptor()), SHUT_WR);
    else
        socket->disconnectFromHost();
    QTimer::singleShot(closingGraceMs, socket, [socket] { socket->abort(); });
}

} // namespace

void RequestGuard::refuse(QTcpSocket *socket, int status, const QByteArray &text)
{
    qCInfo(lcGuard, "refused a request from %s with %d",
           qPrintable(socket->peerAddress().toString()), status);
    if (m_rejected)
        m_rejected(status);
    for (QTimer *timer : socket->findChildren<QTimer *>(Qt::FindDirectChildrenOnly))
        timer->stop(); // idle and deadline: the closing grace decides from now on
    // QHttpServer parses nothing more of this connection; it deletes the socket when it closes.
    lingeringClose(socket, answer(status, text));
}

void RequestGuard::refuseConnection(QTcpSocket *socket, int status, const QByteArray &text)
{
    qCInfo(lcGuard, "refused a connection from %s with %d",
           qPrintable(socket->peerAddress().toString()), status);
    connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    lingeringClose(socket, answer(status, text));
}

} // namespace ic::balancer
