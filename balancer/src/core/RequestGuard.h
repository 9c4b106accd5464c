#pragma once
// Enforces request size limits before QHttpServer buffers a request. QHttpServer 6.4 reads a
// whole request (headers and body) into memory before handing it over, with no limit, so a
// client could make the balancer hold any amount of memory. This TCP server creates each socket
// itself and watches the bytes it receives, ahead of QHttpServer's own reader: header blocks
// over the limit get 431, bodies over the limit get 413, and the connection is closed.

#include <QHash>
#include <QTcpServer>
#include <functional>

class QTcpSocket;

namespace ic::balancer {

struct RequestLimits
{
    qsizetype maxHeaderBytes = 16 * 1024;
    qsizetype maxBodyBytes = 4 * 1024 * 1024;
};

// Follows HTTP/1.1 message framing byte by byte (header block, then Content-Length or chunked
// body) to know where each request on a keep-alive connection ends. It never changes the data.
class RequestFramer
{
public:
    enum class Verdict { Ok, HeadersTooLarge, BodyTooLarge, Malformed };
    explicit RequestFramer(RequestLimits limits) : m_limits(limits) {}
    Verdict feed(QByteArrayView data);

private:
    Verdict endOfHeaders();
    enum class State { Headers, Body, Chunked } m_state = State::Headers;
    RequestLimits m_limits;
    QByteArray m_headerBlock;
    qsizetype m_bodyRemaining = 0;
    qsizetype m_chunkedBytes = 0;
};

class RequestGuard : public QTcpServer
{
    Q_OBJECT
public:
    RequestGuard(RequestLimits limits, QObject *parent = nullptr);
    // Called with the status of every rejected request, for metrics.
    void setRejectedCallback(std::function<void(int status)> callback)
    {
        m_rejected = std::move(callback);
    }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    void inspect(QTcpSocket *socket, RequestFramer *framer);
    RequestLimits m_limits;
    std::function<void(int)> m_rejected;
};

} // namespace ic::balancer
