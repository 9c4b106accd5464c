// Request framing limits (the guard in front of QHttpServer) and form parsing.

#include "core/FormData.h"
#include "core/RequestGuard.h"

#include <QTest>

using namespace ic::balancer;

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
