// Pages, the session cookie, static files and the drawing store, against a balancer with a web
// root made by the test (the real web/ changes independently).

#include "BalancerFixture.h"

#include "FakePng.h"

#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSignalSpy>

using namespace ic::testing;

namespace {

QByteArray form(const QByteArray &name, const QByteArray &group, const QByteArray &content)
{
    return "file_name=" + QUrl::toPercentEncoding(QString::fromLatin1(name)) +
           "&file_group_prefix=" + QUrl::toPercentEncoding(QString::fromLatin1(group)) +
           "&file_content=" + QUrl::toPercentEncoding(QString::fromLatin1(content));
}

const QByteArray group = "6f1c2a3b-0000-4d5e-8f90-123456789abc";

} // namespace

class TestWeb : public QObject
{
    Q_OBJECT

    QTemporaryDir m_web;
    QString m_jquery;
    std::unique_ptr<TestProcess> m_balancer;
    const QByteArray m_alice = ic::session::createCookieValue();
    const QByteArray m_bob = ic::session::createCookieValue();

    HttpResult get(const QString &pathAndQuery, const Headers &headers = {})
    {
        return balancerGet(*m_balancer, pathAndQuery, headers);
    }
    HttpResult upload(const QByteArray &body, const QByteArray &cookie)
    {
        Headers headers;
        if (!cookie.isEmpty())
            headers.append(cookieHeader(cookie));
        return httpPost(m_balancer->httpUrl(QStringLiteral("/upload_text_file")), body,
                        "application/x-www-form-urlencoded; charset=UTF-8", headers);
    }
    HttpResult download(const QByteArray &name, const QByteArray &prefix = group)
    {
        return get(QStringLiteral("/get_text_file?file_name=%1&file_group_prefix=%2")
                       .arg(QString::fromLatin1(QUrl::toPercentEncoding(QString::fromLatin1(name))),
                            QString::fromLatin1(prefix)));
    }

private slots:
    void initTestCase()
    {
        QVERIFY(m_web.isValid());
        writeFile(m_web, QStringLiteral("web/index.html"),
                  "<html><script src=\"/static/js/app.js?v=__BUILD__\"></script>INDEX</html>");
        writeFile(m_web, QStringLiteral("web/about.html"), "<html>ABOUT __BUILD__</html>");
        writeFile(m_web, QStringLiteral("web/connection-methods.html"), "<html>METHODS</html>");
        writeFile(m_web, QStringLiteral("web/js/app.js"), "console.log('app');");
        writeFile(m_web, QStringLiteral("web/css/app.css"), "body{}");
        writeFile(m_web, QStringLiteral("web/img/logo.svg"), "<svg/>");
        writeFile(m_web, QStringLiteral("web/.hidden"), "secret");
        writeFile(m_web, QStringLiteral("outside.txt"), "outside the web root");
        m_jquery = writeFile(m_web, QStringLiteral("jq/jquery.min.js"), "/*! jQuery test copy */");
        m_balancer =
            startBalancer({QStringLiteral("--servers"), QString(), QStringLiteral("--web-root"),
                           m_web.filePath(QStringLiteral("web")), QStringLiteral("--jquery"),
                           m_jquery, QStringLiteral("--warm-up"), QStringLiteral("0"),
                           QStringLiteral("--rate-limits"), QStringLiteral("off")});
        QVERIFY(m_balancer);
    }

    void cookieAttributes()
    {
        const HttpResult home = get(QStringLiteral("/"));
        QCOMPARE(home.status, 200);
        QVERIFY(home.body.contains("INDEX"));
        const QByteArray setCookie = home.header("Set-Cookie");
        QVERIFY(setCookie.startsWith("session="));
        const QByteArray value = setCookie.mid(8, setCookie.indexOf(';') - 8);
        QVERIFY(ic::session::parseCookieValue(value));
        for (const char *attribute :
             {"; Path=/", "; HttpOnly", "; SameSite=Strict", "; Max-Age=315360000", "; Expires="})
            QVERIFY2(setCookie.contains(attribute), attribute);
        QVERIFY(!setCookie.contains("Secure"));
        // The JSON inside: sessionUUID (random v4) and startedAt.
        const QJsonObject inside = QJsonDocument::fromJson(QByteArray::fromBase64(value)).object();
        QCOMPARE(
            QUuid::fromString(inside.value(QLatin1StringView("sessionUUID")).toString()).version(),
            QUuid::Random);
        QVERIFY(inside.contains(QLatin1StringView("startedAt")));
        // Room pages set it too; a valid cookie is kept; a malformed one is replaced.
        QVERIFY(get(QStringLiteral("/Some-Room")).header("Set-Cookie").startsWith("session="));
        QVERIFY(get(QStringLiteral("/"), {cookieHeader(m_alice)}).header("Set-Cookie").isEmpty());
        QVERIFY(get(QStringLiteral("/"), {cookieHeader("bm90IGpzb24=")})
                    .header("Set-Cookie")
                    .startsWith("session="));
        const QByteArray nilSession =
            QByteArray(R"({"sessionUUID":"00000000-0000-0000-0000-000000000000","startedAt":"x"})")
                .toBase64();
        QVERIFY(get(QStringLiteral("/x-room"), {cookieHeader(nilSession)})
                    .header("Set-Cookie")
                    .startsWith("session="));
    }

    void secureCookieBehindHttps()
    {
        auto secure =
            startBalancer({QStringLiteral("--servers"), QString(), QStringLiteral("--public-url"),
                           QStringLiteral("https://chat.example.org"), QStringLiteral("--web-root"),
                           m_web.filePath(QStringLiteral("web"))});
        QVERIFY(secure);
        QVERIFY(
            balancerGet(*secure, QStringLiteral("/")).header("Set-Cookie").contains("; Secure"));
    }

    void pagesAndRoomNames()
    {
        const HttpResult room = get(QStringLiteral("/My-Room%21"));
        QCOMPARE(room.status, 200);
        QVERIFY(room.body.contains("INDEX"));
        QVERIFY(!room.body.contains("__BUILD__"));
        QVERIFY(room.body.contains("/static/js/app.js?v="));
        QCOMPARE(room.header("Content-Type"), QByteArray("text/html; charset=utf-8"));
        QVERIFY(get(QStringLiteral("/about")).body.startsWith("<html>ABOUT "));
        QVERIFY(!get(QStringLiteral("/about")).body.contains("__BUILD__"));
        QCOMPARE(get(QStringLiteral("/connection-methods")).body,
                 QByteArray("<html>METHODS</html>"));
        // Invalid names and names with '/' go home with an error sentence.
        for (const QString &bad :
             {QStringLiteral("/a%2Fbcd"), QStringLiteral("/ab"), QStringLiteral("/one/two"),
              QStringLiteral("/bad%20name"), QStringLiteral("/%FF%FEabc")}) {
            const HttpResult redirect = get(bad);
            QVERIFY2(redirect.status == 302, qPrintable(bad));
            QVERIFY2(redirect.header("Location").startsWith("/?error="),
                     redirect.header("Location").constData());
            QVERIFY(QUrl::fromPercentEncoding(redirect.header("Location").mid(8)).size() > 10);
        }
        QCOMPARE(get(QStringLiteral("/healthz")).body, QByteArray("ok"));
    }

    void staticFiles()
    {
        HttpResult js = get(QStringLiteral("/static/js/app.js?v=123"));
        QCOMPARE(js.status, 200);
        QCOMPARE(js.body, QByteArray("console.log('app');"));
        QCOMPARE(js.header("Content-Type"), QByteArray("text/javascript; charset=utf-8"));
        QCOMPARE(js.header("Cache-Control"), QByteArray("public, max-age=31536000, immutable"));
        js = get(QStringLiteral("/static/js/app.js"));
        QVERIFY(!js.header("Cache-Control").contains("immutable"));
        QCOMPARE(get(QStringLiteral("/static/css/app.css")).header("Content-Type"),
                 QByteArray("text/css; charset=utf-8"));
        QCOMPARE(get(QStringLiteral("/static/img/logo.svg")).header("Content-Type"),
                 QByteArray("image/svg+xml"));
        const HttpResult jquery = get(QStringLiteral("/static/vendor/jquery.min.js?v=1"));
        QCOMPARE(jquery.status, 200);
        QCOMPARE(jquery.body, QByteArray("/*! jQuery test copy */"));
        // The emoji table is compiled into the balancer (and into the desktop app), so it is
        // served whatever the web root holds, byte for byte the repository's one table.
        const HttpResult emojiTable = get(QStringLiteral("/static/emoji.txt?v=1"));
        QCOMPARE(emojiTable.status, 200);
        QCOMPARE(emojiTable.header("Content-Type"), QByteArray("text/plain; charset=utf-8"));
        QFile source(QStringLiteral(EMOJI_TABLE));
        QVERIFY2(source.open(QIODevice::ReadOnly), EMOJI_TABLE);
        QCOMPARE(emojiTable.body, source.readAll());
        QCOMPARE(get(QStringLiteral("/static/missing.js")).status, 404);
        QCOMPARE(get(QStringLiteral("/static/.hidden")).status, 404);
        QCOMPARE(get(QStringLiteral("/static/js")).status, 404);
        // Traversal, sent raw so no client library normalises the path.
        for (const QByteArray &path :
             {QByteArray("/static/../outside.txt"), QByteArray("/static/%2e%2e/outside.txt"),
              QByteArray("/static/js/../../outside.txt"), QByteArray("/static/..%2Foutside.txt"),
              QByteArray("/static/%2E%2E%2Foutside.txt")}) {
            const QByteArray answer =
                rawExchange(m_balancer->port(),
                            "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            QVERIFY2(!answer.contains("outside the web root"), path.constData());
            // Either refused, or normalised by the HTTP parser to a page outside /static.
            QVERIFY2(answer.startsWith("HTTP/1.1 "), answer.left(40).constData());
            QVERIFY2(!answer.startsWith("HTTP/1.1 5"), answer.left(40).constData());
        }
    }

    void requestLimits()
    {
        // A body over --max-body (4 MiB) is refused before it is read, a huge header block too.
        const QByteArray bigBody = "POST /upload_text_file HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\n"
                                   "Content-Length: 9000000\r\n\r\n" +
                                   QByteArray(64 * 1024, 'a');
        QVERIFY(rawExchange(m_balancer->port(), bigBody).startsWith("HTTP/1.1 413"));
        const QByteArray bigHeader =
            "GET / HTTP/1.1\r\nHost: x\r\nX-Filler: " + QByteArray(20000, 'h') + "\r\n\r\n";
        QVERIFY(rawExchange(m_balancer->port(), bigHeader).startsWith("HTTP/1.1 431"));
        // The balancer keeps serving.
        QCOMPARE(get(QStringLiteral("/healthz")).status, 200);
    }

    void connectionCloseIsHonoured()
    {
        QTcpSocket socket;
        socket.connectToHost(QStringLiteral("127.0.0.1"), m_balancer->port());
        QVERIFY(socket.waitForConnected(3000));
        socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QByteArray answer;
        QVERIFY(waitUntil(
            [&] {
                answer += socket.readAll();
                return socket.state() == QAbstractSocket::UnconnectedState;
            },
            3000));
        answer += socket.readAll();
        QVERIFY(answer.startsWith("HTTP/1.1 200"));
        QVERIFY(answer.contains("\r\nConnection: close\r\n"));
        QVERIFY(answer.endsWith("\r\n\r\nok"));
        // HEAD: the headers of GET with the real length, no body.
        QTcpSocket head;
        head.connectToHost(QStringLiteral("127.0.0.1"), m_balancer->port());
        QVERIFY(head.waitForConnected(3000));
        head.write("HEAD /static/js/app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        QByteArray headAnswer;
        QVERIFY(waitUntil(
            [&] {
                headAnswer += head.readAll();
                return head.state() == QAbstractSocket::UnconnectedState;
            },
            3000));
        headAnswer += head.readAll();
        QVERIFY(headAnswer.contains("Content-Length: 19\r\n"));
        QVERIFY(headAnswer.endsWith("\r\n\r\n"));
    }

    void drawingUploadAndDownload()
    {
        const QByteArray drawing = pngDataUrl(fakePng(640, 480));
        HttpResult stored = upload(form("d1_pic-A", group, drawing), m_alice);
        QCOMPARE(stored.status, 200);
        HttpResult fetched = download("d1_pic-A");
        QCOMPARE(fetched.status, 200);
        QCOMPARE(fetched.body, drawing);
        // Multipart (FormData) works too.
        const QByteArray boundary = "----icTestBoundary";
        QByteArray multipart;
        for (const auto &[name, value] : QList<QPair<QByteArray, QByteArray>>{
                 {"file_name", "multi"}, {"file_group_prefix", group}, {"file_content", drawing}})
            multipart += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
                         "\"\r\n\r\n" + value + "\r\n";
        multipart += "--" + boundary + "--\r\n";
        stored = httpPost(m_balancer->httpUrl(QStringLiteral("/upload_text_file")), multipart,
                          "multipart/form-data; boundary=" + boundary, {cookieHeader(m_bob)});
        QCOMPARE(stored.status, 200);
        QCOMPARE(download("multi").body, drawing);
        // The owner may replace; another session may not.
        const QByteArray second = pngDataUrl(fakePng(10, 10));
        QCOMPARE(upload(form("d1_pic-A", group, second), m_bob).status, 403);
        QCOMPARE(download("d1_pic-A").body, drawing);
        QCOMPARE(upload(form("d1_pic-A", group, second), m_alice).status, 200);
        QCOMPARE(download("d1_pic-A").body, second);
    }

    void drawingRejections()
    {
        struct Case
        {
            QByteArray body;
            QByteArray cookie;
            int status;
            const char *why;
        };
        const QByteArray ok = pngDataUrl(fakePng(100, 100));
        const QList<Case> cases{
            {form("x1", group, ok), QByteArray(), 403, "no cookie"},
            {form("x1", group, ok), "garbage", 403, "malformed cookie"},
            {form("x1", group,
                  "data:image/png;base64," +
                      QByteArray("GIF89a-not-png-at-all-padding-padding").toBase64()),
             m_alice, 400, "not a PNG"},
            {form("x1", group, "data:image/jpeg;base64,/9j/4AAQ"), m_alice, 400,
             "not a PNG data URL"},
            {form("x1", group, "data:image/png;base64,@@@@"), m_alice, 400, "bad base64"},
            {form("x1", group, pngDataUrl(fakePng(100, 100, 1024 * 1024 + 10))), m_alice, 413,
             "over 1 MiB"},
            {form("x1", group, pngDataUrl(fakePng(4096, 100))), m_alice, 413, "too wide"},
            {form("bad.name", group, ok), m_alice, 400, "bad name"},
            {form("../etc", group, ok), m_alice, 400, "../"},
            {form(QByteArray(129, 'n'), group, ok), m_alice, 400, "name too long"},
            {form("x1", "../../room", ok), m_alice, 400, "prefix not a UUID"},
            {"{\"file_name\":\"x1\"}", m_alice, 400, "not a form"},
        };
        for (const Case &c : cases) {
            const HttpResult result =
                c.body.startsWith('{')
                    ? httpPost(m_balancer->httpUrl(QStringLiteral("/upload_text_file")), c.body,
                               "application/json", {cookieHeader(c.cookie)})
                    : upload(c.body, c.cookie);
            QVERIFY2(result.status == c.status,
                     qPrintable(QStringLiteral("%1: %2 %3")
                                    .arg(QLatin1StringView(c.why))
                                    .arg(result.status)
                                    .arg(QString::fromUtf8(result.body))));
            QVERIFY2(result.body.startsWith("error: "), c.why);
        }
        QCOMPARE(download("x1").status, 404);
        QCOMPARE(download("../etc").status, 400);
        QCOMPARE(download("x1", "not-a-uuid").status, 400);
        QCOMPARE(get(QStringLiteral("/upload_text_file")).status, 405);
    }

    // The read-only routes answer GET only; other methods get 405 with a sentence and, for
    // /pick_backend, place nothing (any method used to place the room).
    void otherMethodsRefused()
    {
        const qint64 placedBefore = placements();
        for (const QByteArray &method :
             {QByteArray("DELETE"), QByteArray("PUT"), QByteArray("FOO")}) {
            for (const QString &path :
                 {QStringLiteral("/pick_backend?roomName=method-room"), QStringLiteral("/healthz"),
                  QStringLiteral("/metrics"), QStringLiteral("/sd")}) {
                QNetworkAccessManager manager;
                QNetworkRequest request(m_balancer->httpUrl(path));
                QNetworkReply *reply = manager.sendCustomRequest(request, method);
                QSignalSpy done(reply, &QNetworkReply::finished);
                QVERIFY(done.wait(5000));
                const int status =
                    reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
                QVERIFY2(status == 405, qPrintable(QString::fromLatin1(method) + u' ' + path));
                QVERIFY(reply->readAll().startsWith("error: "));
                delete reply;
            }
        }
        QCOMPARE(placements(), placedBefore);
        QCOMPARE(get(QStringLiteral("/healthz")).status, 200);
    }

private:
    // Every placement attempt, whatever its result (this balancer has no server: "failed").
    qint64 placements()
    {
        qint64 total = 0;
        for (const QByteArray &line : get(QStringLiteral("/metrics")).body.split('\n')) {
            if (line.startsWith("instantchat_balancer_placements_total{"))
                total += line.mid(line.lastIndexOf(' ') + 1).toLongLong();
        }
        return total;
    }
};

QTEST_GUILESS_MAIN(TestWeb)
#include "tst_web.moc"
