#pragma once
// One client TCP connection: HTTP requests until it upgrades to a WebSocket on /ws_entry, then
// protocol frames. Lives on one worker thread at a time (it moves to its room's thread on its
// first join) and owns its socket. Requests are answered strictly in order: one is in flight at a
// time, the next waits until the previous one's reply is queued.

#include "connection/Delivery.h"
#include "connection/SessionHost.h"
#include "net/WebSocketFrame.h"
#include "protocol/Codes.h"
#include "transport/HttpRequest.h"
#include "transport/Transport.h"

#include <QHostAddress>
#include <QObject>
#include <QQueue>
#include <QSet>
#include <QUuid>

namespace ic::server {

class ServerContext;

class Connection : public QObject, private TransportClient
{
    Q_OBJECT

public:
    Connection(ServerContext &context, SessionHost *host);
    ~Connection() override;

    quint64 id() const { return m_id; }
    bool isClosed() const { return m_mode == Mode::Closed; }
    bool start(qintptr descriptor);

    // Called by the worker it was handed to after moving threads.
    void attached(SessionHost *host);
    // Leaves this thread for `thread`, whose worker is `host` (on its current thread; the new
    // worker calls attached() there). What this thread wrote for it leaves first.
    void handOver(QThread *thread, SessionHost *host);
    // Everything rooms and HTTP calls send it arrives here (through its worker), in order.
    void deliver(const Delivery &delivery);
    // Pings, idle and handshake timeouts, the closing grace. Returns when it next has something
    // to check (the worker calls it then, at its next once-a-second sweep).
    qint64 tick(qint64 nowMs);
    // This connection's entry in its worker's check schedule; -1 while it has no worker.
    int scheduleIndex() const { return m_scheduleIndex; }
    void setScheduleIndex(int index) { m_scheduleIndex = index; }
    // Graceful stop: close frame 1001.
    void shutdown();
    // Hands everything written since the last flush to the kernel (see app/Worker).
    void flushOutbox() { m_transport->flush(); }

private:
    enum class Mode { Http, WebSocket, Closing, Closed };

    void transportReceived(QByteArrayView data) override;
    void transportClosed() override;
    void transportDrained() override;
    bool outputWaiting();
    void onDisconnected();
    void readHttp(const QByteArray &data);
    void readWebSocket(QByteArrayView data);

    void handleHttp(HttpRequest request);
    void upgrade(const HttpRequest &request);
    void lingeringClose();
    void writeHttp(const QByteArray &response, bool close);

    void pump();
    void process(const QByteArray &payload);
    void dispatchCommand(proto::ClientFrame frame, qint64 receivedNs);
    void sendFrame(const QByteArray &frame);
    void sendJson(const QByteArray &json);
    void sendError(proto::ErrorCode code, const std::optional<QString> &requestId);
    void closeWebSocket(quint16 code);
    void dropSlow();
    // Every byte queued to the socket goes through here and counts against --outbound-limit;
    // false when it did not fit and the connection was dropped as slow (it is Closed then).
    bool write(const QByteArray &bytes);
    void disconnectGracefully();

    ServerContext &m_context;
    SessionHost *m_host;
    quint64 m_id;
    Transport *m_transport = nullptr; // owned (child)
    Mode m_mode = Mode::Http;
    HttpRequestParser m_http;
    ws::FrameParser m_frames;
    QString m_address;   // client address for per-address limits (trusted proxies resolved)
    QHostAddress m_peer; // the TCP peer
    QString
        m_countedAddress;    // counted in connectionsPerAddress under this key (empty: not counted)
    bool m_refused = false;  // over the per-address cap: the first request gets a 429
    qint64 m_upgradedMs = 0; // the init frame must follow within the handshake timeout

    QUuid m_session;
    int m_protocolVersion = 1;
    bool m_initDone = false;
    bool m_counted = false; // counted in the connections gauge

    struct PendingFrame
    {
        QByteArray payload;
        bool oversize = false; // over the frame limit: answered in order, after earlier frames
    };
    QQueue<PendingFrame> m_pending; // WebSocket payloads waiting for the one in flight
    qint64 m_pendingBytes = 0;
    bool m_busy = false;
    bool m_pumping = false;
    QSet<QString> m_activeRooms;
    QString m_joining; // room of a join in flight

    qint64 m_requestStartMs = 0; // when the current HTTP request could start arriving
    int m_requestsServed = 0;
    qint64 m_lastHeardMs = 0;
    qint64 m_closingSinceMs = 0;
    bool m_pingSent = false;
    bool m_lingering = false; // error answered, write side shut: input is drained and dropped
    int m_scheduleIndex = -1;
};

} // namespace ic::server
