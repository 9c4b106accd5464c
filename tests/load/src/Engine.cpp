#include "Engine.h"
#include "EngineUser.h"

#include "net/WebSocketFrame.h"
#include "protocol/ClientFrame.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QSocketNotifier>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace ic::load {

namespace {

constexpr qsizetype readChunk = 64 * 1024;
// Far above any frame the server sends a v1 client; R_M_CH of a 1000-user room is ~100 KB.
constexpr qsizetype maxFrameBytes = 16 * 1024 * 1024;

QByteArray maskedFrame(QByteArrayView payload)
{
    return ws::encodeFrame(ws::Opcode::Text, payload, true);
}

} // namespace

Engine::Engine(EngineOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_readBuffer(readChunk)
{
    m_epoll = epoll_create1(EPOLL_CLOEXEC);
    m_notifier = new QSocketNotifier(m_epoll, QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &Engine::onEpollReady);

    m_pumpTimer.setInterval(10);
    connect(&m_pumpTimer, &QTimer::timeout, this, [this] {
        pumpSetup();
        if (++m_pumpTicks % 50 == 0)
            checkSetupTimeouts();
    });
    // 1 ms ticks: send times are stamped when the frame is written, so tick jitter does not
    // distort latency; it only spreads sends by up to a millisecond.
    m_sendTimer.setTimerType(Qt::PreciseTimer);
    m_sendTimer.setInterval(1);
    connect(&m_sendTimer, &QTimer::timeout, this, &Engine::sendTick);
    // Every user sends {"kA":"OK"} every 5 s (docs/protocol.md §3.3): 1/50 of them every 100 ms, so
    // keep-alives are spread evenly instead of arriving in one burst.
    m_keepAliveTimer.setInterval(100);
    connect(&m_keepAliveTimer, &QTimer::timeout, this, &Engine::keepAliveTick);
    m_keepAliveTimer.start();
    m_rejoinTimer.setInterval(20);
    connect(&m_rejoinTimer, &QTimer::timeout, this, &Engine::rejoinTick);
}

Engine::~Engine()
{
    closeAll();
    if (m_epoll >= 0)
        ::close(m_epoll);
}

bool Engine::resolveBalancer(QString *error)
{
    const QUrl &url = m_options.balancer;
    if (url.scheme() != QLatin1StringView("http")) {
        *error = QStringLiteral("only http:// balancer URLs are supported (TLS would measure the "
                                "gateway, not the server)");
        return false;
    }
    m_balancer = resolveEndpoint(url.host(), url.port(80));
    if (!m_balancer.valid()) {
        *error = QStringLiteral("cannot resolve %1").arg(url.host());
        return false;
    }
    return true;
}

void Engine::addUsers(int count, int usersPerRoom)
{
    usersPerRoom = qMax(1, usersPerRoom);
    const int firstRoom = int(m_rooms.size());
    const int rooms = (count + usersPerRoom - 1) / usersPerRoom;
    for (int r = 0; r < rooms; ++r)
        m_rooms.push_back(Room{
            QStringLiteral("%1-%2").arg(m_options.roomPrefix).arg(firstRoom + r), 0, 0, 0, {}});
    for (int i = 0; i < count; ++i) {
        auto user = std::make_unique<User>();
        user->index = int(m_users.size());
        user->room = firstRoom + i / usersPerRoom;
        m_users.push_back(std::move(user));
    }
}

int Engine::addUserToRoom(int room, bool counted)
{
    auto user = std::make_unique<User>();
    user->index = int(m_users.size());
    user->room = room;
    user->counted = counted;
    m_users.push_back(std::move(user));
    return int(m_users.size()) - 1;
}

bool Engine::isJoined(int index) const
{
    return m_users[size_t(index)]->phase == Phase::Joined;
}

bool Engine::leaveUser(int index)
{
    User &user = *m_users[size_t(index)];
    if (user.phase != Phase::Joined)
        return false;
    const QByteArray closeFrame = ws::encodeCloseFrame(ws::CloseGoingAway, {}, true);
    ::send(user.fd, closeFrame.constData(), size_t(closeFrame.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
    closeSocket(user);
    user.phase = Phase::Closed;
    --m_rooms[user.room].members;
    m_rooms[user.room].counted -= user.counted;
    --m_connected;
    ++m_left;
    return true;
}

void Engine::startSetup()
{
    if (m_setupStartNs == 0 || m_nextToStart >= m_users.size())
        m_setupStartNs = monotonicNs();
    m_started = 0;
    m_pumpTimer.start();
    pumpSetup();
}

void Engine::pumpSetup()
{
    const qint64 now = monotonicNs();
    while (m_nextToStart < m_users.size() && m_inSetup < m_options.concurrency) {
        if (m_options.connectRate > 0) {
            const double allowed = m_options.connectRate * double(now - m_setupStartNs) / 1e9 + 1;
            if (double(m_started) >= allowed)
                break;
        }
        User &user = *m_users[m_nextToStart++];
        ++m_started;
        startUser(user);
    }
    if (m_nextToStart >= m_users.size() && m_inSetup == 0)
        m_pumpTimer.stop();
}

void Engine::checkSetupTimeouts()
{
    const qint64 limit = monotonicNs() - qint64(m_options.setupTimeoutMs) * 1000000;
    for (auto &user : m_users) {
        const Phase phase = user->phase;
        if ((phase == Phase::Http || phase == Phase::WebSocket || phase == Phase::Joining) &&
            user->startNs < limit)
            fail(*user, QStringLiteral("timeout-%1")
                            .arg(phase == Phase::Http        ? QStringLiteral("http")
                                 : phase == Phase::WebSocket ? QStringLiteral("handshake")
                                                             : QStringLiteral("join")));
    }
}

void Engine::startUser(User &user)
{
    ++m_inSetup;
    user.phase = Phase::Http;
    user.httpStep = 0;
    user.startNs = monotonicNs();
    if (m_firstStartNs == 0)
        m_firstStartNs = user.startNs;
    if (!connectTo(user, m_balancer))
        fail(user, QStringLiteral("http-connect"));
}

bool Engine::connectTo(User &user, const Endpoint &endpoint)
{
    closeSocket(user);
    const int fd =
        ::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    // Small frames must leave at once: Nagle would add up to 40 ms to a TM behind a keep-alive.
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&endpoint.address), endpoint.length) < 0 &&
        errno != EINPROGRESS) {
        ::close(fd);
        return false;
    }
    user.fd = fd;
    ++user.generation;
    user.connecting = true;
    user.wantWrite = true;
    user.peerClosed = false;
    user.in.clear();
    user.out.clear();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.ptr = &user;
    epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event);
    return true;
}

void Engine::closeSocket(User &user)
{
    if (user.fd < 0)
        return;
    // close() removes the descriptor from the epoll set, and epoll_wait below never hands out
    // an event of a descriptor closed earlier in the same batch because it is re-armed per call.
    ::close(user.fd);
    user.fd = -1;
    user.connecting = false;
    user.wantWrite = false;
    user.out.clear();
    user.in.clear();
    user.parser.reset();
}

void Engine::setWantWrite(User &user, bool want)
{
    if (user.wantWrite == want || user.fd < 0)
        return;
    user.wantWrite = want;
    epoll_event event{};
    event.events = quint32(EPOLLIN) | (want ? quint32(EPOLLOUT) : 0u);
    event.data.ptr = &user;
    epoll_ctl(m_epoll, EPOLL_CTL_MOD, user.fd, &event);
}

void Engine::onEpollReady()
{
    epoll_event events[512];
    while (true) {
        const int count = epoll_wait(m_epoll, events, 512, 0);
        if (count <= 0)
            return;
        for (int i = 0; i < count; ++i)
            handleEvent(*static_cast<User *>(events[i].data.ptr), events[i].events);
        if (count < 512)
            return;
    }
}

void Engine::handleEvent(User &user, quint32 events)
{
    if (user.fd < 0)
        return;
    if (user.connecting) {
        int error = 0;
        socklen_t length = sizeof error;
        getsockopt(user.fd, SOL_SOCKET, SO_ERROR, &error, &length);
        if (error != 0) {
            fail(user, user.phase == Phase::Http ? QStringLiteral("http-connect")
                                                 : QStringLiteral("ws-connect"));
            return;
        }
        if (!(events & EPOLLOUT))
            return;
        user.connecting = false;
        setWantWrite(user, false);
        onConnected(user);
        return;
    }
    if (events & EPOLLOUT)
        flush(user);
    if (user.fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        onReadable(user);
}

void Engine::onReadable(User &user)
{
    const int fd = user.fd;
    const quint32 generation = user.generation;
    // Level-triggered: one read per wakeup is enough, a second one only when the first filled
    // the buffer (saves the EAGAIN read on the common path of one frame per wakeup).
    for (int round = 0; round < 4 && user.fd == fd && user.generation == generation; ++round) {
        const ssize_t count = ::recv(fd, m_readBuffer.data(), m_readBuffer.size(), 0);
        if (count > 0) {
            onData(user, m_readBuffer.data(), count);
            if (count < ssize_t(m_readBuffer.size()))
                return;
        } else if (count == 0) {
            onPeerClosed(user);
            return;
        } else {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return;
            onPeerClosed(user);
            return;
        }
    }
}

void Engine::sendBytes(User &user, QByteArrayView data)
{
    if (user.fd < 0)
        return;
    if (!user.out.isEmpty() || user.connecting) {
        user.out.append(data.data(), data.size());
        return;
    }
    const ssize_t written = ::send(user.fd, data.data(), size_t(data.size()), MSG_NOSIGNAL);
    if (written == data.size())
        return;
    if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return; // the read side sees the reset and ends the connection
    const qsizetype done = written < 0 ? 0 : written;
    user.out.append(data.data() + done, data.size() - done);
    setWantWrite(user, true);
}

void Engine::flush(User &user)
{
    if (user.out.isEmpty()) {
        setWantWrite(user, false);
        return;
    }
    const ssize_t written =
        ::send(user.fd, user.out.constData(), size_t(user.out.size()), MSG_NOSIGNAL);
    if (written < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            user.out.clear();
        return;
    }
    user.out.remove(0, written);
    setWantWrite(user, !user.out.isEmpty());
}

void Engine::onConnected(User &user)
{
    if (user.phase == Phase::Http) {
        sendHttpRequest(user);
        return;
    }
    // WebSocket handshake: the server checks the cookie and that Origin is allowed (§3.2).
    const qsizetype slash = user.backend.indexOf(QLatin1Char('/'));
    const QByteArray prefix = slash >= 0 ? user.backend.mid(slash).toUtf8() : QByteArray();
    const QByteArray key = ws::randomClientKey();
    user.expectedAccept = ws::acceptKey(key);
    QByteArray request;
    request.reserve(400);
    request += "GET " + prefix +
               "/ws_entry HTTP/1.1\r\nHost: " + m_backends.value(user.backend).hostHeader +
               "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
               "\r\nSec-WebSocket-Version: 13\r\nOrigin: " + m_options.origin +
               "\r\nCookie: session=" + user.cookie +
               "\r\nUser-Agent: instantchat-loadtest\r\n\r\n";
    sendBytes(user, request);
    flush(user);
}

void Engine::sendHttpRequest(User &user)
{
    QByteArray request;
    request.reserve(300);
    if (user.httpStep == 0) {
        // No cookie: the balancer issues a fresh session, one per simulated user, so no two
        // users share a session (the same session twice in a room kicks the older socket).
        request +=
            "GET / HTTP/1.1\r\nHost: " + m_balancer.hostHeader +
            "\r\nUser-Agent: instantchat-loadtest\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n";
    } else {
        const QByteArray room = QUrl::toPercentEncoding(m_rooms[user.room].name);
        request +=
            "GET /pick_backend?roomName=" + room + " HTTP/1.1\r\nHost: " + m_balancer.hostHeader +
            "\r\nUser-Agent: instantchat-loadtest\r\nAccept: application/json\r\nCookie: session=" +
            user.cookie + "\r\nConnection: close\r\n\r\n";
    }
    sendBytes(user, request);
    flush(user);
}

void Engine::onData(User &user, const char *data, qsizetype size)
{
    switch (user.phase) {
    case Phase::Http: {
        user.in.append(data, size);
        HttpResponse response;
        switch (parseHttpResponse(user.in, false, response)) {
        case ParseResult::Incomplete:
            return;
        case ParseResult::Error:
            fail(user, QStringLiteral("http-bad-response"));
            return;
        case ParseResult::Complete:
            user.in.remove(0, response.consumed);
            onHttpResponse(user, response);
            return;
        }
        return;
    }
    case Phase::WebSocket:
        user.in.append(data, size);
        onHandshakeData(user);
        return;
    case Phase::Joining:
    case Phase::Joined:
        if (!user.parser->feed(QByteArrayView(data, size))) {
            if (user.phase == Phase::Joined)
                lose(user);
            else
                fail(user, QStringLiteral("ws-protocol-error"));
            return;
        }
        processFrames(user);
        return;
    default:
        return;
    }
}

void Engine::onPeerClosed(User &user)
{
    switch (user.phase) {
    case Phase::Http: {
        HttpResponse response;
        if (!user.in.isEmpty() &&
            parseHttpResponse(user.in, true, response) == ParseResult::Complete) {
            user.in.clear();
            user.peerClosed = true;
            onHttpResponse(user, response);
            return;
        }
        // A keep-alive connection the balancer closed just as we reused it: ask once more on
        // a fresh connection, as browsers do.
        if (user.httpStep == 1 && user.in.isEmpty() && !user.pickRetried) {
            user.pickRetried = true;
            if (connectTo(user, m_balancer))
                return;
        }
        fail(user, QStringLiteral("http-closed"));
        return;
    }
    case Phase::WebSocket:
        fail(user, QStringLiteral("ws-handshake-closed"));
        return;
    case Phase::Joining:
        fail(user, QStringLiteral("ws-closed-before-join"));
        return;
    case Phase::Joined:
        lose(user);
        return;
    default:
        closeSocket(user);
        return;
    }
}

void Engine::onHttpResponse(User &user, const HttpResponse &response)
{
    if (user.httpStep == 0) {
        if (response.status != 200) {
            fail(user, QStringLiteral("http-root-status-%1").arg(response.status));
            return;
        }
        if (response.setCookie.isEmpty()) {
            fail(user, QStringLiteral("http-no-cookie"));
            return;
        }
        user.cookie = response.setCookie;
        user.httpStep = 1;
        if (response.keepAlive && !user.peerClosed) {
            sendHttpRequest(user);
        } else if (!connectTo(user, m_balancer)) {
            fail(user, QStringLiteral("http-connect"));
        }
        return;
    }
    if (response.status != 200) {
        fail(user, QStringLiteral("pick-status-%1").arg(response.status));
        return;
    }
    const QJsonObject pick = QJsonDocument::fromJson(response.body).object();
    const QString backend = pick.value(QLatin1StringView("bA")).toString();
    if (backend.isEmpty()) {
        fail(user, QStringLiteral("pick-error"));
        return;
    }
    user.backend = backend;
    auto known = m_backends.find(backend);
    if (known == m_backends.end()) {
        // bA = host:port[/prefix]; resolved once per distinct backend.
        const QString hostPort = backend.section(QLatin1Char('/'), 0, 0);
        const QUrl url(QStringLiteral("ws://") + hostPort);
        known = m_backends.insert(backend, resolveEndpoint(url.host(), url.port(80)));
    }
    if (!known->valid()) {
        fail(user, QStringLiteral("pick-unresolvable"));
        return;
    }
    user.phase = Phase::WebSocket;
    if (!connectTo(user, *known))
        fail(user, QStringLiteral("ws-connect"));
}

void Engine::onHandshakeData(User &user)
{
    const qsizetype end = user.in.indexOf("\r\n\r\n");
    if (end < 0) {
        if (user.in.size() > 16 * 1024)
            fail(user, QStringLiteral("ws-handshake-bad"));
        return;
    }
    const QByteArrayView head(user.in.constData(), end);
    if (!head.startsWith("HTTP/1.1 101")) {
        const QByteArray status =
            head.size() >= 12 ? head.sliced(9, 3).toByteArray() : QByteArray("bad");
        fail(user, QStringLiteral("ws-handshake-%1").arg(QString::fromLatin1(status)));
        return;
    }
    if (headerValue(head, "Sec-WebSocket-Accept") != user.expectedAccept) {
        fail(user, QStringLiteral("ws-handshake-accept"));
        return;
    }
    const QByteArray rest = user.in.mid(end + 4);
    user.in = QByteArray();
    user.expectedAccept = QByteArray();
    user.parser = std::make_unique<ws::FrameParser>(ws::FrameParser::Role::Client, maxFrameBytes);
    user.phase = Phase::Joining;
    ++m_connected;

    // The init frame first: the server consumes it whatever it holds (§3.2), then the join.
    QByteArray frames;
    if (m_options.handoff) {
        frames =
            maskedFrame(proto::encodeInitFrame(QStringLiteral("cp"), user.track.protocolVersion));
        frames += maskedFrame(handoffJoinFrame(user));
    } else {
        proto::ClientFrame join;
        join.command = QStringLiteral("R_C_J");
        join.requestId = QString::fromLatin1(joinRequestId);
        join.hasRoom = true;
        join.roomName = m_rooms[user.room].name;
        frames =
            maskedFrame(proto::encodeInitFrame(QStringLiteral("cp"), m_options.protocolVersion));
        frames += maskedFrame(proto::encodeClientFrame(join));
    }
    sendBytes(user, frames);
    if (!rest.isEmpty() && user.fd >= 0)
        onData(user, rest.constData(), rest.size());
}

void Engine::processFrames(User &user)
{
    while (user.parser && user.parser->hasMessages()) {
        std::optional<ws::Message> message = user.parser->next();
        switch (message->opcode) {
        case ws::Opcode::Ping:
            sendBytes(user, ws::encodeFrame(ws::Opcode::Pong, message->payload, true));
            break;
        case ws::Opcode::Pong:
            break;
        case ws::Opcode::Close:
            // 1012 = the room moved or the server restarts (the handoff scenario counts codes).
            user.track.closeCode =
                message->payload.size() >= 2
                    ? (quint8(message->payload[0]) << 8) | quint8(message->payload[1])
                    : 1005;
            sendBytes(user, ws::encodeCloseFrame(ws::CloseNormal, {}, true));
            if (user.phase == Phase::Joined)
                lose(user);
            else
                fail(user, QStringLiteral("ws-closed-before-join"));
            return;
        default:
            onPayload(user, message->payload);
            if (user.fd < 0)
                return;
            break;
        }
    }
}

void Engine::onPayload(User &user, const QByteArray &payload)
{
    if (m_options.handoff) {
        onHandoffPayload(user, payload);
        return;
    }
    ++m_framesSeen;
    // The server writes `c` first; member lists are counted, not scanned (they are the large
    // frames this traffic is about, and nothing in them is checked).
    if (payload.startsWith(R"({"c":"R_M_CH")")) {
        ++m_window.memberListFrames;
        m_window.memberListBytes += payload.size();
        return;
    }
    if (payload.startsWith(R"({"c":"R_M_D")")) {
        ++m_window.memberDeltaFrames;
        m_window.memberDeltaBytes += payload.size();
        return;
    }
    const ScannedFrame frame =
        m_options.fullParse ? decodeServerFrameFully(payload) : scanServerFrame(payload);
    switch (frame.kind) {
    case FrameKind::TextMessage: {
        ++m_receivedEver;
        if (frame.messageId > 0) {
            if (user.lastId > 0 && frame.messageId > user.lastId + 1) {
                const qint64 missing = frame.messageId - user.lastId - 1;
                m_window.idGaps += missing;
                m_rooms[user.room].idGaps += missing;
            } else if (user.lastId > 0 && frame.messageId <= user.lastId) {
                ++m_window.reordered;
            }
            user.lastId = qMax(user.lastId, frame.messageId);
        }
        if (frame.sendNs < 0 || !user.counted)
            break; // not one of ours, or a receiver whose deliveries are not expected
        if (frame.sendNs < m_window.startNs) {
            ++m_window.late;
            break;
        }
        ++m_window.received;
        m_window.latency.add((monotonicNs() - frame.sendNs) / 1000);
        break;
    }
    case FrameKind::Reply:
        if (frame.joinReply && user.phase == Phase::Joining)
            onJoined(user);
        else
            ++m_window.replies;
        break;
    case FrameKind::Error:
        ++m_errorCodes[frame.errorCode];
        if (frame.joinReply && user.phase == Phase::Joining)
            fail(user, QStringLiteral("join-ER-%1").arg(frame.errorCode));
        break;
    default:
        break;
    }
}

void Engine::onJoined(User &user)
{
    const qint64 now = monotonicNs();
    user.phase = Phase::Joined;
    m_joinLatency.add((now - user.startNs) / 1000);
    m_lastJoinNs = now;
    ++m_rooms[user.room].members;
    m_rooms[user.room].counted += user.counted;
    ++m_joined;
    --m_inSetup;
    pumpSetup();
}

void Engine::fail(User &user, const QString &reason)
{
    if (m_options.handoff && retryRejoin(user, reason))
        return;
    if (user.phase == Phase::Joining || user.phase == Phase::Joined)
        --m_connected;
    closeSocket(user);
    user.phase = Phase::Failed;
    ++m_failures[reason];
    ++m_failed;
    --m_inSetup;
    pumpSetup();
}

void Engine::lose(User &user)
{
    closeSocket(user);
    user.phase = Phase::Closed;
    --m_rooms[user.room].members;
    m_rooms[user.room].counted -= user.counted;
    --m_connected;
    ++m_disconnects;
    if (m_options.handoff && !m_stopping && !user.track.observer) {
        // Close 1012 (room moved) or any unexpected close: reconnect at once with 0-300 ms of
        // jitter, as every client does, so a moved room's members do not arrive in one burst.
        ++m_handoff.closeCodes[user.track.closeCode ? user.track.closeCode : 1006];
        user.track.closeCode = 0;
        user.track.closedNs = monotonicNs();
        user.track.rejoining = true;
        if (m_killNs != 0 && !user.track.killAffected) {
            user.track.killAffected = true;
            ++m_handoff.killAffected;
        }
        scheduleRejoin(user, qint64(QRandomGenerator::global()->bounded(300)) * 1000000);
    }
}

void Engine::startSending(double intervalSeconds)
{
    m_intervalNs = qMax<qint64>(1000, qint64(intervalSeconds * 1e9));
    m_schedule = {};
    const qint64 now = monotonicNs();
    auto *random = QRandomGenerator::global();
    for (const auto &user : m_users) {
        if (user->phase == Phase::Joined)
            m_schedule.push({now + qint64(random->bounded(double(m_intervalNs))), user->index});
    }
    m_sendTimer.start();
}

void Engine::stopSending()
{
    m_sendTimer.stop();
    m_schedule = {};
}

void Engine::sendTick()
{
    const qint64 now = monotonicNs();
    while (!m_schedule.empty() && m_schedule.top().first <= now) {
        const Due due = m_schedule.top();
        m_schedule.pop();
        User &user = *m_users[size_t(due.second)];
        if (user.phase != Phase::Joined) {
            // Handoff: a user between a close and its rejoin skips this send but keeps its
            // cadence (a reconnect is not the end of its chat).
            if (m_options.handoff && !user.track.gone && user.track.everJoined)
                m_schedule.push({due.first + m_intervalNs, due.second});
            continue;
        }
        sendMessage(user);
        // Keep the user's own cadence; a late tick does not shift later sends.
        m_schedule.push({due.first + m_intervalNs, due.second});
    }
}

void Engine::sendMessage(User &user)
{
    if (m_options.handoff) {
        // A unique token per message: the final history tells which acknowledged ones survived.
        const qint64 seq = user.track.nextSeq++;
        const QString token = QStringLiteral("u%1m%2").arg(user.index).arg(seq);
        user.track.unacked[seq] = token;
        ++m_handoff.tmSent;
        ++m_window.sent;
        sendHandoffMessage(user, seq, token);
        return;
    }
    proto::ClientFrame frame;
    frame.command = QStringLiteral("TM");
    frame.hasRoom = true;
    frame.roomName = m_rooms[user.room].name;
    proto::ClientMessage message;
    const qint64 sendNs = monotonicNs();
    message.text = QString::fromLatin1(encodeProbeText(sendNs, m_options.textBytes));
    frame.message = std::move(message);
    sendBytes(user, maskedFrame(proto::encodeClientFrame(frame)));
    ++m_window.sent;
    m_window.expected += m_rooms[user.room].counted;
}

void Engine::keepAliveTick()
{
    const QByteArray frame = maskedFrame(proto::keepAliveFrame());
    for (size_t i = size_t(m_keepAliveSlot); i < m_users.size(); i += 50) {
        if (m_users[i]->phase == Phase::Joined)
            sendBytes(*m_users[i], frame);
    }
    m_keepAliveSlot = (m_keepAliveSlot + 1) % 50;
}

void Engine::beginWindow()
{
    m_window.startNs = monotonicNs();
    m_window.sent = m_window.expected = m_window.received = m_window.late = 0;
    m_window.idGaps = m_window.reordered = m_window.replies = 0;
    m_window.memberListFrames = m_window.memberListBytes = 0;
    m_window.memberDeltaFrames = m_window.memberDeltaBytes = 0;
    m_window.latency.clear();
}

qint64 Engine::roomsWithGaps() const
{
    qint64 count = 0;
    for (const Room &room : m_rooms)
        count += room.idGaps > 0;
    return count;
}

void Engine::closeAll()
{
    m_stopping = true;
    m_rejoinTimer.stop();
    m_sendTimer.stop();
    m_pumpTimer.stop();
    const QByteArray closeFrame = ws::encodeCloseFrame(ws::CloseGoingAway, {}, true);
    for (auto &user : m_users) {
        if (user->fd < 0)
            continue;
        if (user->phase == Phase::Joined || user->phase == Phase::Joining)
            ::send(user->fd, closeFrame.constData(), size_t(closeFrame.size()),
                   MSG_NOSIGNAL | MSG_DONTWAIT);
        closeSocket(*user);
        if (user->phase == Phase::Joined)
            user->phase = Phase::Closed;
    }
}

} // namespace ic::load
