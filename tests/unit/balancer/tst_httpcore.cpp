// Request framing limits (the guard in front of QHttpServer) and form parsing.

#include "core/FormData.h"
#include "core/RequestGuard.h"

#include <QTest>

using namespace ic::balancer;

Q_DECLARE_METATYPE(RequestFramer::Verdict)
Q_DECLARE_METATYPE(RequestFramer::Phase)

class TestHttpCore : public QObject
{
    Q_OBJECT
private slots:
    void keepAliveRequestsAreFramed()
    {
        RequestFramer framer(RequestLimits{1024, 100});
        const QByteArray post =
            "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n" + QByteArray(100, 'a');
        const QByteArray get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        // Several requests in one read, and one request split at every byte.
        QCOMPARE(framer.feed(post + get + post), RequestFramer::Verdict::Ok);
        const QByteArray all = get + post + get;
        for (char c : all)
            QCOMPARE(framer.feed(QByteArrayView(&c, 1)), RequestFramer::Verdict::Ok);
    }

    void bodyTooLarge()
    {
        RequestFramer framer(RequestLimits{1024, 100});
        QCOMPARE(framer.feed("POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n"),
                 RequestFramer::Verdict::BodyTooLarge);
        RequestFramer chunked(RequestLimits{1024, 100});
        QCOMPARE(chunked.feed("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
                 RequestFramer::Verdict::Ok);
        QCOMPARE(chunked.feed("1000\r\n" + QByteArray(70 * 1024, 'a')),
                 RequestFramer::Verdict::BodyTooLarge);
    }

    void headersTooLarge()
    {
        RequestFramer framer(RequestLimits{1024, 100});
        QCOMPARE(framer.feed("GET / HTTP/1.1\r\nX-Big: " + QByteArray(2000, 'a')),
                 RequestFramer::Verdict::HeadersTooLarge);
        RequestFramer ok(RequestLimits{1024, 100});
        QCOMPARE(ok.feed("GET / HTTP/1.1\r\nX-Big: " + QByteArray(900, 'a') + "\r\n\r\n"),
                 RequestFramer::Verdict::Ok);
    }

    void malformedLength()
    {
        RequestFramer framer(RequestLimits{1024, 100});
        QCOMPARE(framer.feed("POST /x HTTP/1.1\r\nContent-Length: -5\r\n\r\n"),
                 RequestFramer::Verdict::Malformed);
    }

    // Chunked bodies are followed chunk by chunk with the limits {header 1024, body 100}: the
    // decoded bytes may not pass 100, the raw ones not 1124; nothing inside chunk data ends the
    // body. `complete`: the request ended, so the next bytes are a new request's head.
    // What QHttpServer would frame differently from the guard (request smuggling past the
    // guard's limits and deadlines) is refused before QHttpServer reads it.
    void ambiguousHeads_data()
    {
        QTest::addColumn<QByteArray>("request");
        const QByteArray inner = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
        QTest::newRow("space before colon")
            << "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length : 37\r\n\r\n" + inner;
        QTest::newRow("signed length") << "POST /x HTTP/1.1\r\nContent-Length: +37\r\n\r\n" + inner;
        QTest::newRow("empty length") << QByteArray("POST /x HTTP/1.1\r\nContent-Length:\r\n\r\n");
        QTest::newRow("bare LF head") << QByteArray("GET /healthz HTTP/1.1\nHost: x\n\n");
        QTest::newRow("HTTP/0.9 request line") << QByteArray("GET /healthz\r\n\r\n");
        QTest::newRow("no version") << QByteArray("GET /healthz \r\nHost: x\r\n\r\n");
        QTest::newRow("bare LF line") << QByteArray("GET /x HTTP/1.1\r\nHost: x\nX: y\r\n\r\n");
    }

    void ambiguousHeads()
    {
        QFETCH(QByteArray, request);
        RequestFramer framer(RequestLimits{1024, 100});
        QCOMPARE(framer.feed(request), RequestFramer::Verdict::Malformed);
    }

    void absoluteFormAndLeadingLineAccepted()
    {
        RequestFramer framer(RequestLimits{1024, 100});
        QCOMPARE(framer.feed("\r\nGET http://x/healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
                 RequestFramer::Verdict::Ok);
        QCOMPARE(framer.phase(), RequestFramer::Phase::Idle);
    }

    void chunkedBodies_data()
    {
        using V = RequestFramer::Verdict;
        QTest::addColumn<QByteArray>("head");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<V>("verdict");
        QTest::addColumn<bool>("complete");
        const QByteArray chunked =
            "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
        QByteArray withTerminator = QByteArray("ab\r\n0\r\n\r\n").leftJustified(0x20, 'x');
        QTest::newRow("simple") << chunked << QByteArray("5\r\nhello\r\n0\r\n\r\n") << V::Ok
                                << true;
        QTest::newRow("terminator inside chunk data")
            << chunked << "20\r\n" + withTerminator + "\r\n"
            << V::Ok << false;
        QTest::newRow("terminator inside data, over the limit")
            << chunked
            << "20\r\n" + withTerminator + "\r\n20\r\n" + withTerminator + "\r\n20\r\n" +
                   withTerminator + "\r\n20\r\n" + withTerminator
            << V::BodyTooLarge << false;
        QTest::newRow("exactly at the limit")
            << chunked << "64\r\n" + QByteArray(100, 'a') + "\r\n0\r\n\r\n"
            << V::Ok << true;
        QTest::newRow("one byte over, one chunk")
            << chunked << QByteArray("65\r\n") << V::BodyTooLarge << false;
        QTest::newRow("one byte over, two chunks")
            << chunked << "32\r\n" + QByteArray(50, 'a') + "\r\n33\r\n"
            << V::BodyTooLarge << false;
        QTest::newRow("huge chunk size")
            << chunked << QByteArray("ffffffff\r\n") << V::BodyTooLarge << false;
        QTest::newRow("hex overflow") << chunked << QByteArray("1" + QByteArray(40, '0') + "\r\n")
                                      << V::BodyTooLarge << false;
        QTest::newRow("2^64 wraps to 0 when parsed naively")
            << chunked << QByteArray("10000000000000000\r\n0\r\n\r\n") << V::BodyTooLarge << false;
        QTest::newRow("extensions")
            << chunked << QByteArray("5;name=value;q=\"x y\"\r\nhello\r\n0;last\r\n\r\n") << V::Ok
            << true;
        QTest::newRow("space before an extension")
            << chunked << QByteArray("5 ;a=b\r\nhello\r\n0\r\n\r\n") << V::Ok << true;
        QTest::newRow("trailers") << chunked
                                  << QByteArray("5\r\nhello\r\n0\r\nX-Sum: 1\r\nY: 2\r\n\r\n")
                                  << V::Ok << true;
        QTest::newRow("trailer line too long")
            << chunked << "0\r\nX: " + QByteArray(1100, 'a') << V::Malformed << false;
        QTest::newRow("extension line too long")
            << chunked << "5;" + QByteArray(2000, 'e') << V::Malformed << false;
        QByteArray overhead;
        for (int i = 0; i < 6; ++i)
            overhead += "1;" + QByteArray(200, 'e') + "\r\na\r\n";
        QTest::newRow("framing bytes over the raw limit")
            << chunked << overhead << V::BodyTooLarge << false;
        QTest::newRow("not hex") << chunked << QByteArray("zz\r\n") << V::Malformed << false;
        QTest::newRow("no size") << chunked << QByteArray("\r\n") << V::Malformed << false;
        QTest::newRow("negative size") << chunked << QByteArray("-5\r\n") << V::Malformed << false;
        QTest::newRow("data longer than its size")
            << chunked << QByteArray("5\r\nhelloX\r\n") << V::Malformed << false;
        QTest::newRow("bare LF") << chunked << QByteArray("5\nhello\n0\n\n") << V::Malformed
                                 << false;
        QTest::newRow("coding after chunked")
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
            << QByteArray() << V::Malformed << false;
        QTest::newRow("chunked after another coding")
            << QByteArray("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
            << QByteArray("0\r\n\r\n") << V::Ok << true;
        QTest::newRow("length and chunked")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: "
                          "chunked\r\n\r\n")
            << QByteArray() << V::Malformed << false;
        QTest::newRow("two lengths")
            << QByteArray("POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")
            << QByteArray() << V::Malformed << false;
    }

    void chunkedBodies()
    {
        QFETCH(QByteArray, head);
        QFETCH(QByteArray, body);
        QFETCH(RequestFramer::Verdict, verdict);
        QFETCH(bool, complete);
        const QByteArray next = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        // In one piece, and split at every byte: the first verdict that is not Ok is the same.
        RequestFramer whole(RequestLimits{1024, 100});
        QCOMPARE(whole.feed(head + body), verdict);
        RequestFramer bytes(RequestLimits{1024, 100});
        RequestFramer::Verdict first = RequestFramer::Verdict::Ok;
        for (char c : head + body) {
            first = bytes.feed(QByteArrayView(&c, 1));
            if (first != RequestFramer::Verdict::Ok)
                break;
        }
        QCOMPARE(first, verdict);
        if (verdict != RequestFramer::Verdict::Ok)
            return;
        QCOMPARE(whole.phase() == RequestFramer::Phase::Idle, complete);
        if (complete) {
            // The next request's head is framed as one (a GET with no body ends at once).
            QCOMPARE(whole.feed(next), RequestFramer::Verdict::Ok);
            QCOMPARE(whole.phase(), RequestFramer::Phase::Idle);
        } else {
            QCOMPARE(whole.phase(), RequestFramer::Phase::Body);
        }
    }

    // The phases the guard's deadlines follow.
    void phases()
    {
        RequestFramer framer(RequestLimits{1024, 100});
        QCOMPARE(framer.phase(), RequestFramer::Phase::Idle);
        QCOMPARE(framer.feed("POST /x HTTP/1.1\r\nHost"), RequestFramer::Verdict::Ok);
        QCOMPARE(framer.phase(), RequestFramer::Phase::Head);
        QCOMPARE(framer.feed(": a\r\nContent-Length: 3\r\n\r\nab"), RequestFramer::Verdict::Ok);
        QCOMPARE(framer.phase(), RequestFramer::Phase::Body);
        QCOMPARE(framer.feed("c"), RequestFramer::Verdict::Ok);
        QCOMPARE(framer.phase(), RequestFramer::Phase::Idle);
    }

    void urlEncodedForm()
    {
        const auto form = parseForm(
            "application/x-www-form-urlencoded; charset=UTF-8",
            "file_name=a+b&file_content=data%3Aimage%2Fpng%3Bbase64%2CAB%2B%2F%3D&empty=");
        QVERIFY(form);
        QCOMPARE(form->value(QStringLiteral("file_name")), QStringLiteral("a b"));
        QCOMPARE(form->value(QStringLiteral("file_content")),
                 QStringLiteral("data:image/png;base64,AB+/="));
        QVERIFY(form->contains(QStringLiteral("empty")));
    }

    void multipartForm()
    {
        const QByteArray body =
            "--XyZ\r\nContent-Disposition: form-data; name=\"file_name\"\r\n\r\npic\r\n"
            "--XyZ\r\nContent-Disposition: form-data; "
            "name=\"file_content\"\r\n\r\ndata:image/png;base64,AAAA\r\n"
            "--XyZ--\r\n";
        const auto form = parseForm("multipart/form-data; boundary=XyZ", body);
        QVERIFY(form);
        QCOMPARE(form->value(QStringLiteral("file_name")), QStringLiteral("pic"));
        QCOMPARE(form->value(QStringLiteral("file_content")),
                 QStringLiteral("data:image/png;base64,AAAA"));
        QVERIFY(!parseForm("multipart/form-data; boundary=XyZ", "garbage"));
        QVERIFY(!parseForm("application/json", "{}"));
    }
};

QTEST_GUILESS_MAIN(TestHttpCore)
#include "tst_httpcore.moc"
