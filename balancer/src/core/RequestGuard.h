#pragma once
// Enforces request size limits before QHttpServer buffers a request. QHttpServer 6.4 reads a
// whole request (headers and body) into memory before handing it over, with no limit, so a
// client could make the balancer hold any amount of memory. This TCP server creates each socket
// itself and watches the bytes it receives, ahead of QHttpServer's own reader: header blocks
// over the limit get 431, bodies over the limit get 413, heads or bodies that do not arrive in
// time get 408, and the connection is closed. It also caps open connections per TCP peer (429)
// and in total (503).

#include <QHash>
#include <QTcpServer>
#include <functional>

class QTcpSocket;

namespace ic::balancer {

struct RequestLimits
{
    qsizetype maxHeaderBytes = 16 * 1024;
    qsizetype maxBodyBytes = 4 * 1024 * 1024;
    // Connection caps (--max-connections-per-address, --max-connections) counted by TCP peer, and
    // deadlines (--handshake-timeout for a request's head, --body-timeout for its body).
    int maxConnectionsPerAddress = 64;
    int maxConnections = 20000;
    qint64 headerTimeoutMs = 10 * 1000;
    qint64 bodyTimeoutMs = 60 * 1000;
};

// Follows HTTP/1.1 message framing byte by byte (header block, then a Content-Length or chunked
// body) to know where each request on a keep-alive connection ends. It never changes the data.
// A chunked body is followed chunk by chunk (size line, data, CRLF, trailers), so nothing inside
// chunk data can end it early; its decoded bytes may not pass maxBodyBytes, and its raw bytes
// (sizes, extensions, trailers included) not maxBodyBytes + maxHeaderBytes.
class RequestFramer
{
public:
    enum class Verdict { Ok, HeadersTooLarge, BodyTooLarge, Malformed };
    // Between requests (nothing of the next one seen yet), inside a request's head, in its body.
    enum class Phase { Idle, Head, Body };
    explicit RequestFramer(RequestLimits limits) : m_limits(limits) {}
    Verdict feed(QByteArrayView data);
    Phase phase() const;

private:
    enum class State {
        Headers,
        Body,
        ChunkSize,    // hex digits, then optional ;extensions, then CRLF
        ChunkData,    // m_chunkRemaining bytes
        ChunkDataEnd, // the CRLF after a chunk's data
        Trailers,     // trailer fields after the last chunk, up to an empty line
    };
    Verdict endOfHeaders();
    // Collects one line of the chunked framing (size line, data end, trailer) into m_line; the
    // bytes of `data` it took, *complete once the line's LF arrived.
    qsizetype takeLine(QByteArrayView data, bool *complete);
    Verdict chunkSizeLine();
    Verdict countRaw(qsizetype bytes);

    State m_state = State::Headers;
    RequestLimits m_limits;
    QByteArray m_headerBlock;
    QByteArray m_line;
    qsizetype m_bodyRemaining = 0;
    qsizetype m_chunkRemaining = 0;
    qsizetype m_decoded = 0; // chunk data of this request
    qsizetype m_raw = 0;     // every byte of this request's chunked body
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
    // Called for every connection refused at once ("address": over the per-address cap,
    // "total": over the total cap), for metrics.
    void setRefusedCallback(std::function<void(const char *reason)> callback)
    {
        m_refused = std::move(callback);
    }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    struct Watch;
    void inspect(QTcpSocket *socket, Watch *watch);
    void refuse(QTcpSocket *socket, int status, const QByteArray &text);
    void refuseConnection(QTcpSocket *socket, int status, const QByteArray &text);
    void release(const QString &address);

    RequestLimits m_limits;
    std::function<void(int)> m_rejected;
    std::function<void(const char *)> m_refused;
    QHash<QString, int> m_perAddress; // open connections by TCP peer
    int m_open = 0;
};

} // namespace ic::balancer
