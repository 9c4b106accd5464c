#include "controllers/InternalController.h"

#include "controllers/PickController.h"
#include "registry/ServerRegistry.h"
#include "security/ConstantTime.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcInternal, "balancer")

namespace ic::balancer {
namespace {

// A refused server call is logged (a server with the wrong token, or none, would otherwise look
// fine here), at most once a minute so that anyone reaching the port cannot flood the log.
void warnRefused(const QString &what, const QHostAddress &peer)
{
    static QElapsedTimer lastLine;
    static int suppressed = 0;
    if (lastLine.isValid() && lastLine.elapsed() < 60000) {
        ++suppressed;
        return;
    }
    QString line = QStringLiteral("refused a call from %1 -- %2").arg(peer.toString(), what);
    if (suppressed > 0)
        line += QStringLiteral(" (and %1 more in the last minute)").arg(suppressed);
    qCWarning(lcInternal).noquote() << line;
    lastLine.start();
    suppressed = 0;
}

} // namespace

namespace {

// IPv4-mapped IPv6 peers compare as IPv4, so a dual-stack socket does not change the source.
QString sourceOf(const QHostAddress &peer)
{
    bool v4 = false;
    const quint32 plain = peer.toIPv4Address(&v4);
    return v4 ? QHostAddress(plain).toString() : peer.toString();
}

} // namespace

bool InternalController::dispatch(const Request &request, const ReplyPtr &reply)
{
    if (!request.path.startsWith(u"/internal/"))
        return false;
    reply->setRoute(QStringLiteral("internal"));
    const QByteArray token = m_context->settings.clusterToken.toUtf8();
    if (!token.isEmpty() &&
        !ic::security::constantTimeEqual(request.header("X-Instantchat-Token"), token)) {
        warnRefused(QStringLiteral("%1 with a missing or wrong cluster token").arg(request.path),
                    request.tcpPeer);
        reply->sendText(403, QStringLiteral("error: a valid cluster token is required"));
        return true;
    }
    // Without a token the cluster is closed by address: only --internal-peers (loopback by
    // default) may register servers. The TCP peer counts, never a forwarding header.
    if (token.isEmpty() && !m_context->settings.internalPeers.isTrusted(request.tcpPeer)) {
        reply->sendText(403, QStringLiteral("error: without a cluster token the internal routes "
                                            "answer only local peers (--internal-peers)"));
        return true;
    }
    // A registration is bound to the address it came from (see ServerRegistry::heartbeat).
    const QString source = sourceOf(request.tcpPeer);
    ServerRegistry *registry = m_context->registry;
    if (request.path == u"/internal/heartbeat") {
        if (!request.isPost()) {
            reply->sendText(405, QStringLiteral("error: use POST"), {{"Allow", "POST"}});
            return true;
        }
        QJsonParseError parseError;
        const QJsonDocument doc = QJsonDocument::fromJson(request.body, &parseError);
        if (!doc.isObject()) {
            reply->sendText(400, QStringLiteral("error: the heartbeat must be a JSON object"));
            return true;
        }
        if (const auto refusal = registry->heartbeat(doc.object(), source)) {
            warnRefused(QStringLiteral("heartbeat refused: ") + refusal->sentence, request.tcpPeer);
            reply->sendText(refusal->status, QStringLiteral("error: ") + refusal->sentence);
            return true;
        }
        // "handoff": the server is drained and another server can take its rooms: it moves them.
        const QString id = doc.object().value(QLatin1StringView("id")).toString();
        reply->sendJson(
            200,
            QJsonDocument(QJsonObject{{QStringLiteral("heartbeatInterval"),
                                       m_context->settings.heartbeatIntervalSeconds},
                                      {QStringLiteral("handoff"), registry->shouldHandOff(id)}})
                .toJson(QJsonDocument::Compact));
        return true;
    }
    if (request.path.startsWith(u"/internal/handoff/") ||
        request.path == u"/internal/replica/target") {
        handoff(request, source, reply);
        return true;
    }
    if (request.path == u"/internal/deregister") {
        if (!request.isPost()) {
            reply->sendText(405, QStringLiteral("error: use POST"), {{"Allow", "POST"}});
            return true;
        }
        const QJsonDocument doc = QJsonDocument::fromJson(request.body);
        const QString id = doc.object().value(QLatin1StringView("id")).toString();
        if (id.isEmpty()) {
            reply->sendText(400,
                            QStringLiteral("error: the body must be {\"id\": \"<server id>\"}"));
            return true;
        }
        if (const auto refusal = registry->deregister(id, source)) {
            reply->sendText(refusal->status, QStringLiteral("error: ") + refusal->sentence);
            return true;
        }
        reply->sendJson(200, QByteArrayLiteral("{\"ok\":true}"));
        return true;
    }
    if (request.path == u"/internal/route-check") {
        // nginx auth_request: 204 lets /b/<id>/ through, 404 stops it.
        const bool live = registry->isLive(request.queryValue(QStringLiteral("id")));
        reply->send(live ? 204 : 404, QByteArray(), QByteArray(), {{"Cache-Control", "no-store"}});
        return true;
    }
    reply->sendText(404, QStringLiteral("error: there is nothing at this address"));
    return true;
}

void InternalController::handoff(const Request &request, const QString &source,
                                 const ReplyPtr &reply)
{
    // The replica target is asked like a handoff target: same body, same caller checks.
    const QString step = request.path == u"/internal/replica/target"
                             ? QStringLiteral("replica")
                             : request.path.mid(QStringLiteral("/internal/handoff/").size());
    static const QStringList steps{QStringLiteral("begin"), QStringLiteral("target"),
                                   QStringLiteral("done"), QStringLiteral("failed"),
                                   QStringLiteral("replica")};
    if (!steps.contains(step)) {
        reply->sendText(404, QStringLiteral("error: there is nothing at this address"));
        return;
    }
    if (!request.isPost()) {
        reply->sendText(405, QStringLiteral("error: use POST"), {{"Allow", "POST"}});
        return;
    }
    const QJsonDocument doc = QJsonDocument::fromJson(request.body);
    const QJsonObject body = doc.object();
    const QJsonValue id = body.value(QLatin1StringView("id"));
    if (!doc.isObject() || !id.isString() || id.toString().isEmpty()) {
        reply->sendText(400, QStringLiteral("error: the body must be a JSON object with the "
                                            "server's \"id\""));
        return;
    }
    ServerRegistry *registry = m_context->registry;
    const auto answer = [reply](const std::optional<RegistryRefusal> &refusal,
                                const QJsonObject &ok) {
        if (refusal)
            reply->sendText(refusal->status, QStringLiteral("error: ") + refusal->sentence);
        else
            reply->sendJson(200, QJsonDocument(ok).toJson(QJsonDocument::Compact));
    };
    if (step == u"begin") {
        bool handoff = false;
        const auto refusal = registry->beginHandoff(id.toString(), source, &handoff);
        answer(refusal, {{QStringLiteral("handoff"), handoff}});
        return;
    }
    const QJsonValue roomValue = body.value(QLatin1StringView("room"));
    const RoomName room = checkedRoomName(roomValue.toString());
    if (!roomValue.isString() || room.canonical.isEmpty()) {
        reply->sendText(400,
                        QStringLiteral("error: \"room\" must be a valid room name") +
                            (room.error.isEmpty() ? QString() : QStringLiteral(": ") + room.error));
        return;
    }
    if (step == u"target" || step == u"replica") {
        ServerInfo target;
        const auto refusal =
            step == u"target"
                ? registry->handoffTarget(id.toString(), room.canonical, source, &target)
                : registry->replicaTarget(id.toString(), room.canonical, source, &target);
        answer(refusal, {{QStringLiteral("id"), target.id},
                         {QStringLiteral("url"), QStringLiteral("http://") + target.address}});
    } else if (step == u"done") {
        const QJsonValue to = body.value(QLatin1StringView("to"));
        if (!to.isString() || to.toString().isEmpty()) {
            reply->sendText(400, QStringLiteral("error: \"to\" must be the id of the server "
                                                "that took the room"));
            return;
        }
        answer(registry->handoffDone(id.toString(), room.canonical, to.toString(), source),
               {{QStringLiteral("ok"), true}});
    } else {
        answer(registry->handoffFailed(id.toString(), room.canonical, source),
               {{QStringLiteral("ok"), true}});
    }
}

} // namespace ic::balancer
