#include "connection/Connection.h"

#include "core/ServerContext.h"
#include "protocol/ServerFrame.h"
#include "protocol/VersionedError.h"
#include "session/SessionCookie.h"
#include "transport/HttpResponse.h"
#include "transport/PlainTransport.h"
#include "transport/TlsTransport.h"
#include "validation/Validation.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QThread>
#include <atomic>

Q_LOGGING_CATEGORY(lcConnection, "connection")

namespace ic::server {

using proto::ErrorCode;

namespace {

constexpr qsizetype maxHeaderBytes = 16 * 1024;
constexpr qsizetype maxBodyBytes = 64 * 1024;
constexpr qint64 closingGraceMs = 3000;
// Past --queue-memory, a client with more than this waiting counts as behind (see write()).
constexpr qint64 queueBehindBytes = 64 * 1024;

std::atomic<quint64> nextConnectionId{1};

bool isJoinCommand(proto::Command command)
{
    return command == proto::Command::RoomCreateJoin || command == proto::Command::RoomJoin ||
           command == proto::Command::RoomCreate ||
           command == proto::Command::RoomCreateJoinAuthorise;
}

bool isMemberCommand(proto::Command command)
{
    switch (command) {
    case proto::Command::ChangeDescription:
    case proto::Command::ChangeUserName:
    case proto::Command::TextMessage:
    case proto::Command::EditMessage:
    case proto::Command::DeleteMessage:
    case proto::Command::Vote:
    case proto::Command::DrawingMessage:
    case proto::Command::MembersRequest:
    case proto::Command::Typing:
        return true;
    default:
        return false;
    }
}

QByteArray tooManyConnections()
{
    // httpResponse adds Retry-After to every 429.
    return httpText(
        429, "error: too many connections from your address, close some and try again\n", false);
}

bool isWebSocketPath(const QByteArray &path)
{
    // Also behind the gateway's /b/<server-id>/ prefix, should a proxy keep it.
    return path == "/ws_entry" || (path.startsWith("/b/") && path.endsWith("/ws_entry"));
}

} // namespace

Connection::Connection(ServerContext &context, SessionHost *host)
    : m_context(context), m_host(host),
      m_id(nextConnectionId.fetch_add(1, std::memory_order_relaxed)),
      m_http(maxHeaderBytes, maxBodyBytes),
      m_frames(ws::FrameParser::Role::Server, context.settings().room.limits.frameMaxBytes)
{
    // Room imports carry a whole room; their limit is known once the head shows the route.
    m_http.setBodyLimit(
        [this](const HttpRequest &head) { return m_host ? m_host->bodyLimit(head, m_peer) : 0; });
}

Connection::~Connection()
{
    if (m_counted)
        m_context.metrics().connections.fetch_sub(1, std::memory_order_relaxed);
    if (!m_countedAddress.isEmpty())
        m_context.connectionsPerAddress().release(m_countedAddress);
}

bool Connection::start(qintptr descriptor)
{
    std::atomic<qint64> &queuedGauge = m_context.metrics().outboundQueuedBytes;
    if (m_context.tlsEnabled())
        m_transport = new TlsTransport(*this, queuedGauge, m_context.tls(), this);
    else
        m_transport = new PlainTransport(*this, queuedGauge, this);
    if (!m_transport->adopt(descriptor))
        return false;
    m_peer = m_transport->peerAddress();
    m_address = m_context.settings().trustedProxies.clientAddress(m_peer, {}, {});
    if (!m_context.settings().trustedProxies.isTrusted(m_peer)) {
        // Counted from the first byte: connections that never upgrade (slow-loris) hold sockets
        // too. A trusted proxy's connections are counted at the upgrade, under the client's
        // address, because the proxy itself carries everybody's traffic.
        if (m_context.connectionsPerAddress().acquire(m_address))
            m_countedAddress = m_address;
        else
            m_refused = true;
    }
    m_lastHeardMs = m_requestStartMs = QDateTime::currentMSecsSinceEpoch();
    return true;
}

void Connection::attached(SessionHost *host)
{
    m_host = host;
    m_transport->resume();
}

void Connection::handOver(QThread *thread, SessionHost *host)
{
    // What this thread wrote for it (the upgrade reply) leaves first: its flush list stays
    // behind; and the socket is watched by the new thread only.
    m_transport->flush();
    m_transport->suspend();
    m_host->detach(this);
    setParent(nullptr);
    moveToThread(thread);
    m_host = host;
}

void Connection::transportReceived(QByteArrayView data)
{
    if (m_mode == Mode::Closed || data.isEmpty() || m_lingering)
        return;
    m_lastHeardMs = QDateTime::currentMSecsSinceEpoch();
    m_pingSent = false;
    if (m_mode == Mode::Http)
        readHttp(data.toByteArray());
    else
        readWebSocket(data);
}

void Connection::transportClosed()
{
    onDisconnected();
}

bool Connection::write(const QByteArray &bytes)
{
    if (m_mode == Mode::Closed)
        return false;
    // Pongs, close frames and HTTP answers (pipelined ones too) are queued like frames, so they
    // are bounded like frames: a peer that sends and never reads cannot make us hold its replies.
    const qint64 queued = m_transport->queuedBytes();
    // An HTTP answer is made only once the previous one has left (pipelined requests wait), so
    // one larger than the limit on an empty queue is a large answer, not a client falling behind:
    // a room list of many rooms or the echo of a full promote list must reach the balancer.
    const bool wholeHttpAnswer = m_mode != Mode::WebSocket && queued == 0;
    if (!wholeHttpAnswer && queued + bytes.size() > m_context.settings().outboundLimit) {
        dropSlow();
        return false;
    }
    // The server-wide bound: every socket under its own limit can still add up to more than the
    // machine has. Past --queue-memory the clients that are behind go first; one whose queue
    // holds only what this loop iteration coalesces (well under 64 KiB) keeps being served.
    if (queued > queueBehindBytes &&
        m_context.metrics().outboundQueuedBytes.load(std::memory_order_relaxed) + bytes.size() >
            m_context.settings().queueMemory) {
        dropSlow();
        return false;
    }
    // Plain TCP collects what one loop iteration writes and flushes it once (Worker::flushWrites):
    // a socket that gets several frames in one iteration (broadcasts of busy rooms, a join's
    // replies) costs one system call instead of one per frame, and that call is most of the
    // cost of a delivery.
    if (m_transport->write(bytes))
        m_host->scheduleFlush(m_id);
    return true;
}

bool Connection::outputWaiting()
{
    if (m_transport->queuedBytes() == 0)
        return false;
    // What is still in the outbox goes to the kernel now; what the kernel refuses is held.
    m_transport->flush();
    return m_mode != Mode::Closed && m_transport->queuedBytes() > 0;
}

void Connection::transportDrained()
{
    // The peer reads again: requests pipelined behind the paused one go on.
    if (m_mode == Mode::Http && !m_busy && !m_lingering)
        readHttp(QByteArray());
}

void Connection::disconnectGracefully()
{
    m_transport->close();
}

void Connection::onDisconnected()
{
    if (m_mode == Mode::Closed)
        return;
    m_mode = Mode::Closed;
    QSet<QString> rooms = m_activeRooms;
    if (!m_joining.isEmpty())
        rooms.insert(m_joining); // its answer may still be on the way
    if (!rooms.isEmpty())
        m_host->leftRooms(rooms, m_id);
    m_activeRooms.clear();
    m_host->detach(this);
    deleteLater();
}

qint64 Connection::tick(qint64 nowMs)
{
    const ServerSettings &settings = m_context.settings();
    // HTTP and closing connections are short-lived and their deadlines move in both directions
    // (a new partial request, a close): they are looked at every second.
    const qint64 nextSecond = nowMs + 1000;
    switch (m_mode) {
    case Mode::Closed:
        return nextSecond;
    case Mode::Closing:
        if (nowMs - m_closingSinceMs > closingGraceMs)
            m_transport->abort();
        return nextSecond;
    case Mode::Http: {
        // A request must arrive complete within the handshake timeout (slow senders included);
        // an idle keep-alive connection is kept as long as an idle WebSocket.
        const qint64 limitMs = (m_requestsServed == 0 || m_http.hasPartialRequest())
                                   ? settings.handshakeTimeoutSeconds * 1000LL
                                   : settings.idleTimeoutSeconds * 1000LL;
        if (!m_busy && nowMs - m_requestStartMs > limitMs) {
            m_mode = Mode::Closing;
            m_closingSinceMs = nowMs;
            disconnectGracefully();
        }
        return nextSecond;
    }
    case Mode::WebSocket: {
        // Pongs keep an idle socket alive, so without this a client could hold a socket forever
        // without ever saying who it is.
        const qint64 handshakeDeadline =
            m_upgradedMs + settings.handshakeTimeoutSeconds * 1000LL + 1;
        if (!m_initDone && nowMs >= handshakeDeadline) {
            qCDebug(lcConnection) << "no init frame in time" << m_id;
            closeWebSocket(ws::ClosePolicyViolation);
            return nextSecond;
        }
        const qint64 silentMs = nowMs - m_lastHeardMs;
        const qint64 timeoutMs = settings.idleTimeoutSeconds * 1000LL;
        const qint64 pingAfterMs = std::max<qint64>(1000, timeoutMs / 2);
        if (silentMs >= timeoutMs) {
            qCDebug(lcConnection) << "closing idle socket" << m_id;
            closeWebSocket(ws::CloseGoingAway);
            return nextSecond;
        }
        if (!m_pingSent && silentMs >= pingAfterMs) {
            m_pingSent = true;
            write(ws::encodeFrame(ws::Opcode::Ping, QByteArrayView()));
        }
        // Nothing can be due before the next of these: frames heard meanwhile only move them
        // later (checked then), and closing asks the worker for an early look (closeWebSocket).
        // This is what keeps 10,000 idle sockets from being visited every second.
        qint64 next = m_lastHeardMs + (m_pingSent ? timeoutMs : pingAfterMs);
        if (!m_initDone)
            next = std::min(next, handshakeDeadline);
        return next;
    }
    }
    return nextSecond;
}

void Connection::shutdown()
{
    if (m_mode == Mode::WebSocket)
        closeWebSocket(ws::CloseGoingAway);
    else if (m_mode == Mode::Http && !m_busy)
        disconnectGracefully();
}

// ---- HTTP ----------------------------------------------------------------------------------

void Connection::readHttp(const QByteArray &data)
{
    HttpRequestParser::State state = m_http.feed(data);
    if (m_http.bufferedBytes() > maxHeaderBytes + m_http.currentBodyLimit()) {
        // Pipelined requests piling up behind one in flight. When they wait because the client
        // does not read our answers, it would not read a refusal either (and would keep us
        // reading its input through the closing grace): it is dropped as slow.
        if (!m_busy && outputWaiting())
            dropSlow();
        else
            writeHttp(httpText(431, "error: too many pipelined requests\n", false), true);
        return;
    }
    while (m_mode == Mode::Http && !m_busy) {
        if (state == HttpRequestParser::State::Incomplete)
            return;
        if (state == HttpRequestParser::State::Invalid) {
            writeHttp(httpText(400, "error: the request is not valid HTTP/1.1\n", false), true);
            return;
        }
        if (state == HttpRequestParser::State::TooLarge) {
            if (m_http.bodyTooLarge())
                writeHttp(httpText(413, "error: the request body is too large\n", false), true);
            else
                writeHttp(httpText(431, "error: the request headers are too large\n", false), true);
            return;
        }
        // A peer that pipelines requests without reading the answers: the next request waits
        // until the kernel took the previous answer (transportDrained), and what the peer keeps
        // sending meanwhile is bounded by the parser's buffer (431 above).
        if (outputWaiting())
            return;
        handleHttp(m_http.take());
        state = m_http.state();
    }
}

void Connection::writeHttp(const QByteArray &response, bool close)
{
    if (!response.isEmpty() && !write(response))
        return;
    ++m_requestsServed;
    m_requestStartMs = QDateTime::currentMSecsSinceEpoch();
    if (close) {
        m_mode = Mode::Closing;
        m_closingSinceMs = QDateTime::currentMSecsSinceEpoch();
        lingeringClose();
    }
}

void Connection::lingeringClose()
{
    // Closing a socket whose peer is still sending (an oversized request) makes the kernel answer
    // with a reset, which can destroy our error reply before the client reads it. So the reply is
    // sent, the write side shut, and input dropped until the peer closes or the grace time ends.
    if (m_transport->shutdownWrite())
        m_lingering = true;
    else
        m_transport->close();
}

void Connection::handleHttp(HttpRequest request)
{
    m_address = m_context.settings().trustedProxies.clientAddress(
        m_peer, request.header("x-forwarded-for"), request.header("x-real-ip"));
    request.clientAddress = m_address;
    request.peer = m_peer;
    if (request.header("host").isEmpty() && !request.http10) {
        // RFC 9112 §3.2: an HTTP/1.1 request without Host must be answered 400.
        writeHttp(httpText(400, "error: an HTTP/1.1 request needs a Host header\n", false), true);
        return;
    }
    static const QByteArrayList knownMethods{"GET",     "HEAD",  "POST",    "PUT",  "DELETE",
                                             "OPTIONS", "PATCH", "CONNECT", "TRACE"};
    if (!knownMethods.contains(request.method)) {
        writeHttp(httpText(501, "error: this method is not implemented\n", false), true);
        return;
    }
    if (m_refused) {
        m_context.metrics().countRateLimited("connections");
        writeHttp(tooManyConnections(), true);
        return;
    }
    if (isWebSocketPath(request.path)) {
        upgrade(request);
        return;
    }
    const std::optional<QByteArray> response = m_host->http(request, m_id);
    if (response) {
        writeHttp(request.method == "HEAD" ? response->left(response->indexOf("\r\n\r\n") + 4)
                                           : *response,
                  !request.keepAlive);
        return;
    }
    m_busy = true; // the room's thread answers with a Delivery
}

void Connection::upgrade(const HttpRequest &request)
{
    const bool keepAlive = request.keepAlive;
    if (request.method != "GET" || !request.hasHeaderToken("upgrade", "websocket") ||
        !request.hasHeaderToken("connection", "upgrade") ||
        request.header("sec-websocket-key").isEmpty()) {
        writeHttp(
            httpText(400, "error: /ws_entry expects a WebSocket upgrade request\n", keepAlive),
            !keepAlive);
        return;
    }
    if (request.header("sec-websocket-version") != "13") {
        QByteArray response =
            httpText(426, "error: only WebSocket version 13 is supported\n", false);
        response.replace("\r\n\r\n", "\r\nSec-WebSocket-Version: 13\r\n\r\n");
        writeHttp(response, true);
        return;
    }
    const std::optional<QUuid> session =
        ic::session::sessionFromCookieHeader(request.header("cookie"));
    if (!session) {
        writeHttp(
            httpText(401, "error: a valid session cookie is required, get one from the home page\n",
                     false),
            true);
        return;
    }
    const QString origin = QString::fromUtf8(request.header("origin"));
    if (!m_context.settings().allowedOrigins.contains(origin)) {
        writeHttp(httpText(403, "error: this origin is not allowed to connect\n", false), true);
        return;
    }
    if (m_context.shuttingDown()) {
        writeHttp(httpText(503, "error: the server is shutting down\n", false), true);
        return;
    }
    if (m_context.metrics().connections.fetch_add(1, std::memory_order_relaxed) >=
        m_context.settings().maxConnections) {
        m_context.metrics().connections.fetch_sub(1, std::memory_order_relaxed);
        writeHttp(
            httpText(503, "error: the server has too many connections, try again later\n", false),
            true);
        return;
    }
    if (m_countedAddress.isEmpty()) {
        // Through a trusted proxy: count under the forwarded client address.
        if (!m_context.connectionsPerAddress().acquire(m_address)) {
            m_context.metrics().connections.fetch_sub(1, std::memory_order_relaxed);
            m_context.metrics().countRateLimited("connections");
            writeHttp(tooManyConnections(), true);
            return;
        }
        m_countedAddress = m_address;
    }
    m_counted = true;
    m_session = *session;
    QByteArray response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: ";
    response += ws::acceptKey(request.header("sec-websocket-key"));
    response += "\r\n\r\n";
    if (!write(response))
        return;
    m_mode = Mode::WebSocket;
    m_lastHeardMs = m_upgradedMs = QDateTime::currentMSecsSinceEpoch();
    const QByteArray early = m_http.takeRemainder();
    if (!early.isEmpty())
        readWebSocket(early);
}

// ---- WebSocket -----------------------------------------------------------------------------

void Connection::readWebSocket(QByteArrayView data)
{
    if (m_mode != Mode::WebSocket && m_mode != Mode::Closing)
        return;
    const bool ok = m_frames.feed(data);
    while (std::optional<ws::Message> message = m_frames.next()) {
        switch (message->opcode) {
        case ws::Opcode::Ping:
            write(ws::encodeFrame(ws::Opcode::Pong, message->payload));
            break;
        case ws::Opcode::Pong:
            break;
        case ws::Opcode::Close:
            if (m_mode == Mode::WebSocket) {
                // Echo the peer's code, as RFC 6455 §5.5.1 asks. The frame parser already
                // refused a body that is not a sendable code and a UTF-8 reason (1002).
                quint16 code = ws::CloseNormal;
                if (message->payload.size() >= 2)
                    code =
                        quint16((quint8(message->payload[0]) << 8) | quint8(message->payload[1]));
                closeWebSocket(code);
            } else {
                disconnectGracefully();
            }
            return;
        case ws::Opcode::Text:
        case ws::Opcode::Binary:
        case ws::Opcode::Continuation:
            if (m_mode != Mode::WebSocket)
                break;
            m_context.metrics().messagesReceived.Increment();
            if (message->oversize) {
                // Queued like any frame: an init frame read in the same chunk is still waiting
                // in m_pending, and only after it is "before the init frame" decided.
                m_pending.enqueue(PendingFrame{QByteArray(), true});
                break;
            }
            if (!m_busy && !m_pumping && m_pending.isEmpty()) {
                // Nothing waits before it (the common case): processed at once, no queue entry.
                process(message->payload);
                break;
            }
            m_pendingBytes += message->payload.size();
            m_pending.enqueue(PendingFrame{std::move(message->payload), false});
            if (m_pendingBytes > m_context.settings().outboundLimit) {
                // Frames keep coming while one request waits (e.g. for a password check).
                closeWebSocket(ws::ClosePolicyViolation);
                return;
            }
            break;
        }
    }
    if (!ok) {
        closeWebSocket(m_frames.closeCode() ? m_frames.closeCode()
                                            : quint16(ws::CloseProtocolError));
        return;
    }
    pump();
}

void Connection::pump()
{
    if (m_pumping)
        return;
    m_pumping = true;
    while (!m_busy && m_mode == Mode::WebSocket && !m_pending.isEmpty()) {
        const PendingFrame next = m_pending.dequeue();
        m_pendingBytes -= next.payload.size();
        if (next.oversize) {
            if (!m_initDone) {
                closeWebSocket(ws::CloseTooBig);
                break;
            }
            sendError(ErrorCode::MessageTooLong, std::nullopt);
            continue;
        }
        process(next.payload);
    }
    m_pumping = false;
}

void Connection::sendJson(const QByteArray &json)
{
    sendFrame(ws::encodeFrame(ws::Opcode::Text, json));
}

void Connection::sendError(proto::ErrorCode code, const std::optional<QString> &requestId)
{
    code = proto::errorForVersion(code, m_protocolVersion);
    m_context.metrics().countError(code);
    m_context.metrics().framesDelivered.Increment();
    sendJson(proto::encodeErrorFrame(code, requestId, proto::nowNanoseconds()));
}

void Connection::process(const QByteArray &payload)
{
    if (!m_initDone) {
        const proto::InitFrame init = proto::decodeInitFrame(payload);
        if (!init.accepted) {
            closeWebSocket(ws::CloseInvalidPayload);
            return;
        }
        m_initDone = true;
        m_protocolVersion = init.protocolVersion;
        return;
    }
    // Every client sends this exact frame every 5 s; it needs no JSON parse to be recognised.
    static const QByteArray keepAlive = proto::keepAliveFrame();
    if (payload == keepAlive)
        return;
    const qint64 receivedNs = proto::nowNanoseconds();
    proto::DecodedClientFrame decoded = proto::decodeClientFrame(payload);
    switch (decoded.error) {
    case proto::DecodeError::None:
        break;
    case proto::DecodeError::InvalidJson:
    case proto::DecodeError::NotObject:
        sendError(ErrorCode::InvalidInput, std::nullopt);
        return;
    case proto::DecodeError::WrongType:
        sendError(ErrorCode::InvalidInput, decoded.frame.requestId);
        return;
    }
    if (decoded.frame.keepAlive)
        return; // §4.1: a keep-alive frame is nothing else
    dispatchCommand(std::move(decoded.frame), receivedNs);
}

void Connection::dispatchCommand(proto::ClientFrame frame, qint64 receivedNs)
{
    const proto::Command command = frame.kind;
    const bool join = isJoinCommand(command);
    if (!join && !isMemberCommand(command))
        return; // unknown or server-only codes: no reply (v1)
    if ((command == proto::Command::MembersRequest || command == proto::Command::Typing) &&
        m_protocolVersion < proto::protocolVersionExtensions)
        return; // extensions a v1 session did not opt in to are unknown codes to it

    const QString room = validation::canonicalRoomName(frame.roomName);
    if (join) {
        const ErrorCode nameCheck =
            validation::checkRoomName(room, m_context.settings().room.limits);
        if (nameCheck != ErrorCode::None) {
            sendError(nameCheck, frame.requestId);
            return;
        }
        if (validation::checkRoomPassword(frame.roomPassword, m_context.settings().room.limits) !=
            ErrorCode::None) {
            sendError(ErrorCode::InvalidPassword, frame.requestId);
            return;
        }
        if (!m_context.joinLimiter().allow(m_address, QDateTime::currentMSecsSinceEpoch())) {
            m_context.metrics().countRateLimited("join");
            sendError(ErrorCode::RateLimited, frame.requestId);
            return;
        }
    } else if (!m_host->memberLimiter().allow(m_address, QDateTime::currentMSecsSinceEpoch())) {
        m_context.metrics().countRateLimited("address");
        sendError(ErrorCode::RateLimited, frame.requestId);
        return;
    } else if (room.isEmpty()) {
        // Commands name their room in `r`; guessing one for a socket in several rooms could
        // post into the wrong room, so a command without it belongs to no room.
        sendError(ErrorCode::RoomNotFound, frame.requestId);
        return;
    }

    SessionCommand request;
    request.session = m_session;
    request.connection = m_id;
    request.protocolVersion = m_protocolVersion;
    request.room = room;
    request.address = m_address;
    request.frame = std::move(frame);
    request.receivedNs = receivedNs;
    request.mayMove =
        (command == proto::Command::RoomCreateJoin || command == proto::Command::RoomJoin) &&
        m_activeRooms.isEmpty();
    m_busy = true;
    if (join)
        m_joining = room;
    m_host->command(this, std::move(request));
}

void Connection::sendFrame(const QByteArray &frame)
{
    if (m_mode != Mode::WebSocket)
        return;
    write(frame);
}

void Connection::dropSlow()
{
    qCInfo(lcConnection) << "dropping a client that cannot keep up, queued"
                         << m_transport->queuedBytes();
    m_context.metrics().slowClientsDropped.Increment();
    m_transport->abort();
    onDisconnected();
}

void Connection::deliver(const Delivery &delivery)
{
    if (m_mode == Mode::Http || (m_mode == Mode::Closing && !m_counted)) {
        for (const QByteArray &bytes : delivery.bytes)
            if (!write(bytes))
                return;
        if (delivery.finished) {
            m_busy = false;
            ++m_requestsServed;
            m_requestStartMs = QDateTime::currentMSecsSinceEpoch();
        }
        if (delivery.httpClose) {
            writeHttp(QByteArray(), true);
            return;
        }
        if (delivery.finished && m_mode == Mode::Http) {
            // Requests pipelined behind this one.
            readHttp(QByteArray());
        }
        return;
    }
    for (const QByteArray &bytes : delivery.bytes)
        sendFrame(bytes);
    if (m_mode == Mode::Closed)
        return;
    if (!delivery.joined.isEmpty())
        m_activeRooms.insert(delivery.joined);
    if (!delivery.left.isEmpty())
        m_activeRooms.remove(delivery.left);
    if (delivery.close) {
        closeWebSocket(delivery.closeCode);
        return;
    }
    if (delivery.finished) {
        m_busy = false;
        m_joining.clear();
        pump();
    }
}

void Connection::closeWebSocket(quint16 code)
{
    if (m_mode != Mode::WebSocket)
        return;
    if (!write(ws::encodeCloseFrame(code, QByteArrayView())))
        return;
    m_mode = Mode::Closing;
    m_closingSinceMs = QDateTime::currentMSecsSinceEpoch();
    if (m_host)
        m_host->checkSoon(this); // its grace period is checked every second from now on
    m_pending.clear();
    m_pendingBytes = 0;
    disconnectGracefully();
}

} // namespace ic::server
