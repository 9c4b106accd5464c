#include "controllers/PagesController.h"

#include "controllers/PickController.h"
#include "core/ContentTypes.h"
#include "emoji/EmojiTable.h"
#include "session/SessionCookie.h"
#include "system/BuildId.h"
#include "validation/UrlEncoding.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QUrl>

namespace ic::balancer {
namespace {

constexpr qint64 maxStaticFileBytes = 8 * 1024 * 1024;

const QByteArray fallbackIndex =
    "<!doctype html><html lang=\"en\"><head><meta "
    "charset=\"utf-8\"><title>instantchat</title></head>"
    "<body><h1>instantchat</h1><p>The web interface is not installed on this balancer "
    "(no index.html in its web root). The chat API works: see /connection-methods.</p>"
    "<p>Build __BUILD__</p></body></html>";

// What the pages may load: our own scripts only (web/ has no inline script and no handler
// attributes), styles from us plus the few style attributes of the markup, drawings as data:
// URLs, and WebSockets to whichever room server the balancer names (any host, so ws:/wss:).
const QByteArray contentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self' ws: wss:; font-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const HeaderList pageHeaders{{"Cache-Control", "no-cache"},
                             {"X-Frame-Options", "DENY"},
                             {"Referrer-Policy", "same-origin"},
                             {"X-Content-Type-Options", "nosniff"},
                             {"Content-Security-Policy", contentSecurityPolicy}};

// One web file, compressed when the client accepts gzip, or 304 when the client's copy (named
// by If-None-Match) is current. `revalidate`: false when the answer must carry a full body.
void sendAsset(const Request &request, const ReplyPtr &reply, const QByteArray &type,
               const WebFileCache::Asset &asset, HeaderList headers, bool revalidate = true)
{
    const bool gzip =
        !asset.gzip.isEmpty() && WebFileCache::acceptsGzip(request.header("Accept-Encoding"));
    const QByteArray etag = gzip ? asset.etagGzip() : asset.etag;
    headers.append({"ETag", etag});
    if (!asset.gzip.isEmpty())
        headers.append({"Vary", QByteArray("Accept-Encoding")});
    if (revalidate && WebFileCache::matchesEtag(request.header("If-None-Match"), etag)) {
        reply->send(304, QByteArray(), QByteArray(), headers);
        return;
    }
    if (gzip)
        headers.append({"Content-Encoding", QByteArray("gzip")});
    reply->send(200, type, gzip ? asset.gzip : asset.bytes, headers);
}

} // namespace

QString resolveInside(const QString &root, const QString &relative)
{
    if (relative.isEmpty() || relative.contains(u'\\') || relative.contains(QChar(0)))
        return {};
    const QStringList segments = relative.split(u'/');
    for (const QString &segment : segments) {
        // ".." and "." escape or alias; dot files (.git, .env) are never part of the UI.
        if (segment.isEmpty() || segment.startsWith(u'.'))
            return {};
    }
    const QString canonicalRoot = QFileInfo(root).canonicalFilePath();
    if (canonicalRoot.isEmpty())
        return {};
    const QFileInfo info(canonicalRoot + u'/' + relative);
    const QString canonical = info.canonicalFilePath();
    if (canonical.isEmpty() || !canonical.startsWith(canonicalRoot + u'/') ||
        !QFileInfo(canonical).isFile())
        return {};
    return canonical;
}

PagesController::PagesController(BalancerContext *context)
    : m_context(context),
      m_files(
          [context](const QString &relative) {
              if (relative == u"vendor/jquery.min.js")
                  return QFileInfo(context->settings.jquery).isFile() ? context->settings.jquery
                                                                      : QString();
              // The emoji table the desktop app compiles in too (shared/emoji/emoji.txt).
              if (relative == u"emoji.txt")
                  return ic::emoji::tablePath();
              return resolveInside(context->settings.webRoot, relative);
          },
          [](const QString &path, QByteArray bytes) {
              if (contentTypeForPath(path).startsWith("text/html"))
                  bytes.replace("__BUILD__", ic::sys::buildId());
              return bytes;
          },
          maxStaticFileBytes)
{
}

bool PagesController::dispatch(const Request &request, const ReplyPtr &reply)
{
    const QString &path = request.path;
    const bool isStatic = path.startsWith(u"/static/");
    reply->setRoute(isStatic ? QStringLiteral("static") : QStringLiteral("page"));
    if (!request.isGet() && request.method != QHttpServerRequest::Method::Head) {
        reply->sendText(405, QStringLiteral("error: use GET"), {{"Allow", "GET"}});
        return true;
    }
    if (isStatic) {
        serveStatic(request, reply);
        return true;
    }
    if (path == u"/") {
        servePage(request, reply, QStringLiteral("index.html"), true);
        return true;
    }
    if (path == u"/connection-methods" || path == u"/about") {
        servePage(request, reply, path.mid(1) + QStringLiteral(".html"), false);
        return true;
    }
    if (path == u"/robots.txt") {
        reply->sendText(
            200, QStringLiteral("User-agent: *\nDisallow: /r/\nDisallow: /s/\nDisallow: /admin\n"));
        return true;
    }
    if (path == u"/favicon.ico") {
        const std::optional<WebFileCache::Asset> icon =
            m_files.asset(QStringLiteral("img/favicon.svg"));
        if (!icon) {
            reply->sendText(404, QStringLiteral("error: no icon"));
            return true;
        }
        sendAsset(request, reply, "image/svg+xml", *icon,
                  {{"Cache-Control", "public, max-age=86400"}});
        return true;
    }
    // Anything else is a room page: the whole path after "/" is the percent-encoded name.
    const RoomName room = roomFromPathSegment(path.mid(1));
    if (room.canonical.isEmpty()) {
        redirectHome(reply, room.error);
        return true;
    }
    servePage(request, reply, QStringLiteral("index.html"), true);
    return true;
}

void PagesController::servePage(const Request &request, const ReplyPtr &reply, const QString &file,
                                bool withCookie)
{
    const std::optional<WebFileCache::Asset> page = m_files.asset(file);
    if (!page && file != u"index.html") {
        reply->sendText(404, QStringLiteral("error: this page is not installed"));
        return;
    }
    HeaderList headers = pageHeaders;
    const bool newCookie =
        withCookie && !ic::session::sessionFromCookieHeader(request.header("Cookie"));
    if (newCookie) {
        headers.append(
            {"Set-Cookie", ic::session::setCookieHeaderValue(ic::session::createCookieValue(),
                                                             m_context->settings.secureCookies())});
    }
    if (!page) {
        QByteArray html = fallbackIndex;
        html.replace("__BUILD__", ic::sys::buildId());
        reply->send(200, "text/html; charset=utf-8", html, headers);
        return;
    }
    // A page that hands out a new session cookie is always sent whole.
    sendAsset(request, reply, "text/html; charset=utf-8", *page, headers, !newCookie);
}

void PagesController::serveStatic(const Request &request, const ReplyPtr &reply)
{
    bool ok = false;
    const QString relative = ic::validation::urlDecode(request.path.mid(8), &ok);
    const std::optional<WebFileCache::Asset> content = ok ? m_files.asset(relative) : std::nullopt;
    if (!content) {
        reply->sendText(404, QStringLiteral("error: there is no such file"));
        return;
    }
    // The type by the requested name: the served file is that name inside the web root (or
    // jQuery's own .js file).
    const QByteArray type = contentTypeForPath(relative);
    // Pages reference assets as ?v=<build>, so a versioned URL never changes content.
    const bool versioned = request.hasQueryItem(QStringLiteral("v"));
    const HeaderList headers{
        {"Cache-Control",
         versioned ? QByteArray("public, max-age=31536000, immutable") : QByteArray("no-cache")}};
    sendAsset(request, reply, type, *content, headers);
}

void PagesController::redirectHome(const ReplyPtr &reply, const QString &sentence)
{
    const QByteArray location = "/?error=" + QUrl::toPercentEncoding(sentence);
    reply->send(302, "text/plain; charset=utf-8", "Redirecting to the home page\n",
                {{"Location", location}, {"Cache-Control", "no-store"}});
}

} // namespace ic::balancer
