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

    // Framing another parser could read differently (a proxy in front of the server): refused,
    // never guessed at, so no request can be smuggled past what the proxy saw.
    void refusesAmbiguousFraming_data()
    {
        QTest::addColumn<QByteArray>("request");
        QTest::newRow("two lengths") << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 0\r\n"
                                                   "Content-Length: 40\r\n\r\n");
        QTest::newRow("same length twice")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
        QTest::newRow("signed length")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: +3\r\n\r\nabc");
        QTest::newRow("empty length") << QByteArray("POST /x HTTP/1.1\r\nContent-Length:\r\n\r\n");
        QTest::newRow("hex length")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 0x3\r\n\r\n");
        QTest::newRow("space before colon")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length : 3\r\n\r\nabc");
        QTest::newRow("tab before colon")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length\t: 3\r\n\r\nabc");
        QTest::newRow("bare LF between headers")
            << QByteArray("POST /x HTTP/1.1\r\nHost: x\nContent-Length: 3\r\n\r\nabc");
        QTest::newRow("bare CR in a header")
            << QByteArray("POST /x HTTP/1.1\r\nHost: x\rContent-Length: 3\r\n\r\nabc");
        QTest::newRow("folded line") << QByteArray("GET /x HTTP/1.1\r\nHost: x\r\n y\r\n\r\n");
    }

    void refusesAmbiguousFraming()
    {
        QFETCH(QByteArray, request);
        HttpRequestParser parser(1024, 1024);
        QCOMPARE(parser.feed(request), HttpRequestParser::State::Invalid);
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
