#include "http/HttpRouter.h"

#include "core/ServerContext.h"
#include "http/PlainHttpReplies.h"
#include "http/RoomCalls.h"
#include "protocol/JsonWriter.h"
#include "protocol/PlainHttp.h"
#include "rooms/RoomDirectory.h"
#include "rooms/RoomHost.h"
#include "rooms/RoomReplication.h"
#include "rooms/RoomSnapshot.h"
#include "rooms/RoomThread.h"
#include "transport/HttpResponse.h"
#include "validation/Validation.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <memory>

namespace ic::server {
namespace {

QByteArray plainError(int status, const QString &sentence, bool keepAlive)
{
    return httpText(status, errorBody(sentence, false), keepAlive);
}

// Collects room lists from every worker; the last one to answer writes the reply.
struct RoomListGather
{
    QMutex mutex;
    QList<RoomSummary> rooms;
    QStringList replicas;
    int remaining = 0;
};

// The same for /internal/replica/promote and /drop: each worker handles its rooms of the list.
struct ReplicaListGather
{
    QMutex mutex;
    QStringList done; // promoted or dropped
    QStringList missing;
    int remaining = 0;
};

// A promote or drop list of room names; bounded so a failover of a full server fits.
constexpr qsizetype replicaListMaxBytes = 8 * 1024 * 1024;
// A replica batch: a whole room (Init, bounded like a snapshot) plus the records that piled up
// while the previous batch was in flight. The primary keeps its batches under this bound.
constexpr qsizetype replicaRecordsMargin = 8 * 1024 * 1024;
// Past its backlog bound the primary drops its records for an Init, so they fit in the margin.
static_assert(RoomHost::maxReplicaBacklogBytes < replicaRecordsMargin);

void writeNames(proto::JsonWriter &writer, const char *key, const QStringList &names)
{
    writer.key(key);
    writer.beginArray();
    for (const QString &name : names)
        writer.value(name);
    writer.endArray();
}

QByteArray roomListJson(const QList<RoomSummary> &rooms, const QStringList &replicas)
{
    proto::JsonWriter writer(64 + rooms.size() * 128 + replicas.size() * 32);
    writer.beginObject();
    writer.key("rooms");
    writer.beginArray();
    for (const RoomSummary &room : rooms) {
        writer.beginObject();
        writer.member("name", room.name);
        writer.member("users", room.users);
        writer.member("online", room.online);
        writer.member("messages", room.messages);
        writer.member("createdAt", room.createdAtNs / 1000000000);
        writer.member("lastActivity", room.lastActivityNs / 1000000000);
        writer.endObject();
    }
    writer.endArray();
    writeNames(writer, "replicas", replicas);
    writer.endObject();
    return writer.take();
}

} // namespace

// The client address the balancer vouches for on /direct_* (it forwards /r/ and /s/ calls, so
// the TCP peer is always the balancer). Only read from peers that passed internalAllowed().
static QString forwardedClient(const HttpRequest &request)
{
    const QByteArray value = request.header("x-instantchat-client").trimmed();
    const QHostAddress address(QString::fromLatin1(value));
    if (value.isEmpty() || address.isNull())
        return request.clientAddress;
    bool v4 = false;
    const quint32 plain = address.toIPv4Address(&v4);
    return v4 ? QHostAddress(plain).toString() : address.toString();
}

qsizetype HttpRouter::bodyLimit(const HttpRequest &head, const QHostAddress &peer) const
{
    if (head.method != "POST")
        return 0;
    qsizetype limit = 0;
    if (head.path == "/internal/rooms/import")
        limit = qsizetype(RoomSnapshot::maxBytes(m_context.settings().room));
    else if (head.path == "/internal/replica/apply")
        limit = qsizetype(RoomSnapshot::maxBytes(m_context.settings().room)) + replicaRecordsMargin;
    else if (head.path == "/internal/replica/promote" || head.path == "/internal/replica/drop")
        limit = replicaListMaxBytes;
    else
        return 0;
    HttpRequest member;
    member.headers = head.headers;
    member.peer = peer;
    return internalAllowed(member) ? limit : 0;
}

std::optional<QByteArray> HttpRouter::importRoom(const HttpRequest &request, quint64 connection,
                                                 RoomThread *home)
{
    const QString room = RoomSnapshot::roomName(request.body, m_context.settings().room);
    if (room.isEmpty())
        return httpResponse(400, "application/json",
                            errorBody(QStringLiteral("the body is not a room snapshot"), true),
                            request.keepAlive);
    HttpRoomRequest roomRequest;
    roomRequest.connection = connection;
    roomRequest.home = home;
    roomRequest.room = room;
    roomRequest.json = true;
    roomRequest.keepAlive = request.keepAlive;
    roomRequest.address = request.clientAddress;
    // Restored on the thread that owns the room's name, like every command for it.
    RoomHost *host = m_rooms.hostFor(room);
    QMetaObject::invokeMethod(
        host,
        [host, roomRequest, body = request.body]() {
            ic::server::importRoom(*host, body, roomRequest);
        },
        Qt::QueuedConnection);
    return std::nullopt;
}

std::optional<QByteArray> HttpRouter::applyReplica(const HttpRequest &request, quint64 connection,
                                                   RoomThread *home)
{
    if (m_context.shuttingDown())
        return httpJson(503,
                        errorBody(QStringLiteral("this server is shutting down and keeps no "
                                                 "copies: ask the balancer for another target"),
                                  true),
                        request.keepAlive);
    // The name picks the worker, as for every call of the room; a name that is not canonical
    // would put the copy where its room's joins never look.
    const QString room = RoomReplication::roomName(request.body, m_context.settings().room);
    if (room.isEmpty() || validation::canonicalRoomName(room) != room)
        return httpJson(400,
                        errorBody(QStringLiteral("the body is not a replica batch of a room "
                                                 "(\"ICRB\", version 1, a canonical room name)"),
                                  true),
                        request.keepAlive);
    HttpRoomRequest roomRequest;
    roomRequest.connection = connection;
    roomRequest.home = home;
    roomRequest.room = room;
    roomRequest.json = true;
    roomRequest.keepAlive = request.keepAlive;
    RoomHost *host = m_rooms.hostFor(room);
    QMetaObject::invokeMethod(
        host,
        [host, roomRequest, body = request.body]() {
            ic::server::applyReplicaBatch(*host, body, roomRequest);
        },
        Qt::QueuedConnection);
    return std::nullopt;
}

std::optional<QByteArray> HttpRouter::replicaList(const HttpRequest &request, bool promote,
                                                  quint64 connection, RoomThread *home)
{
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    const QJsonValue list = document.object().value(QLatin1StringView("rooms"));
    bool names = document.isObject() && list.isArray();
    QHash<RoomHost *, QStringList> byHost;
    for (const QJsonValue &name : list.toArray()) {
        names = names && name.isString();
        const QString room = validation::canonicalRoomName(name.toString());
        if (!room.isEmpty())
            byHost[m_rooms.hostFor(room)].append(room);
    }
    if (!names)
        return httpJson(
            400, errorBody(QStringLiteral("the body must be {\"rooms\": [\"<room>\", ...]}"), true),
            request.keepAlive);
    const bool keepAlive = request.keepAlive;
    const auto reply = [promote, keepAlive](const QStringList &done, const QStringList &missing) {
        proto::JsonWriter writer(64 + (done.size() + missing.size()) * 32);
        writer.beginObject();
        if (promote) {
            writeNames(writer, "promoted", done);
            writeNames(writer, "missing", missing);
        } else {
            writer.member("dropped", qint64(done.size()));
        }
        writer.endObject();
        return httpJson(200, writer.take(), keepAlive);
    };
    if (byHost.isEmpty())
        return reply({}, {});
    auto gather = std::make_shared<ReplicaListGather>();
    gather->remaining = int(byHost.size());
    ServerMetrics *metrics = &m_context.metrics();
    for (auto it = byHost.begin(); it != byHost.end(); ++it) {
        RoomHost *host = it.key();
        QMetaObject::invokeMethod(
            host,
            [host, rooms = it.value(), promote, gather, reply, connection, home, keepAlive,
             metrics]() {
                QStringList done, missing;
                for (const QString &room : rooms) {
                    const bool found =
                        promote ? host->promoteReplica(room) : host->dropReplica(room);
                    (found ? done : missing).append(room);
                }
                if (promote)
                    metrics->roomsPromoted.Increment(double(done.size()));
                QMutexLocker lock(&gather->mutex);
                gather->done += done;
                gather->missing += missing;
                if (--gather->remaining > 0)
                    return;
                Delivery delivery;
                delivery.finished = true;
                delivery.httpClose = !keepAlive;
                delivery.bytes.append(reply(gather->done, gather->missing));
                home->deliver(connection, std::move(delivery));
            },
            Qt::QueuedConnection);
    }
    return std::nullopt;
}

bool HttpRouter::internalAllowed(const HttpRequest &request) const
{
    const QString &token = m_context.settings().clusterToken;
    // Without a token the cluster is closed by address: only --internal-peers (loopback by
    // default) are members.
    if (token.isEmpty())
        return m_context.settings().internalPeers.isTrusted(request.peer);
    const QByteArray given = request.header("x-instantchat-token");
    const QByteArray expected = token.toUtf8();
    if (given.size() != expected.size())
        return false;
    unsigned char difference = 0;
    for (qsizetype i = 0; i < given.size(); ++i)
        difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
    return difference == 0;
}

std::optional<QByteArray> HttpRouter::route(const HttpRequest &request, quint64 connection,
                                            RoomThread *home)
{
    const bool keepAlive = request.keepAlive;
    const QByteArray &path = request.path;
    const bool get = request.method == "GET" || request.method == "HEAD";
    const bool post = request.method == "POST";

    // /livez: the process answers (liveness). /healthz: it also serves its purpose, i.e. it is
    // registered when --balancer is set and is not stopping (readiness); docs/interfaces.md.
    // During a stop's handoff the process must stay alive (a liveness failure would kill it
    // in the middle of a move) but is not a place for new work: /livez 200, /healthz 503.
    if (path == "/livez") {
        if (m_context.shuttingDown())
            return httpText(503, "shutting down\n", keepAlive);
        return httpText(200, "ok", keepAlive);
    }
    if (path == "/healthz") {
        if (m_context.shuttingDown())
            return httpText(503, "shutting down\n", keepAlive);
        if (m_context.stopping())
            return httpText(503, "stopping: handing its rooms off to other servers\n", keepAlive);
        const QString problem = m_context.registrationProblem();
        if (!problem.isEmpty())
            return httpText(503, "not registered: " + problem.toUtf8() + '\n', keepAlive);
        return httpText(200, "ok", keepAlive);
    }
    if (path == "/metrics" && get)
        return httpResponse(200, metrics::MetricsRegistry::contentType,
                            m_context.metrics().scrape(), keepAlive);
    if (path == "/hw" && get) {
        HttpRoomRequest roomRequest;
        roomRequest.address = request.clientAddress;
        roomRequest.kind = HttpRoomRequest::Kind::Exists;
        roomRequest.connection = connection;
        roomRequest.home = home;
        roomRequest.keepAlive = keepAlive;
        // Whether a room exists ("rf") is told only to cluster members (the balancer, local
        // tools): anyone else would learn which room names are in use without joining them.
        if (internalAllowed(request))
            roomRequest.room =
                validation::canonicalRoomName(request.queryValue(QStringLiteral("roomName")));
        toRoom(roomRequest);
        return std::nullopt;
    }
    const bool internal =
        path.startsWith("/internal/") || path == "/direct_retrieval" || path == "/direct_sending";
    if (internal && !internalAllowed(request))
        return plainError(403,
                          m_context.settings().clusterToken.isEmpty()
                              ? QStringLiteral("without a cluster token this route answers only "
                                               "local peers (--internal-peers)")
                              : QStringLiteral("missing or wrong cluster token"),
                          keepAlive);
    if (path == "/direct_retrieval" && get)
        return plainHttpCall(request, false, connection, home);
    if (path == "/direct_sending" && get)
        return plainHttpCall(request, true, connection, home);
    if (path == "/internal/rooms" && get)
        return roomList(request, connection, home);
    if (path == "/internal/maintenance" && post)
        return maintenance(request);
    if (path == "/internal/delete-room" && post)
        return deleteRoom(request, connection, home);
    if (path == "/internal/rooms/import" && post)
        return importRoom(request, connection, home);
    if (path == "/internal/replica/apply" && post)
        return applyReplica(request, connection, home);
    if (path == "/internal/replica/promote" && post)
        return replicaList(request, true, connection, home);
    if (path == "/internal/replica/drop" && post)
        return replicaList(request, false, connection, home);
    if (path == "/internal/replica/instance" && get) {
        // Copies do not outlive a stop: a stopping server sends its primaries elsewhere now.
        if (m_context.shuttingDown())
            return httpText(503, "shutting down\n", keepAlive);
        return httpText(200, m_context.instance().toUtf8(), keepAlive);
    }
    const bool known = path == "/metrics" || path == "/hw" || path == "/direct_retrieval" ||
                       path == "/direct_sending" || path == "/internal/rooms" ||
                       path == "/internal/maintenance" || path == "/internal/delete-room" ||
                       path == "/internal/rooms/import" || path == "/internal/replica/apply" ||
                       path == "/internal/replica/promote" || path == "/internal/replica/drop" ||
                       path == "/internal/replica/instance";
    if (known)
        return plainError(
            405, QStringLiteral("this method is not allowed on %1").arg(QString::fromUtf8(path)),
            keepAlive);
    // A fixed sentence: echoing the path would let a link put any text on our origin.
    return plainError(404, QStringLiteral("there is nothing at this address on this server"),
                      keepAlive);
}

std::optional<QByteArray> HttpRouter::plainHttpCall(const HttpRequest &request, bool sending,
                                                    quint64 connection, RoomThread *home)
{
    HttpRoomRequest roomRequest;
    // Password guesses and sends are limited per client, not per balancer.
    roomRequest.address = forwardedClient(request);
    roomRequest.kind = sending ? HttpRoomRequest::Kind::Send : HttpRoomRequest::Kind::Retrieve;
    roomRequest.connection = connection;
    roomRequest.home = home;
    roomRequest.keepAlive = request.keepAlive;
    roomRequest.json = request.queryValue(QStringLiteral("format")).trimmed().toLower() == u"json";
    roomRequest.quiet = request.queryValue(QStringLiteral("quite")).trimmed().toLower() == u"true";
    const auto fail = [&](int status, const QString &sentence) {
        return httpResponse(status,
                            roomRequest.json ? QByteArrayLiteral("application/json")
                                             : QByteArrayLiteral("text/plain; charset=utf-8"),
                            errorBody(sentence, roomRequest.json), request.keepAlive);
    };
    if (m_context.shuttingDown())
        return fail(503, QStringLiteral("the server is shutting down, try again in a moment"));
    roomRequest.room =
        validation::canonicalRoomName(request.queryValue(QStringLiteral("roomName")));
    const ErrorCode nameCheck =
        validation::checkRoomName(roomRequest.room, m_context.settings().room.limits);
    if (nameCheck != ErrorCode::None)
        return fail(400, proto::errorSentence(nameCheck));
    // The header (UTF-8); `p=` in the query only from old clients (deprecated).
    const QByteArray passwordHeader = request.header(proto::roomPasswordHeader);
    roomRequest.password =
        !passwordHeader.isEmpty()
            ? QString::fromUtf8(passwordHeader)
            : request.queryValue(QString::fromLatin1(proto::deprecatedPasswordQueryItem));
    if (validation::checkRoomPassword(roomRequest.password, m_context.settings().room.limits) !=
        ErrorCode::None)
        return fail(400, QStringLiteral("the room password is too long"));
    const auto number = [&](const QString &name, std::optional<qint64> &out) {
        if (!request.hasQueryValue(name) || request.queryValue(name).trimmed().isEmpty())
            return true;
        bool ok = false;
        const qint64 value = request.queryValue(name).trimmed().toLongLong(&ok);
        if (!ok || value < 0)
            return false;
        out = value;
        return true;
    };
    if (!number(QStringLiteral("l"), roomRequest.last))
        return fail(400, QStringLiteral("l must be a whole number of messages"));
    if (!number(QStringLiteral("id"), roomRequest.fromId))
        return fail(400, QStringLiteral("id must be a whole message id"));
    if (sending) {
        if (!request.hasQueryValue(QStringLiteral("m")) ||
            request.queryValue(QStringLiteral("m")).isEmpty())
            return fail(400, QStringLiteral("the message is missing: add m=<text>"));
        roomRequest.text = request.queryValue(QStringLiteral("m"));
    }
    toRoom(roomRequest);
    return std::nullopt;
}

std::optional<QByteArray> HttpRouter::roomList(const HttpRequest &request, quint64 connection,
                                               RoomThread *home)
{
    auto gather = std::make_shared<RoomListGather>();
    const QList<RoomHost *> &hosts = m_rooms.hosts();
    gather->remaining = int(hosts.size());
    const bool keepAlive = request.keepAlive;
    for (RoomHost *host : hosts) {
        QMetaObject::invokeMethod(
            host,
            [host, gather, connection, home, keepAlive]() {
                const QList<RoomSummary> mine = host->summaries();
                const QStringList copies = host->replicaNames();
                QMutexLocker lock(&gather->mutex);
                gather->rooms += mine;
                gather->replicas += copies;
                if (--gather->remaining > 0)
                    return;
                Delivery delivery;
                delivery.finished = true;
                delivery.httpClose = !keepAlive;
                delivery.bytes.append(
                    httpJson(200, roomListJson(gather->rooms, gather->replicas), keepAlive));
                home->deliver(connection, std::move(delivery));
            },
            Qt::QueuedConnection);
    }
    return std::nullopt;
}

QByteArray HttpRouter::maintenance(const HttpRequest &request)
{
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    const QJsonValue on = document.object().value(QLatin1StringView("on"));
    if (!document.isObject() || !on.isBool())
        return httpJson(400,
                        errorBody(QStringLiteral("the body must be {\"on\": true|false}"), true),
                        request.keepAlive);
    const QLatin1StringView status = on.toBool() ? proto::statusRestarting : proto::statusOnline;
    m_context.setStatus(status);
    for (RoomHost *host : m_rooms.hosts()) {
        QMetaObject::invokeMethod(
            host, [host, status]() { host->announceStatus(status); }, Qt::QueuedConnection);
    }
    return httpJson(200, on.toBool() ? "{\"on\":true}" : "{\"on\":false}", request.keepAlive);
}

std::optional<QByteArray> HttpRouter::deleteRoom(const HttpRequest &request, quint64 connection,
                                                 RoomThread *home)
{
    const QJsonDocument document = QJsonDocument::fromJson(request.body);
    const QJsonValue name = document.object().value(QLatin1StringView("name"));
    if (!document.isObject() || !name.isString())
        return httpJson(400,
                        errorBody(QStringLiteral("the body must be {\"name\": \"<room>\"}"), true),
                        request.keepAlive);
    HttpRoomRequest roomRequest;
    roomRequest.address = request.clientAddress;
    roomRequest.kind = HttpRoomRequest::Kind::Delete;
    roomRequest.connection = connection;
    roomRequest.home = home;
    roomRequest.keepAlive = request.keepAlive;
    roomRequest.json = true;
    roomRequest.room = validation::canonicalRoomName(name.toString());
    toRoom(roomRequest);
    return std::nullopt;
}

void HttpRouter::toRoom(const HttpRoomRequest &request) const
{
    RoomHost *host = m_rooms.hostFor(request.room);
    QMetaObject::invokeMethod(
        host, [host, request]() { answerRoomCall(*host, request); }, Qt::QueuedConnection);
}

} // namespace ic::server
