#include "controllers/PickController.h"

#include "protocol/PickBackend.h"

#include "registry/ServerRegistry.h"
#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace ic::balancer {

RoomName checkedRoomName(const QString &decoded)
{
    const QString canonical = ic::validation::canonicalRoomName(decoded);
    const ic::proto::ErrorCode code = ic::validation::checkRoomName(canonical);
    if (code != ic::proto::ErrorCode::None)
        return {{}, ic::proto::errorSentence(code)};
    return {canonical, {}};
}

RoomName roomFromPathSegment(const QString &encodedSegment)
{
    bool ok = false;
    const QString decoded = ic::validation::urlDecode(encodedSegment, &ok);
    if (!ok)
        return {{}, QStringLiteral("The room name is not valid percent-encoded UTF-8.")};
    if (decoded.contains(u'/') || encodedSegment.contains(u'/'))
        return {{}, ic::proto::errorSentence(ic::proto::ErrorCode::RoomNameCharacters)};
    return checkedRoomName(decoded);
}

bool PickController::dispatch(const Request &request, const ReplyPtr &reply)
{
    if (request.path != u"/pick_backend")
        return false;
    reply->setRoute(QStringLiteral("pick_backend"));
    const ic::balancer::HeaderList noStore{{"Cache-Control", "no-store"}};
    auto answerError = [reply, noStore](int status, const QString &sentence) {
        const QJsonObject body{{proto::pick::backendAddressKey, QString()},
                               {proto::pick::errorKey, sentence},
                               {proto::pick::alternativeNamesKey, QJsonValue::Null}};
        reply->sendJson(status, QJsonDocument(body).toJson(QJsonDocument::Compact), noStore);
    };
    // A placement is made by GET only, as the route is documented (any method used to place).
    if (!request.isGet() && request.method != QHttpServerRequest::Method::Head) {
        reply->sendText(405, QStringLiteral("error: use GET"), {{"Allow", "GET"}});
        return true;
    }
    if (!m_context->placementLimiter->allow(request.peer)) {
        answerError(429, QStringLiteral("Too many requests. Please wait a moment and try again."));
        return true;
    }
    // v1 clients read `e` from a 200 answer, so validation errors are 200 with `e` set.
    const RoomName room = checkedRoomName(request.queryValue(QStringLiteral("roomName")));
    if (room.canonical.isEmpty()) {
        answerError(200, room.error);
        return true;
    }
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    BalancerContext *context = m_context;
    Request hostOnly;
    hostOnly.headers = {{"Host", request.header("Host")}};
    context->registry->place(room.canonical, [context, reply, timer, hostOnly, room, answerError,
                                              noStore](const Placement &placement) {
        context->metrics->observePickLatency(timer->nsecsElapsed() / 1e9);
        if (placement.kind == Placement::Kind::Failed) {
            context->metrics->countPlacement(BalancerMetrics::Placement::Failed);
            answerError(200, placement.error);
            return;
        }
        context->metrics->countPlacement(placement.kind == Placement::Kind::Existing
                                             ? BalancerMetrics::Placement::Existing
                                             : BalancerMetrics::Placement::New);
        QJsonArray suffixes;
        for (const QString &suffix : context->registry->freeSuffixes(room.canonical, 4))
            suffixes.append(suffix);
        const QJsonObject body{
            {proto::pick::backendAddressKey, context->backendAddress(placement.server, hostOnly)},
            {proto::pick::errorKey, QString()},
            {proto::pick::alternativeNamesKey, suffixes}};
        reply->sendJson(200, QJsonDocument(body).toJson(QJsonDocument::Compact), noStore);
    });
    return true;
}

} // namespace ic::balancer
