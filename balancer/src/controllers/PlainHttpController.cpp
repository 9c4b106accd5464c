#include "controllers/PlainHttpController.h"

#include "controllers/PickController.h"
#include "protocol/PlainHttp.h"
#include "registry/ServerRegistry.h"
#include "registry/UpstreamClient.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrl>

namespace ic::balancer {
namespace {

constexpr int upstreamTimeoutMs = 10000;

} // namespace

bool PlainHttpController::dispatch(const Request &request, const ReplyPtr &reply)
{
    const bool read = request.path.startsWith(u"/r/");
    const bool send = request.path.startsWith(u"/s/");
    if (!read && !send)
        return false;
    reply->setRoute(read ? QStringLiteral("r") : QStringLiteral("s"));
    const bool json = request.queryValue(QStringLiteral("format")) == u"json";
    auto fail = [reply, json](int status, const QString &sentence) {
        const QString text = QStringLiteral("error: ") + sentence;
        if (json)
            reply->sendJson(status,
                            QJsonDocument(QJsonObject{{QStringLiteral("error"), text}})
                                .toJson(QJsonDocument::Compact),
                            {{"Cache-Control", "no-store"}});
        else
            reply->sendText(status, text + u'\n', {{"Cache-Control", "no-store"}});
    };
    if (!request.isGet()) {
        fail(405, QStringLiteral("use GET"));
        return true;
    }
    RateLimiter *limiter = send ? m_context->writeLimiter : m_context->placementLimiter;
    if (!limiter->allow(request.peer)) {
        fail(429, QStringLiteral("too many requests, please wait a moment and try again"));
        return true;
    }
    const RoomName room = roomFromPathSegment(request.path.mid(3));
    if (room.canonical.isEmpty()) {
        QString sentence = room.error;
        if (sentence.endsWith(u'.'))
            sentence.chop(1);
        if (!sentence.isEmpty())
            sentence[0] = sentence[0].toLower();
        fail(400, sentence);
        return true;
    }
    // The forwarded query: the canonical room plus the caller's own parameters, passed in the
    // encoding the caller used so the server decodes them exactly as it would directly.
    QString query =
        QStringLiteral("roomName=") + QString::fromLatin1(QUrl::toPercentEncoding(room.canonical));
    static const QStringList forwarded{QStringLiteral("l"), QStringLiteral("id"),
                                       QStringLiteral("format"), QStringLiteral("quite"),
                                       QStringLiteral("m")};
    for (const QString &key : forwarded) {
        if (request.hasQueryItem(key))
            query += u'&' + key + u'=' + request.query.queryItemValue(key, QUrl::FullyEncoded);
    }
    // The password goes on in the header only, also when an old client put it into the URL.
    QByteArray password = request.header(proto::roomPasswordHeader);
    const QString legacyKey = QString::fromLatin1(proto::deprecatedPasswordQueryItem);
    if (password.isEmpty() && request.hasQueryItem(legacyKey))
        password = request.query.queryItemValue(legacyKey, QUrl::FullyDecoded).toUtf8();
    // The server limits password guesses and sends per client: it believes this header only
    // from a cluster member (the token, or a --internal-peers peer without one).
    QList<std::pair<QByteArray, QByteArray>> headers{
        {QByteArrayLiteral("X-Instantchat-Client"), request.peer.toString().toLatin1()}};
    if (!password.isEmpty())
        headers.append({QByteArray(proto::roomPasswordHeader), password});
    const QString path =
        (read ? QStringLiteral("/direct_retrieval?") : QStringLiteral("/direct_sending?")) + query;
    BalancerContext *context = m_context;
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    context->registry->place(room.canonical, [context, reply, path, fail, timer,
                                              headers](const Placement &placement) {
        context->metrics->observePickLatency(timer->nsecsElapsed() / 1e9);
        if (placement.kind == Placement::Kind::Failed) {
            context->metrics->countPlacement(BalancerMetrics::Placement::Failed);
            QString sentence = placement.error;
            sentence[0] = sentence[0].toLower();
            fail(503, sentence);
            return;
        }
        context->metrics->countPlacement(placement.kind == Placement::Kind::Existing
                                             ? BalancerMetrics::Placement::Existing
                                             : BalancerMetrics::Placement::New);
        const QString serverId = placement.server.id;
        context->upstream->get(
            placement.server.address, path, upstreamTimeoutMs, context->registry,
            [context, reply, fail, serverId](const UpstreamResult &result) {
                if (result.status == 0) {
                    context->registry->reportUnreachable(serverId);
                    fail(503, QStringLiteral("the chat server holding this room cannot be reached, "
                                             "please try again"));
                    return;
                }
                reply->send(result.status,
                            result.contentType.isEmpty() ? QByteArray("text/plain; charset=utf-8")
                                                         : result.contentType,
                            result.body, {{"Cache-Control", "no-store"}});
            },
            headers);
    });
    return true;
}

} // namespace ic::balancer
