// The server's HTTP request parser: bounds, pipelining, query decoding.

#include "transport/HttpRequest.h"

#include <QTest>

using namespace ic::server;

class TestHttpRequest : public QObject
{
    Q_OBJECT

private slots:
    void parsesInPieces()
    {
        HttpRequestParser parser(1024, 1024);
        QCOMPARE(parser.feed("GET /direct_retrieval?roomName=My%20Room&m=a+b HTTP/1.1\r\nHo"),
                 HttpRequestParser::State::Incomplete);
        QCOMPARE(parser.feed("st: x\r\nCookie: session=abc\r\n\r\n"),
                 HttpRequestParser::State::Complete);
        const HttpRequest request = parser.take();
        QCOMPARE(request.method, QByteArray("GET"));
        QCOMPARE(request.path, QByteArray("/direct_retrieval"));
        QCOMPARE(request.queryValue(QStringLiteral("roomName")), QStringLiteral("My Room"));
        QCOMPARE(request.queryValue(QStringLiteral("m")), QStringLiteral("a b"));
        QCOMPARE(request.header("cookie"), QByteArray("session=abc"));
        QVERIFY(request.keepAlive);
    }

    void bodyAndPipelining()
    {
        HttpRequestParser parser(1024, 1024);
        QCOMPARE(parser.feed("POST /internal/delete-room HTTP/1.1\r\nContent-Length: "
                             "4\r\n\r\nabcdGET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n"),
                 HttpRequestParser::State::Complete);
        QCOMPARE(parser.take().body, QByteArray("abcd"));
        QCOMPARE(parser.state(), HttpRequestParser::State::Complete);
        const HttpRequest second = parser.take();
        QCOMPARE(second.path, QByteArray("/healthz"));
        QVERIFY(!second.keepAlive);
        QCOMPARE(parser.state(), HttpRequestParser::State::Incomplete);
    }

    void refusesBadInput()
    {
        HttpRequestParser garbage(1024, 1024);
        QCOMPARE(garbage.feed("HELLO\r\n\r\n"), HttpRequestParser::State::Invalid);
        HttpRequestParser small(64, 16);
        QCOMPARE(small.feed(QByteArray(100, 'x')), HttpRequestParser::State::TooLarge);
        HttpRequestParser body(1024, 16);
        QCOMPARE(body.feed("POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n"),
                 HttpRequestParser::State::TooLarge);
        HttpRequestParser noSlash(1024, 16);
        QCOMPARE(noSlash.feed("GET x HTTP/1.1\r\n\r\n"), HttpRequestParser::State::Invalid);
    }

    void headerTokens()
    {
        HttpRequestParser parser(1024, 1024);
        parser.feed("GET /ws_entry HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: "
                    "WebSocket\r\n\r\n");
        const HttpRequest request = parser.take();
        QVERIFY(request.hasHeaderToken("connection", "upgrade"));
        QVERIFY(request.hasHeaderToken("upgrade", "websocket"));
        QVERIFY(!request.hasHeaderToken("upgrade", "h2c"));
    }
};

QTEST_GUILESS_MAIN(TestHttpRequest)
#include "tst_httprequest.moc"
