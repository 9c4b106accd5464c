#include "controllers/DrawingsController.h"

#include "core/FormData.h"
#include "session/SessionCookie.h"

namespace ic::balancer {
namespace {

const HeaderList noStore{{"Cache-Control", "no-store"}};

QString errorText(const QString &sentence)
{
    return QStringLiteral("error: ") + sentence;
}

} // namespace

bool DrawingsController::dispatch(const Request &request, const ReplyPtr &reply)
{
    if (request.path == u"/upload_text_file") {
        reply->setRoute(QStringLiteral("upload_text_file"));
        upload(request, reply);
        return true;
    }
    if (request.path == u"/get_text_file") {
        reply->setRoute(QStringLiteral("get_text_file"));
        download(request, reply);
        return true;
    }
    return false;
}

void DrawingsController::upload(const Request &request, const ReplyPtr &reply)
{
    if (!request.isPost()) {
        reply->sendText(405, errorText(QStringLiteral("use POST")), {{"Allow", "POST"}});
        return;
    }
    // The session identifies the owner of a name; without one nobody could be told apart.
    const auto session = ic::session::sessionFromCookieHeader(request.header("Cookie"));
    if (!session) {
        reply->sendText(
            403, errorText(QStringLiteral("a valid session cookie is required to upload drawings")),
            noStore);
        return;
    }
    if (!m_context->writeLimiter->allow(request.peer) ||
        (m_context->uploadBytesLimiter &&
         !m_context->uploadBytesLimiter->allow(request.peer, double(request.body.size())))) {
        reply->sendText(
            429, errorText(QStringLiteral("too many uploads, please wait a moment and try again")),
            noStore);
        return;
    }
    const auto form = parseForm(request.header("Content-Type"), request.body);
    if (!form) {
        reply->sendText(
            400, errorText(QStringLiteral("the upload must be a form (urlencoded or multipart)")),
            noStore);
        return;
    }
    const StoreResult result = m_context->drawings->put(
        form->value(QStringLiteral("file_group_prefix")), form->value(QStringLiteral("file_name")),
        form->value(QStringLiteral("file_content")).toUtf8(), *session, m_context->nowMs(),
        DrawingStore::quotaKey(request.peer));
    if (result.status != 200) {
        reply->sendText(result.status, errorText(result.error), noStore);
        return;
    }
    reply->sendText(200, QStringLiteral("ok"), noStore);
}

void DrawingsController::download(const Request &request, const ReplyPtr &reply)
{
    if (!request.isGet()) {
        reply->sendText(405, errorText(QStringLiteral("use GET")), {{"Allow", "GET"}});
        return;
    }
    const StoreResult result = m_context->drawings->get(
        request.queryValue(QStringLiteral("file_group_prefix")),
        request.queryValue(QStringLiteral("file_name")), m_context->nowMs());
    if (result.status != 200) {
        reply->sendText(result.status, errorText(result.error), noStore);
        return;
    }
    // The owner may replace a drawing, so clients revalidate instead of caching for long.
    reply->send(200, "text/plain; charset=utf-8", result.content, {{"Cache-Control", "no-cache"}});
}

} // namespace ic::balancer
