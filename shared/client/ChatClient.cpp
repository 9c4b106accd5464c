#include "client/ChatClient.h"

#include "net/WebSocketFrame.h"
#include "protocol/Codes.h"
#include "protocol/PickBackend.h"
#include "session/SessionCookie.h"
#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkCookie>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRandomGenerator>
#include <QWebSocket>
#include <algorithm>

namespace ic::client {
namespace {

// HTTP calls (cookie, /pick_backend, drawings) give up after this; a hung balancer must not
// leave the client in Resolving forever.
constexpr int httpTimeoutMs = 10000;

constexpr int roomMovedJitterMs = 300;

// Qt 6.4's QWebSocket refuses close codes from 1012 up to 2999 ("service restart" among them):
// it reports 1002 with the reason "Invalid close code … detected." instead. Our server sends
// 1012 and no protocol error of its own reads like that, so such a close counts as a 1012.
int effectiveCloseCode(int code, const QString &reason)
{
    if (code == int(QWebSocketProtocol::CloseCodeProtocolError) &&
        reason.startsWith(QLatin1StringView("Invalid close code")))
        return int(ws::CloseRoomMoved);
    return code;
}

bool isMessageCommand(const QString &command)
{
    return command == proto::commandCode(proto::Command::TextMessage) ||
           command == proto::commandCode(proto::Command::DrawingMessage);
}

QString originOf(const QUrl &url)
{
    // scheme://host[:port], no trailing slash: what the server compares Origin with exactly.
    return url
        .adjusted(QUrl::RemoveUserInfo | QUrl::RemovePath | QUrl::RemoveQuery |
                  QUrl::RemoveFragment)
        .toString(QUrl::StripTrailingSlash);
}

QUrl balancerRoute(const QUrl &base, const QString &path, const QString &query = {})
{
    QUrl url = base.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment);
    QString basePath = url.path();
    if (basePath.endsWith(QLatin1Char('/')))
        basePath.chop(1);
    url.setPath(basePath + path);
    // The query is already percent-encoded with encodeURIComponent (so `&`, `=` and `+` in a
    // value cannot split it); TolerantMode keeps those escapes as they are.
    if (!query.isEmpty())
        url.setQuery(query, QUrl::TolerantMode);
    return url;
}

int httpStatus(QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

// The synthetic reply for requests that were in flight when the connection dropped: the server
// will never answer them, and every request promises exactly one requestFinished().
proto::ServerFrame connectionLostReply(const QString &requestId)
{
    proto::ServerFrame frame;
    frame.command = QStringLiteral("ER");
    frame.requestId = requestId;
    proto::WireMessage message;
    message.text = QString::number(int(proto::ErrorCode::ConnectionError));
    frame.messages = QList<proto::WireMessage>{message};
    frame.time = proto::nowNanoseconds();
    return frame;
}

} // namespace

ChatClient::ChatClient(Options options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_http(new QNetworkAccessManager(this))
{
    // A random prefix makes request ids unique across clients too, so a test (or a log) can tell
    // whose request an ER 209 echoes.
    m_requestPrefix = QString::number(QRandomGenerator::global()->generate() & 0xffffff, 36);

    m_keepAlive.setInterval(std::max(100, m_options.keepAliveMs));
    connect(&m_keepAlive, &QTimer::timeout, this, [this] {
        if (m_socket && m_state == State::Connected)
            m_socket->sendTextMessage(QString::fromLatin1(proto::keepAliveFrame()));
    });
    m_reconnectTimer.setSingleShot(true);
    // A coarse timer may fire (and report) up to 5 % late, which would blur the jitter range.
    m_reconnectTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &ChatClient::reconnectNow);
}

ChatClient::~ChatClient()
{
    // Children (socket, network manager) are deleted by QObject; only make sure no signal of a
    // half-destroyed client reaches the outside world.
    m_closing = true;
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
    }
    if (m_pendingHttp)
        m_pendingHttp->disconnect(this);
}

void ChatClient::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    emit stateChanged(state);
}

void ChatClient::open(const QString &roomName)
{
    if (m_state != State::Disconnected)
        tearDown();
    m_closing = false;
    m_replaced = false;
    m_everConnected = false;
    m_attempt = 0;
    m_roomName = validation::canonicalRoomName(roomName);
    startAttempt();
}

void ChatClient::startAttempt()
{
    if (m_options.sessionCookie.isEmpty())
        resolveCookie();
    else if (m_options.serverUrl.isValid() && !m_options.serverUrl.isEmpty())
        connectWebSocket();
    else
        pickBackend();
}

void ChatClient::close()
{
    m_closing = true;
    m_reconnectTimer.stop();
    m_keepAlive.stop();
    if (m_pendingHttp) {
        m_pendingHttp->disconnect(this);
        m_pendingHttp->abort();
        m_pendingHttp->deleteLater();
        m_pendingHttp = nullptr;
    }
    failOutbox();
    m_outbox.clear();
    if (m_socket && m_state == State::Connected) {
        // disconnected() follows from onSocketDisconnected once the close handshake is done.
        QWebSocket *socket = m_socket;
        socket->close(QWebSocketProtocol::CloseCodeNormal);
        // A peer that never answers the close frame must not keep us half-closed forever.
        QTimer::singleShot(3000, socket, [socket] { socket->abort(); });
        return;
    }
    tearDown();
}

void ChatClient::tearDown()
{
    // Silently drops the current attempt (used when open() is called again).
    m_reconnectTimer.stop();
    m_keepAlive.stop();
    if (m_pendingHttp) {
        m_pendingHttp->disconnect(this);
        m_pendingHttp->abort();
        m_pendingHttp->deleteLater();
        m_pendingHttp = nullptr;
    }
    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
        m_socket = nullptr;
    }
    failInFlight();
    failOutbox();
    setState(State::Disconnected);
}

int ChatClient::reconnectIn() const
{
    if (m_state != State::Waiting || !m_reconnectTimer.isActive())
        return -1;
    return std::max(0, m_reconnectTimer.remainingTime());
}

void ChatClient::reconnectNow()
{
    if (m_state != State::Waiting)
        return;
    m_reconnectTimer.stop();
    // Re-resolve every time: the room may have moved to another server meanwhile.
    startAttempt();
}

void ChatClient::scheduleReconnect(int closeCode)
{
    m_keepAlive.stop();
    if (m_closing || m_replaced || !m_options.autoReconnect) {
        setState(State::Disconnected);
        return;
    }
    if (closeCode == int(ws::CloseRoomMoved)) {
        // A planned move, not a failure: no backoff, only a little jitter so that a whole room
        // does not knock at the same millisecond.
        m_reconnectTimer.start(int(QRandomGenerator::global()->bounded(roomMovedJitterMs + 1)));
        setState(State::Waiting);
        return;
    }
    const int minMs = std::max(1, m_options.reconnectMinMs);
    const int maxMs = std::max(minMs, m_options.reconnectMaxMs);
    qint64 delay = minMs;
    for (int i = 0; i < m_attempt && delay < maxMs; ++i)
        delay *= 2;
    delay = std::min<qint64>(delay, maxMs);
    // ±20 % jitter so that thousands of clients cut off together do not come back together.
    const double factor = 0.8 + 0.4 * QRandomGenerator::global()->generateDouble();
    delay = std::max<qint64>(1, qint64(double(delay) * factor));
    ++m_attempt;
    // Timer first, so that reconnectIn() is meaningful inside stateChanged(Waiting).
    m_reconnectTimer.start(int(delay));
    setState(State::Waiting);
}

void ChatClient::resolveCookie()
{
    setState(State::Resolving);
    fetchCookie([this](bool ok) {
        if (!ok) {
            scheduleReconnect();
            return;
        }
        startAttempt();
    });
}

void ChatClient::fetchCookie(std::function<void(bool)> done)
{
    QNetworkRequest request(balancerRoute(m_options.balancerUrl, QStringLiteral("/")));
    request.setTransferTimeout(httpTimeoutMs);
    QNetworkReply *reply = m_http->get(request);
    // Only the connection flow's own call is tracked (and aborted by close()); a cookie fetched
    // for a drawing call must not replace it.
    if (m_state == State::Resolving)
        m_pendingHttp = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done)] {
        reply->deleteLater();
        if (m_pendingHttp == reply)
            m_pendingHttp = nullptr;
        const QList<QNetworkCookie> cookies =
            reply->header(QNetworkRequest::SetCookieHeader).value<QList<QNetworkCookie>>();
        for (const QNetworkCookie &cookie : cookies) {
            if (cookie.name() == session::cookieName && !cookie.value().isEmpty()) {
                m_options.sessionCookie = cookie.value();
                break;
            }
        }
        if (m_options.sessionCookie.isEmpty()) {
            emit httpFailed(QStringLiteral("session cookie"), httpStatus(reply),
                            reply->error() != QNetworkReply::NoError
                                ? reply->errorString()
                                : QStringLiteral("The balancer did not set a session cookie."));
            done(false);
            return;
        }
        done(true);
    });
}

void ChatClient::pickBackend()
{
    setState(State::Resolving);
    QNetworkRequest request(
        balancerRoute(m_options.balancerUrl, QStringLiteral("/pick_backend"),
                      QStringLiteral("roomName=") + validation::urlEncode(m_roomName)));
    request.setTransferTimeout(httpTimeoutMs);
    QNetworkReply *reply = m_http->get(request);
    m_pendingHttp = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        if (m_pendingHttp == reply)
            m_pendingHttp = nullptr;
        const QByteArray body = reply->readAll();
        const QJsonObject answer = QJsonDocument::fromJson(body).object();
        const QString address = answer.value(proto::pick::backendAddressKey).toString();
        const QString error = answer.value(proto::pick::errorKey).toString();
        if (answer.isEmpty()) {
            // Network error or not JSON at all: transient, try again later.
            emit httpFailed(QStringLiteral("pick_backend"), httpStatus(reply),
                            reply->error() != QNetworkReply::NoError ? reply->errorString()
                                                                     : QString::fromUtf8(body));
            scheduleReconnect();
            return;
        }
        if (address.isEmpty() || !error.isEmpty()) {
            QStringList alternatives;
            for (const QJsonValue &value : answer.value(proto::pick::alternativeNamesKey).toArray())
                alternatives << value.toString();
            emit pickFailed(error, alternatives);
            // On the first open a refusal (bad room name, wrong input) will not change by
            // retrying; after a lost connection "no server" usually passes, so keep trying.
            if (m_everConnected)
                scheduleReconnect();
            else
                setState(State::Disconnected);
            return;
        }
        const bool secure = m_options.balancerUrl.scheme() == QLatin1StringView("https");
        m_webSocketUrl = QUrl((secure ? QStringLiteral("wss://") : QStringLiteral("ws://")) +
                              address + QStringLiteral("/ws_entry"));
        connectWebSocket();
    });
}

void ChatClient::connectWebSocket()
{
    if (m_options.serverUrl.isValid() && !m_options.serverUrl.isEmpty())
        m_webSocketUrl = m_options.serverUrl;
    setState(State::Connecting);

    if (m_socket) {
        m_socket->disconnect(this);
        m_socket->abort();
        m_socket->deleteLater();
    }
    // Qt writes the Origin header from the constructor argument; putting it into the request
    // as well would send it twice.
    const QString origin =
        m_options.origin.isEmpty() ? originOf(m_options.balancerUrl) : m_options.origin;
    m_socket = new QWebSocket(origin, QWebSocketProtocol::VersionLatest, this);
    QWebSocket *socket = m_socket;
    connect(socket, &QWebSocket::connected, this, [this, socket] {
        if (socket != m_socket)
            return;
        m_attempt = 0;
        m_everConnected = true;
        socket->sendTextMessage(QString::fromUtf8(
            proto::encodeInitFrame(m_options.platform, m_options.protocolVersion)));
        setState(State::Connected);
        m_keepAlive.start();
        rejoinRooms();
        // Commands given while the connection was being made go out after the init frame (a
        // command sent as the first frame would be lost) and after the re-joins.
        const auto outbox = std::exchange(m_outbox, {});
        for (const auto &[requestId, frame] : outbox) {
            if (!requestId.isEmpty())
                m_inFlight.insert(requestId);
            socket->sendTextMessage(QString::fromUtf8(frame));
        }
        emit connected();
    });
    connect(socket, &QWebSocket::disconnected, this, [this, socket] {
        if (socket == m_socket)
            onSocketDisconnected();
    });
    connect(socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            [this, socket] {
                // A refused handshake (401/403) or a refused TCP connection must end the attempt
                // even if no disconnected() follows; checked once the socket has settled.
                QTimer::singleShot(0, this, [this, socket] {
                    if (socket == m_socket && m_state == State::Connecting &&
                        socket->state() == QAbstractSocket::UnconnectedState)
                        onSocketDisconnected();
                });
            });
    connect(socket, &QWebSocket::textMessageReceived, this, [this, socket](const QString &text) {
        if (socket == m_socket)
            onTextMessage(text);
    });
    connect(socket, &QWebSocket::binaryMessageReceived, this,
            [this, socket](const QByteArray &data) {
                // Binary frames carry the same JSON (docs/protocol.md §3.2).
                if (socket == m_socket)
                    onTextMessage(QString::fromUtf8(data));
            });

    QNetworkRequest request(m_webSocketUrl);
    request.setRawHeader("Cookie", QByteArray(session::cookieName) + '=' + m_options.sessionCookie);
    socket->open(request);
}

void ChatClient::onSocketDisconnected()
{
    QWebSocket *socket = m_socket;
    m_socket = nullptr;
    m_keepAlive.stop();
    const int code = int(socket->closeCode());
    QString reason = socket->closeReason();
    if (reason.isEmpty() && socket->error() != QAbstractSocket::UnknownSocketError)
        reason = socket->errorString(); // no close frame: say what happened to the connection
    socket->disconnect(this);
    socket->deleteLater();
    failInFlight(m_options.resendUnacknowledged && m_options.autoReconnect && !m_closing &&
                 !m_replaced);
    emit disconnected(code, reason);
    if (m_closing) {
        setState(State::Disconnected);
        return;
    }
    scheduleReconnect(effectiveCloseCode(code, reason));
}

void ChatClient::failInFlight(bool keepResendable)
{
    const QSet<QString> inFlight = std::exchange(m_inFlight, {});
    m_pendingJoins.clear();
    m_pendingRenames.clear();
    m_awaitingFullList = false; // the re-join brings a full list
    // Messages go out again in the order they were sent, before anything typed meanwhile, and
    // after the rejoins (see connectWebSocket).
    QList<std::pair<QString, QByteArray>> resend;
    for (auto it = m_unacknowledged.begin(); it != m_unacknowledged.end();) {
        if (!inFlight.contains(it->first)) {
            ++it; // still in the outbox: never reached the server
        } else if (keepResendable && !m_resent.contains(it->first)) {
            m_resent.insert(it->first);
            resend.append(*it);
            ++it;
        } else {
            it = m_unacknowledged.erase(it);
        }
    }
    m_outbox = resend + m_outbox;
    for (const QString &requestId : inFlight) {
        if (keepResendable && std::any_of(resend.cbegin(), resend.cend(), [&](const auto &entry) {
                return entry.first == requestId;
            }))
            continue;
        m_resent.remove(requestId);
        emit requestFinished(requestId, connectionLostReply(requestId));
    }
}

void ChatClient::failOutbox()
{
    // Resends were promised an answer; plain queued commands are dropped as before.
    for (const auto &[requestId, frame] : std::as_const(m_outbox)) {
        if (!m_resent.remove(requestId))
            continue;
        m_unacknowledged.removeIf([&](const auto &entry) { return entry.first == requestId; });
        emit requestFinished(requestId, connectionLostReply(requestId));
    }
}

void ChatClient::onTextMessage(const QString &text)
{
    const std::optional<proto::ServerFrame> decoded = proto::decodeServerFrame(text.toUtf8());
    if (!decoded)
        return; // not a frame of ours; a v1 client ignores what it cannot read
    const proto::ServerFrame &frame = *decoded;
    const proto::Command kind = frame.kind();

    if (kind == proto::Command::Error && frame.errorCode() == proto::ErrorCode::SessionReplaced) {
        // The same session joined from elsewhere and the server is closing this socket: coming
        // back would push the other connection out in turn, so this client steps aside.
        m_replaced = true;
    }

    emit frameReceived(frame);
    if (kind == proto::Command::MembersChanged || kind == proto::Command::MemberDelta ||
        kind == proto::Command::Typing)
        onMemberFrame(frame);

    if ((kind == proto::Command::Reply || kind == proto::Command::Error) && frame.requestId &&
        m_inFlight.remove(*frame.requestId)) {
        const QString &requestId = *frame.requestId;
        const bool ok = kind == proto::Command::Reply;
        // Answered: never sent again.
        m_resent.remove(requestId);
        m_unacknowledged.removeIf([&](const auto &entry) { return entry.first == requestId; });
        if (const auto join = m_pendingJoins.constFind(requestId); join != m_pendingJoins.cend()) {
            // Joined rooms are remembered only once the server accepted them; a re-join the
            // server refuses (password changed, room gone) is forgotten.
            const PendingJoin pending = *join;
            m_pendingJoins.erase(join);
            if (ok) {
                m_joinedRooms.insert(pending.room, JoinedRoom{pending.password, pending.userName});
                m_memberRoom = pending.room;
            } else if (pending.rejoin) {
                m_joinedRooms.remove(pending.room);
                emit rejoinRefused(pending.room, frame);
            }
        }
        if (const auto rename = m_pendingRenames.constFind(requestId);
            rename != m_pendingRenames.cend()) {
            if (ok && m_joinedRooms.contains(rename->first))
                m_joinedRooms[rename->first].userName = rename->second;
            m_pendingRenames.erase(rename);
        }
        emit requestFinished(requestId, frame);
    }
}

void ChatClient::onMemberFrame(const proto::ServerFrame &frame)
{
    switch (frame.kind()) {
    case proto::Command::MembersChanged:
        m_members = frame.users.value_or(QList<proto::WireUser>());
        m_memberVersion = frame.memberVersion.value_or(-1);
        m_awaitingFullList = false;
        emit membersReset();
        return;
    case proto::Command::MemberDelta: {
        if (m_awaitingFullList || !frame.memberVersion || !frame.users || frame.users->isEmpty())
            return;
        const qint64 version = *frame.memberVersion;
        if (m_memberVersion >= 0 && version <= m_memberVersion)
            return; // already in the list we hold
        if (m_memberVersion < 0 || version != m_memberVersion + 1) {
            // A delta went missing: only the full list can say what changed meanwhile.
            if (!m_memberRoom.isEmpty()) {
                m_awaitingFullList = true;
                ++m_fullListRequests;
                proto::ClientFrame request;
                request.command = proto::commandCode(proto::Command::MembersRequest);
                request.hasRoom = true;
                request.roomName = m_memberRoom;
                send(request);
            }
            return;
        }
        const proto::WireUser &changed = frame.users->first();
        const auto it = std::find_if(m_members.begin(), m_members.end(),
                                     [&](const proto::WireUser &u) { return u.id == changed.id; });
        if (it == m_members.end())
            m_members.append(changed);
        else
            *it = changed;
        m_memberVersion = version;
        emit memberChanged(changed, frame.memberAction.value_or(QString()));
        return;
    }
    case proto::Command::Typing:
        if (frame.userId)
            emit typing(*frame.userId);
        return;
    default:
        return;
    }
}

bool ChatClient::sendTyping(const QString &room)
{
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    if (m_options.protocolVersion < proto::protocolVersionExtensions || !m_socket ||
        m_state != State::Connected || nowMs - m_lastTypingMs < 1000)
        return false;
    m_lastTypingMs = nowMs;
    proto::ClientFrame frame;
    frame.command = proto::commandCode(proto::Command::Typing);
    frame.hasRoom = true;
    frame.roomName = validation::canonicalRoomName(room);
    m_socket->sendTextMessage(QString::fromUtf8(proto::encodeClientFrame(frame)));
    return true;
}

void ChatClient::rejoinRooms()
{
    // Join-only: the session is the same, so the server knows us (name, creator rights). A room
    // that is gone must not come back silently — re-created open, a password room would lose its
    // password and its creator; the owner of this client decides (rejoinRefused).
    const auto rooms = m_joinedRooms;
    for (auto it = rooms.cbegin(); it != rooms.cend(); ++it) {
        const QString requestId =
            sendRoomCommand(proto::Command::RoomJoin, it.key(), it->password, it->userName);
        m_pendingJoins[requestId].rejoin = true;
    }
}

QString ChatClient::nextRequestId()
{
    return m_requestPrefix + QLatin1Char('-') + QString::number(++m_requestCounter);
}

QString ChatClient::send(proto::ClientFrame frame)
{
    if (!frame.requestId || frame.requestId->isEmpty())
        frame.requestId = nextRequestId();
    const QString requestId = *frame.requestId;
    const QByteArray bytes = proto::encodeClientFrame(frame);
    if (m_options.resendUnacknowledged && isMessageCommand(frame.command))
        m_unacknowledged.append({requestId, bytes});
    if (m_socket && m_state == State::Connected) {
        m_inFlight.insert(requestId);
        m_socket->sendTextMessage(QString::fromUtf8(bytes));
    } else {
        m_outbox.append({requestId, bytes});
    }
    return requestId;
}

void ChatClient::sendRawText(const QByteArray &text)
{
    // Raw frames are for testing exact bytes; queuing them would change what the test means.
    if (m_socket && m_state == State::Connected)
        m_socket->sendTextMessage(QString::fromUtf8(text));
}

void ChatClient::sendRawBinary(const QByteArray &data)
{
    if (m_socket && m_state == State::Connected)
        m_socket->sendBinaryMessage(data);
}

QString ChatClient::sendRoomCommand(proto::Command command, const QString &room,
                                    const QString &password, const QString &userName)
{
    proto::ClientFrame frame;
    frame.command = QString(proto::commandCode(command));
    frame.hasRoom = true;
    frame.roomName = room;
    frame.roomPassword = password;
    if (!userName.isEmpty())
        frame.userName = validation::urlEncode(userName);
    const QString requestId = send(std::move(frame));
    if (command == proto::Command::RoomCreateJoin || command == proto::Command::RoomJoin)
        m_pendingJoins.insert(
            requestId, PendingJoin{validation::canonicalRoomName(room), password, userName, false});
    return requestId;
}

QString ChatClient::createAndJoin(const QString &room, const QString &password,
                                  const QString &userName)
{
    return sendRoomCommand(proto::Command::RoomCreateJoin, room, password, userName);
}

QString ChatClient::authorise(const QString &room, const QString &password, const QString &userName)
{
    return sendRoomCommand(proto::Command::RoomCreateJoinAuthorise, room, password, userName);
}

QString ChatClient::create(const QString &room, const QString &password, const QString &userName)
{
    return sendRoomCommand(proto::Command::RoomCreate, room, password, userName);
}

QString ChatClient::join(const QString &room, const QString &password, const QString &userName)
{
    return sendRoomCommand(proto::Command::RoomJoin, room, password, userName);
}

namespace {

proto::ClientFrame roomFrame(proto::Command command, const QString &room)
{
    proto::ClientFrame frame;
    frame.command = QString(proto::commandCode(command));
    frame.hasRoom = true;
    frame.roomName = room;
    return frame;
}

} // namespace

QString ChatClient::sendText(const QString &room, const QString &text,
                             const std::optional<QString> &replyUser,
                             const std::optional<qint64> &replyMessage)
{
    proto::ClientFrame frame = roomFrame(proto::Command::TextMessage, room);
    frame.message =
        proto::ClientMessage{std::nullopt, validation::urlEncode(text), replyUser, replyMessage};
    return send(std::move(frame));
}

QString ChatClient::sendDrawing(const QString &room, const QString &fileName,
                                const QString &groupPrefix)
{
    proto::ClientFrame frame = roomFrame(proto::Command::DrawingMessage, room);
    const QString pointer =
        QString(proto::drawingMarker) + fileName + QLatin1Char('@') + groupPrefix;
    frame.message = proto::ClientMessage{std::nullopt, validation::urlEncode(pointer), std::nullopt,
                                         std::nullopt};
    return send(std::move(frame));
}

QString ChatClient::editText(const QString &room, qint64 id, const QString &text,
                             const std::optional<QString> &replyUser,
                             const std::optional<qint64> &replyMessage)
{
    proto::ClientFrame frame = roomFrame(proto::Command::EditMessage, room);
    frame.message = proto::ClientMessage{id, validation::urlEncode(text), replyUser, replyMessage};
    return send(std::move(frame));
}

QString ChatClient::deleteMessage(const QString &room, qint64 id)
{
    proto::ClientFrame frame = roomFrame(proto::Command::DeleteMessage, room);
    frame.message = proto::ClientMessage{id, QString(), std::nullopt, std::nullopt};
    return send(std::move(frame));
}

QString ChatClient::vote(const QString &room, qint64 id, bool support)
{
    proto::ClientFrame frame = roomFrame(proto::Command::Vote, room);
    frame.message = proto::ClientMessage{id, QString(), std::nullopt, std::nullopt};
    frame.support = support;
    return send(std::move(frame));
}

QString ChatClient::rename(const QString &room, const QString &userName)
{
    proto::ClientFrame frame = roomFrame(proto::Command::ChangeUserName, room);
    frame.userName = validation::urlEncode(userName);
    const QString requestId = send(std::move(frame));
    m_pendingRenames.insert(requestId, {validation::canonicalRoomName(room), userName});
    return requestId;
}

QString ChatClient::changeDescription(const QString &room, const QString &text)
{
    proto::ClientFrame frame = roomFrame(proto::Command::ChangeDescription, room);
    frame.message =
        proto::ClientMessage{std::nullopt, validation::urlEncode(text), std::nullopt, std::nullopt};
    return send(std::move(frame));
}

void ChatClient::withCookie(std::function<void()> action)
{
    if (!m_options.sessionCookie.isEmpty()) {
        action();
        return;
    }
    fetchCookie([action = std::move(action)](bool ok) {
        if (ok)
            action();
    });
}

void ChatClient::uploadDrawing(const QString &fileName, const QString &groupPrefix,
                               const QByteArray &png)
{
    withCookie([this, fileName, groupPrefix, png] {
        QNetworkRequest request(
            balancerRoute(m_options.balancerUrl, QStringLiteral("/upload_text_file")));
        request.setTransferTimeout(httpTimeoutMs);
        request.setHeader(QNetworkRequest::ContentTypeHeader,
                          QByteArrayLiteral("application/x-www-form-urlencoded"));
        request.setRawHeader("Cookie",
                             QByteArray(session::cookieName) + '=' + m_options.sessionCookie);
        const QString content =
            QStringLiteral("data:image/png;base64,") + QString::fromLatin1(png.toBase64());
        const QString body = QStringLiteral("file_name=") + validation::urlEncode(fileName) +
                             QStringLiteral("&file_group_prefix=") +
                             validation::urlEncode(groupPrefix) + QStringLiteral("&file_content=") +
                             validation::urlEncode(content);
        QNetworkReply *reply = m_http->post(request, body.toUtf8());
        connect(reply, &QNetworkReply::finished, this, [this, reply, fileName, groupPrefix] {
            reply->deleteLater();
            const int status = httpStatus(reply);
            if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300)
                emit drawingUploaded(fileName, groupPrefix);
            else
                emit httpFailed(QStringLiteral("upload_text_file"), status,
                                status ? QString::fromUtf8(reply->readAll()).trimmed()
                                       : reply->errorString());
        });
    });
}

void ChatClient::fetchDrawing(const QString &fileName, const QString &groupPrefix)
{
    withCookie([this, fileName, groupPrefix] {
        QNetworkRequest request(balancerRoute(
            m_options.balancerUrl, QStringLiteral("/get_text_file"),
            QStringLiteral("file_name=") + validation::urlEncode(fileName) +
                QStringLiteral("&file_group_prefix=") + validation::urlEncode(groupPrefix)));
        request.setTransferTimeout(httpTimeoutMs);
        request.setRawHeader("Cookie",
                             QByteArray(session::cookieName) + '=' + m_options.sessionCookie);
        QNetworkReply *reply = m_http->get(request);
        connect(reply, &QNetworkReply::finished, this, [this, reply, fileName, groupPrefix] {
            reply->deleteLater();
            const int status = httpStatus(reply);
            const QByteArray body = reply->readAll().trimmed();
            if (reply->error() != QNetworkReply::NoError || status < 200 || status >= 300) {
                emit httpFailed(QStringLiteral("get_text_file"), status,
                                status ? QString::fromUtf8(body) : reply->errorString());
                return;
            }
            static const QByteArray prefix = QByteArrayLiteral("data:image/png;base64,");
            if (!body.startsWith(prefix)) {
                emit httpFailed(QStringLiteral("get_text_file"), status,
                                QStringLiteral("The stored drawing is not a PNG data URL."));
                return;
            }
            emit drawingFetched(fileName, groupPrefix,
                                QByteArray::fromBase64(body.mid(prefix.size())));
        });
    });
}

} // namespace ic::client
