#include "app/PeerClient.h"

#include <QSslSocket>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>
#include <chrono>

namespace ic::server {
namespace {

// Our servers' answers to a peer are a few hundred bytes; these bound what a broken or hostile
// peer can make us hold.
constexpr qsizetype maxHeadBytes = 16 * 1024;
constexpr qsizetype maxBodyBytes = 1024 * 1024;

qint64 nowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// The value of header `name` (lower case, with the colon) in `head`, or a null array.
QByteArray headerValue(const QByteArray &head, QByteArrayView name)
{
    qsizetype from = head.indexOf("\r\n");
    while (from >= 0 && from + 2 < head.size()) {
        const qsizetype start = from + 2;
        qsizetype end = head.indexOf("\r\n", start);
        if (end < 0)
            end = head.size();
        const QByteArrayView line = QByteArrayView(head).sliced(start, end - start);
        if (line.size() >= name.size() &&
            line.first(name.size()).compare(name, Qt::CaseInsensitive) == 0)
            return line.sliced(name.size()).trimmed().toByteArray();
        from = end;
    }
    return {};
}

} // namespace

PeerClient::PeerClient(const QUrl &base, const QByteArray &token, int maxConnections,
                       QObject *parent)
    : QObject(parent), m_base(base), m_maxConnections(std::max(1, maxConnections))
{
    const int defaultPort = base.scheme() == u"https" ? 443 : 80;
    m_head =
        "Host: " + base.host().toUtf8() + ':' + QByteArray::number(base.port(defaultPort)) + "\r\n";
    if (!token.isEmpty())
        m_head += "X-Instantchat-Token: " + token + "\r\n";
}

PeerClient::~PeerClient()
{
    // Nobody is called back: the owner is going.
    while (!m_connections.isEmpty())
        close(*m_connections.first());
}

void PeerClient::post(const QByteArray &path, const QByteArray &contentType, QByteArray body,
                      int timeoutMs, Done done)
{
    auto request = std::make_unique<Request>();
    request->bytes.reserve(96 + m_head.size() + path.size() + body.size());
    request->bytes += "POST " + path + " HTTP/1.1\r\n" + m_head + "Content-Type: " + contentType +
                      "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n";
    request->bytes += body;
    request->deadlineMs = nowMs() + std::max(1, timeoutMs);
    request->done = std::move(done);
    m_queue.push_back(std::move(request));
    dispatch();
}

void PeerClient::dispatch()
{
    while (!m_queue.empty()) {
        if (m_queue.front()->deadlineMs <= nowMs()) {
            std::unique_ptr<Request> late = std::move(m_queue.front());
            m_queue.pop_front();
            late->done({0, {}, QStringLiteral("no connection to the peer was free in time")});
            continue;
        }
        // An open idle connection first; a new one only when none is idle.
        Connection *idle = nullptr;
        for (Connection *connection : std::as_const(m_connections)) {
            if (!connection->request && (!idle || connection->open))
                idle = connection;
        }
        if (!idle && m_connections.size() < m_maxConnections) {
            idle = new Connection;
            m_connections.append(idle);
        }
        if (!idle)
            return;
        std::unique_ptr<Request> request = std::move(m_queue.front());
        m_queue.pop_front();
        start(*idle, std::move(request));
    }
}

void PeerClient::start(Connection &connection, std::unique_ptr<Request> request)
{
    connection.request = std::move(request);
    connection.in.clear();
    connection.answered = false;
    if (!connection.timer) {
        connection.timer = new QTimer(this);
        connection.timer->setSingleShot(true);
        QTimer *timer = connection.timer;
        connect(timer, &QTimer::timeout, this, [this, timer]() {
            for (Connection *candidate : std::as_const(m_connections)) {
                if (candidate->timer != timer)
                    continue;
                if (candidate->request)
                    candidate->request->retried = true; // a slow peer gets no second request
                fail(*candidate, QStringLiteral("no answer in time"));
                return;
            }
        });
    }
    connection.timer->start(int(std::max<qint64>(1, connection.request->deadlineMs - nowMs())));
    if (connection.open) {
        connection.socket->write(connection.request->bytes);
        connection.socket->flush();
    } else if (!connection.socket) {
        connectSocket(connection);
    }
}

void PeerClient::connectSocket(Connection &connection)
{
    const bool tls = m_base.scheme() == u"https";
    QAbstractSocket *socket = tls ? new QSslSocket(this) : new QTcpSocket(this);
    connection.socket = socket;
    const auto whenOpen = [this, socket]() {
        if (Connection *found = find(socket))
            opened(*found);
    };
    if (tls)
        connect(static_cast<QSslSocket *>(socket), &QSslSocket::encrypted, this, whenOpen);
    else
        connect(socket, &QAbstractSocket::connected, this, whenOpen);
    connect(socket, &QAbstractSocket::readyRead, this, [this, socket]() {
        if (Connection *found = find(socket))
            readAnswer(*found);
    });
    connect(socket, &QAbstractSocket::errorOccurred, this, [this, socket]() {
        if (Connection *found = find(socket))
            fail(*found, socket->errorString());
    });
    connect(socket, &QAbstractSocket::disconnected, this, [this, socket]() {
        if (Connection *found = find(socket))
            fail(*found, QStringLiteral("the peer closed the connection"));
    });
    const quint16 port = quint16(m_base.port(tls ? 443 : 80));
    if (tls)
        static_cast<QSslSocket *>(socket)->connectToHostEncrypted(m_base.host(), port);
    else
        socket->connectToHost(m_base.host(), port);
}

void PeerClient::opened(Connection &connection)
{
    connection.open = true;
    // Requests are written whole and wait for their answer: Nagle would only add delay.
    connection.socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    if (connection.request) {
        connection.socket->write(connection.request->bytes);
        connection.socket->flush();
    }
}

void PeerClient::readAnswer(Connection &connection)
{
    connection.in += connection.socket->readAll();
    if (!connection.request) {
        // Nothing was asked: a peer that talks unasked is not one of ours.
        close(connection);
        return;
    }
    connection.answered = connection.answered || !connection.in.isEmpty();
    const qsizetype headEnd = connection.in.indexOf("\r\n\r\n");
    if (headEnd < 0) {
        if (connection.in.size() > maxHeadBytes)
            fail(connection, QStringLiteral("the peer's answer has an oversized head"));
        return;
    }
    const QByteArray head = connection.in.first(headEnd);
    // "HTTP/1.x NNN ..."
    bool statusOk = head.startsWith("HTTP/1.") && head.size() >= 12 && head.at(8) == ' ';
    const int status = statusOk ? head.mid(9, 3).toInt(&statusOk) : 0;
    bool lengthOk = false;
    const qsizetype length = headerValue(head, "content-length:").toLongLong(&lengthOk);
    if (!statusOk || status < 100 || !lengthOk || length < 0 || length > maxBodyBytes ||
        !headerValue(head, "transfer-encoding:").isNull()) {
        fail(connection, QStringLiteral("the peer's answer is not one this client reads"));
        return;
    }
    const qsizetype bodyStart = headEnd + 4;
    if (connection.in.size() < bodyStart + length)
        return;
    // Requests are never pipelined, so anything beyond the body is a broken peer.
    const bool keepOpen = connection.in.size() == bodyStart + length &&
                          headerValue(head, "connection:").compare("close", Qt::CaseInsensitive);
    Answer answer{status, connection.in.sliced(bodyStart, length), {}};
    finish(connection, std::move(answer), keepOpen);
}

void PeerClient::fail(Connection &connection, const QString &problem)
{
    std::unique_ptr<Request> request = std::move(connection.request);
    const bool retry = request && connection.used && !connection.answered && !request->retried;
    close(connection);
    if (!request) {
        dispatch();
        return;
    }
    if (retry) {
        // The peer most likely closed this keep-alive connection while it was idle.
        request->retried = true;
        m_queue.push_front(std::move(request));
        dispatch();
        return;
    }
    request->done({0, {}, problem});
    dispatch();
}

void PeerClient::finish(Connection &connection, Answer answer, bool keepOpen)
{
    std::unique_ptr<Request> request = std::move(connection.request);
    connection.timer->stop();
    connection.in.clear();
    connection.used = true;
    if (!keepOpen)
        close(connection);
    request->done(answer);
    dispatch();
}

void PeerClient::close(Connection &connection)
{
    m_connections.removeOne(&connection);
    if (connection.socket) {
        connection.socket->disconnect(this);
        connection.socket->abort();
        connection.socket->deleteLater();
    }
    if (connection.timer) {
        // close() may run inside the timer's own timeout.
        connection.timer->stop();
        connection.timer->deleteLater();
    }
    delete &connection;
}

PeerClient::Connection *PeerClient::find(QAbstractSocket *socket)
{
    for (Connection *connection : std::as_const(m_connections)) {
        if (connection->socket == socket)
            return connection;
    }
    return nullptr;
}

} // namespace ic::server
