#include "controllers/AdminController.h"

#include "controllers/AdminPage.h"
#include "controllers/InternalController.h"
#include "controllers/PickController.h"
#include "registry/ServerRegistry.h"
#include "registry/UpstreamClient.h"
#include "security/ConstantTime.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ic::balancer {
namespace {

constexpr int adminUpstreamTimeoutMs = 5000;
const HeaderList noStore{{"Cache-Control", "no-store"}};

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

void jsonError(const ReplyPtr &reply, int status, const QString &sentence)
{
    reply->sendJson(status, compact({{QStringLiteral("error"), sentence}}), noStore);
}

// A server's id: "id", or the deprecated "server".
QString serverIdOf(const QJsonObject &body)
{
    const QString id = body.value(QLatin1StringView("id")).toString();
    return id.isEmpty() ? body.value(QLatin1StringView("server")).toString() : id;
}

} // namespace

bool AdminController::authorised(const Request &request) const
{
    const QByteArray header = request.header("Authorization");
    if (!header.startsWith("Basic "))
        return false;
    const QByteArray decoded = QByteArray::fromBase64(header.mid(6).trimmed());
    const qsizetype colon = decoded.indexOf(':');
    if (colon < 0)
        return false;
    // Any user name; only the password is checked.
    return ic::security::constantTimeEqual(decoded.mid(colon + 1),
                                           m_context->settings.adminPassword.toUtf8());
}

bool AdminController::dispatch(const Request &request, const ReplyPtr &reply)
{
    if (request.path != u"/admin" && !request.path.startsWith(u"/admin/"))
        return false;
    reply->setRoute(QStringLiteral("admin"));
    if (m_context->settings.adminPassword.isEmpty()) {
        reply->sendText(404, QStringLiteral("error: admin is disabled"));
        return true;
    }
    if (!authorised(request)) {
        // Failed log-ins spend the client's write budget, which slows password guessing.
        if (!m_context->writeLimiter->allow(request.peer)) {
            reply->sendText(429, QStringLiteral("error: too many attempts, please wait a moment"));
            return true;
        }
        reply->sendText(
            401, QStringLiteral("error: the admin password is required"),
            {{"WWW-Authenticate", "Basic realm=\"instantchat admin\", charset=\"UTF-8\""}});
        return true;
    }
    if (request.path == u"/admin" || request.path == u"/admin/") {
        reply->send(200, "text/html; charset=utf-8", adminPageHtml(),
                    {{"Cache-Control", "no-store"},
                     {"X-Frame-Options", "DENY"},
                     {"Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; "
                                                 "style-src 'unsafe-inline'; connect-src 'self'"}});
        return true;
    }
    const QString action = request.path.mid(QStringLiteral("/admin/api/").size());
    if (!request.path.startsWith(u"/admin/api/")) {
        jsonError(reply, 404, QStringLiteral("there is nothing at this address"));
        return true;
    }
    if (request.isGet()) {
        if (action == u"servers")
            servers(reply);
        else if (action == u"rooms")
            rooms(request, reply);
        else
            jsonError(reply, 404, QStringLiteral("unknown admin call"));
        return true;
    }
    if (!request.isPost()) {
        jsonError(reply, 405, QStringLiteral("use GET or POST"));
        return true;
    }
    if (!request.header("Content-Type").toLower().startsWith("application/json")) {
        jsonError(reply, 415,
                  QStringLiteral("admin calls take a JSON body (Content-Type: application/json)"));
        return true;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(request.body);
    if (!doc.isObject()) {
        jsonError(reply, 400, QStringLiteral("the body must be a JSON object"));
        return true;
    }
    if (action == u"maintenance")
        maintenance(doc.object(), reply);
    else if (action == u"delete-room")
        deleteRoom(doc.object(), reply);
    else if (action == u"drain")
        drain(doc.object(), reply);
    else if (action == u"forget-server")
        forgetServer(doc.object(), reply);
    else
        jsonError(reply, 404, QStringLiteral("unknown admin call"));
    return true;
}

void AdminController::servers(const ReplyPtr &reply)
{
    QJsonArray list;
    for (const ServerInfo &s : m_context->registry->servers()) {
        list.append(QJsonObject{
            {QStringLiteral("id"), s.id},
            {QStringLiteral("address"), s.address},
            {QStringLiteral("version"), s.version},
            {QStringLiteral("alive"), s.alive},
            {QStringLiteral("drained"), s.drained},
            {QStringLiteral("static"), s.isStatic},
            {QStringLiteral("registered"), s.registered},
            {QStringLiteral("failedProbes"), s.failedProbes},
            {QStringLiteral("roomsPlaced"), m_context->registry->roomCount(s.id)},
            // Copies of other servers' rooms it keeps (rooms whose replica it is).
            {QStringLiteral("replicasHeld"), m_context->registry->replicaCount(s.id)},
            {QStringLiteral("load"),
             QJsonObject{
                 {QStringLiteral("connections"), s.load.connections},
                 {QStringLiteral("maxConnections"), s.load.maxConnections},
                 {QStringLiteral("rooms"), s.load.rooms},
                 {QStringLiteral("usersOnline"), s.load.usersOnline},
                 {QStringLiteral("cpu"), s.load.cpu},
                 {QStringLiteral("rss"), s.load.rss},
                 {QStringLiteral("hostCpu"), s.load.hostCpu},
                 {QStringLiteral("hostMem"), s.load.hostMem},
             }},
        });
    }
    reply->sendJson(200,
                    compact({{QStringLiteral("servers"), list},
                             {QStringLiteral("ready"), m_context->registry->readyForNewRooms()}}),
                    noStore);
}

void AdminController::rooms(const Request &request, const ReplyPtr &reply)
{
    QString id = request.queryValue(QStringLiteral("id"));
    if (id.isEmpty())
        id = request.queryValue(QStringLiteral("server")); // deprecated name
    const auto server = m_context->registry->server(id);
    if (!server) {
        jsonError(reply, 404, QStringLiteral("this server is not known"));
        return;
    }
    m_context->upstream->get(
        server->address, QStringLiteral("/internal/rooms"), adminUpstreamTimeoutMs, this,
        [reply, id](const UpstreamResult &result) {
            const QJsonDocument doc = QJsonDocument::fromJson(result.body);
            if (result.status != 200 || !doc.isObject()) {
                jsonError(reply, 502, QStringLiteral("the server did not return its rooms"));
                return;
            }
            reply->sendJson(200,
                            compact({{QStringLiteral("id"), id},
                                     {QStringLiteral("rooms"),
                                      doc.object().value(QLatin1StringView("rooms"))}}),
                            noStore);
        });
}

void AdminController::maintenance(const QJsonObject &body, const ReplyPtr &reply)
{
    if (!body.value(QLatin1StringView("on")).isBool()) {
        jsonError(reply, 400, QStringLiteral("\"on\" must be true or false"));
        return;
    }
    const bool on = body.value(QLatin1StringView("on")).toBool();
    const QString only = serverIdOf(body);
    QList<ServerInfo> targets;
    for (const ServerInfo &s : m_context->registry->servers()) {
        if ((only.isEmpty() && s.alive) || s.id == only)
            targets.append(s);
    }
    if (targets.isEmpty()) {
        jsonError(reply, 404,
                  only.isEmpty() ? QStringLiteral("no server is live")
                                 : QStringLiteral("this server is not known"));
        return;
    }
    // Answered once every server has answered (or timed out).
    auto results = std::make_shared<QJsonObject>();
    auto pending = std::make_shared<int>(int(targets.size()));
    const QByteArray payload = compact({{QStringLiteral("on"), on}});
    for (const ServerInfo &s : std::as_const(targets)) {
        const QString id = s.id;
        m_context->upstream->postJson(
            s.address, QStringLiteral("/internal/maintenance"), payload, adminUpstreamTimeoutMs,
            this, [reply, results, pending, id, on](const UpstreamResult &result) {
                results->insert(id, result.status);
                if (--*pending > 0)
                    return;
                bool allOk = true;
                for (const QJsonValue &status : std::as_const(*results))
                    allOk = allOk && status.toInt() >= 200 && status.toInt() < 300;
                reply->sendJson(
                    allOk ? 200 : 502,
                    compact({{QStringLiteral("on"), on}, {QStringLiteral("results"), *results}}),
                    noStore);
            });
    }
}

void AdminController::deleteRoom(const QJsonObject &body, const ReplyPtr &reply)
{
    const RoomName room = checkedRoomName(body.value(QLatin1StringView("name")).toString());
    if (room.canonical.isEmpty()) {
        jsonError(reply, 400, room.error);
        return;
    }
    // The room's server from the map, or the one named in the call.
    const QString serverId = serverIdOf(body);
    BalancerContext *context = m_context;
    auto withServer = [context, reply, room](const ServerInfo &server) {
        const QByteArray payload = compact({{QStringLiteral("name"), room.canonical}});
        context->upstream->postJson(
            server.address, QStringLiteral("/internal/delete-room"), payload,
            adminUpstreamTimeoutMs, context->registry,
            [context, reply, room](const UpstreamResult &result) {
                if (result.status == 404) {
                    jsonError(reply, 404, QStringLiteral("this room does not exist"));
                    return;
                }
                if (!result.ok()) {
                    jsonError(reply, 502, QStringLiteral("the server could not delete the room"));
                    return;
                }
                context->registry->forgetRoom(room.canonical);
                reply->sendJson(200, compact({{QStringLiteral("deleted"), room.canonical}}),
                                noStore);
            });
    };
    if (!serverId.isEmpty()) {
        const auto server = m_context->registry->server(serverId);
        if (!server) {
            jsonError(reply, 404, QStringLiteral("this server is not known"));
            return;
        }
        withServer(*server);
        return;
    }
    // Without a server id the room must be placed already; placing a new room just to delete
    // it would create it, so unknown rooms are refused.
    const QString holder = m_context->registry->serverOfRoom(room.canonical);
    const auto server = m_context->registry->server(holder);
    if (holder.isEmpty() || !server) {
        jsonError(reply, 404, QStringLiteral("this room does not exist"));
        return;
    }
    withServer(*server);
}

void AdminController::drain(const QJsonObject &body, const ReplyPtr &reply)
{
    const QString id = serverIdOf(body);
    const QJsonValue drainedValue = body.value(QLatin1StringView("drained"));
    if (id.isEmpty()) {
        jsonError(reply, 400, QStringLiteral("\"id\" must name a server"));
        return;
    }
    if (!drainedValue.isUndefined() && !drainedValue.isBool()) {
        jsonError(reply, 400, QStringLiteral("\"drained\" must be true or false"));
        return;
    }
    const bool drained = drainedValue.toBool(true);
    ServerRegistry *registry = m_context->registry;
    if (!registry->setDrained(id, drained)) {
        jsonError(reply, 404, QStringLiteral("this server is not known"));
        return;
    }
    // The server learns it from its next heartbeat answer and moves its rooms; a server that
    // sends no heartbeats (only in --servers) keeps them.
    const auto server = registry->server(id);
    const bool moves = drained && server->registered && registry->hasHandoffTarget(id);
    QString message;
    if (!drained)
        message =
            QStringLiteral("%1 gets new rooms again; rooms already moved stay where they are.")
                .arg(id);
    else if (moves)
        message = QStringLiteral("%1 gets no new rooms; its rooms are being moved to the other "
                                 "live servers.")
                      .arg(id);
    else if (!server->registered)
        message = QStringLiteral("%1 gets no new rooms; it does not register with the balancer, "
                                 "so its rooms stay on it.")
                      .arg(id);
    else
        message = QStringLiteral("%1 gets no new rooms; no other live server can take its rooms, "
                                 "so they stay on it.")
                      .arg(id);
    reply->sendJson(200,
                    compact({{QStringLiteral("id"), id},
                             {QStringLiteral("drained"), drained},
                             {QStringLiteral("handoff"), moves},
                             {QStringLiteral("message"), message}}),
                    noStore);
}

void AdminController::forgetServer(const QJsonObject &body, const ReplyPtr &reply)
{
    const QString id = serverIdOf(body);
    if (const auto problem = m_context->registry->forgetServer(id)) {
        jsonError(reply, *problem == u"this server is not known" ? 404 : 409, *problem);
        return;
    }
    reply->sendJson(200, compact({{QStringLiteral("id"), id}, {QStringLiteral("forgotten"), true}}),
                    noStore);
}

} // namespace ic::balancer
