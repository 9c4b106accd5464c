// The `session` cookie (docs/protocol.md §3.1) is every user's secret identity: it must be random,
// it must round-trip, and anything that is not a real UUID must be refused rather than mapped to
// some shared identity.

#include "session/SessionCookie.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRegularExpression>
#include <QtTest>

using namespace ic::session;

namespace {

QByteArray cookieWith(const QByteArray &json)
{
    return json.toBase64();
}

} // namespace

class TestSessionCookie : public QObject
{
    Q_OBJECT

private slots:
    void createParseRoundTrip()
    {
        const QByteArray value = createCookieValue();
        const std::optional<QUuid> uuid = parseCookieValue(value);
        QVERIFY(uuid);
        QVERIFY(!uuid->isNull());

        // The value is standard base64 with padding of {"sessionUUID","startedAt"}.
        QVERIFY(QRegularExpression(QStringLiteral("^[A-Za-z0-9+/]+={0,2}$"))
                    .match(QString::fromLatin1(value))
                    .hasMatch());
        QCOMPARE(value.size() % 4, 0);
        const QJsonObject object = QJsonDocument::fromJson(QByteArray::fromBase64(value)).object();
        QCOMPARE(object.value(u"sessionUUID").toString(), uuid->toString(QUuid::WithoutBraces));
        const QDateTime started =
            QDateTime::fromString(object.value(u"startedAt").toString(), Qt::ISODateWithMs);
        QVERIFY(started.isValid());
        QVERIFY(qAbs(started.secsTo(QDateTime::currentDateTimeUtc())) < 60);
    }

    // [differs] random v4 UUIDs, never time-based ones that leak when and where they were made.
    void uuidsAreRandomV4()
    {
        QSet<QUuid> seen;
        for (int i = 0; i < 200; ++i) {
            const std::optional<QUuid> uuid = parseCookieValue(createCookieValue());
            QVERIFY(uuid);
            QCOMPARE(uuid->version(), QUuid::Random);
            QCOMPARE(uuid->variant(), QUuid::DCE);
            seen.insert(*uuid);
        }
        QCOMPARE(seen.size(), 200);
    }

    void acceptsOtherImplementationsCookies()
    {
        // Cookies set by other v1 balancers carry the same JSON; key order and extra keys vary.
        const QByteArray value = cookieWith(
            R"({"startedAt":"2024-01-01T00:00:00Z","sessionUUID":"3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f","x":1})");
        const std::optional<QUuid> uuid = parseCookieValue(value);
        QVERIFY(uuid);
        QCOMPARE(*uuid, QUuid::fromString(u"3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f"));
    }

    void refusals_data()
    {
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("not base64") << QByteArray("!!!not-base64!!!");
        QTest::newRow("base64 with junk")
            << (cookieWith(R"({"sessionUUID":"3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f"})") + "$$");
        QTest::newRow("base64 of text") << cookieWith("hello world");
        QTest::newRow("base64 of array")
            << cookieWith(R"(["3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f"])");
        QTest::newRow("no sessionUUID") << cookieWith(R"({"startedAt":"x"})");
        QTest::newRow("empty sessionUUID") << cookieWith(R"({"sessionUUID":""})");
        QTest::newRow("null sessionUUID") << cookieWith(R"({"sessionUUID":null})");
        QTest::newRow("number sessionUUID") << cookieWith(R"({"sessionUUID":12345})");
        QTest::newRow("not a uuid") << cookieWith(R"({"sessionUUID":"hello"})");
        QTest::newRow("36 chars not a uuid")
            << cookieWith(R"({"sessionUUID":"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"})");
        QTest::newRow("dashes misplaced")
            << cookieWith(R"({"sessionUUID":"3f2b8c1e9-d4a-4b6f-8e2d-1a2b3c4d5e6f"})");
        QTest::newRow("nil uuid") << cookieWith(
            R"({"sessionUUID":"00000000-0000-0000-0000-000000000000"})");
        QTest::newRow("braced uuid")
            << cookieWith(R"({"sessionUUID":"{3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f}"})");
        QTest::newRow("uuid with spaces")
            << cookieWith(R"({"sessionUUID":" 3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f "})");
        QTest::newRow("uuid without dashes")
            << cookieWith(R"({"sessionUUID":"3f2b8c1e9d4a4b6f8e2d1a2b3c4d5e6f"})");
        QTest::newRow("oversized") << QByteArray(5000, 'A');
    }

    void refusals()
    {
        QFETCH(QByteArray, value);
        QVERIFY(!parseCookieValue(value));
        QVERIFY(!sessionFromCookieHeader("session=" + value));
    }

    void headerExtraction_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<bool>("found");
        QTest::addColumn<QByteArray>("value");
        QTest::newRow("alone") << QByteArray("session=abc") << true << QByteArray("abc");
        QTest::newRow("first of several")
            << QByteArray("session=abc; theme=dark") << true << QByteArray("abc");
        QTest::newRow("middle") << QByteArray("a=1; session=abc; b=2") << true << QByteArray("abc");
        QTest::newRow("last no space")
            << QByteArray("a=1;session=abc") << true << QByteArray("abc");
        QTest::newRow("trailing semicolon")
            << QByteArray("a=1; session=abc;") << true << QByteArray("abc");
        QTest::newRow("spaces around")
            << QByteArray("  session = abc  ; b=2") << true << QByteArray("abc");
        QTest::newRow("quoted") << QByteArray("a=1; session=\"abc\"") << true << QByteArray("abc");
        QTest::newRow("base64 padding kept")
            << QByteArray("session=eyJ9==; x=y") << true << QByteArray("eyJ9==");
        QTest::newRow("prefix name ignored")
            << QByteArray("xsession=1; session=2") << true << QByteArray("2");
        QTest::newRow("suffix name ignored")
            << QByteArray("sessionid=1; session=2") << true << QByteArray("2");
        QTest::newRow("empty value") << QByteArray("session=") << true << QByteArray();
        QTest::newRow("only other cookies")
            << QByteArray("sessionid=1; a=session") << false << QByteArray();
        QTest::newRow("name only") << QByteArray("session") << false << QByteArray();
        QTest::newRow("names are case-sensitive")
            << QByteArray("Session=abc") << false << QByteArray();
        QTest::newRow("empty header") << QByteArray() << false << QByteArray();
        QTest::newRow("only separators") << QByteArray(";;; ;") << false << QByteArray();
    }

    void headerExtraction()
    {
        QFETCH(QByteArray, header);
        QFETCH(bool, found);
        QFETCH(QByteArray, value);
        const std::optional<QByteArray> extracted = cookieValueFromHeader(header);
        QCOMPARE(extracted.has_value(), found);
        if (found)
            QCOMPARE(*extracted, value);
    }

    void sessionFromHeader()
    {
        const QByteArray value = createCookieValue();
        const std::optional<QUuid> expected = parseCookieValue(value);
        QVERIFY(expected);
        QCOMPARE(sessionFromCookieHeader("theme=dark; session=" + value + "; lang=de"), expected);
        QCOMPARE(sessionFromCookieHeader("session=\"" + value + "\""), expected);
        QVERIFY(!sessionFromCookieHeader("theme=dark"));
        QVERIFY(!sessionFromCookieHeader("session=" + value.left(value.size() - 8)));
    }

    void setCookieAttributes_data()
    {
        QTest::addColumn<bool>("secure");
        QTest::newRow("http") << false;
        QTest::newRow("https") << true;
    }

    void setCookieAttributes()
    {
        QFETCH(bool, secure);
        const QByteArray value = createCookieValue();
        const QByteArray header = setCookieHeaderValue(value, secure);
        QVERIFY(header.startsWith("session=" + value + ";"));
        const QList<QByteArray> parts = header.split(';');
        QSet<QByteArray> attributes;
        QByteArray expires;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray part = parts[i].trimmed();
            const QByteArray name =
                part.left(part.indexOf('=') < 0 ? part.size() : part.indexOf('='));
            attributes.insert(name.toLower());
            if (name == "Expires")
                expires = part.mid(8);
        }
        QVERIFY(attributes.contains("path"));
        QVERIFY(header.contains("; Path=/"));
        QVERIFY(attributes.contains("httponly"));
        QVERIFY(header.contains("; SameSite=Strict"));
        QVERIFY(header.contains("; Max-Age=315360000"));
        QCOMPARE(attributes.contains("secure"), secure);
        // Expires is an RFC 1123 date about ten years ahead (for clients that ignore Max-Age).
        const QDateTime expiry = QLocale::c().toDateTime(
            QString::fromLatin1(expires), QStringLiteral("ddd, dd MMM yyyy hh:mm:ss 'GMT'"));
        QVERIFY2(expiry.isValid(), expires.constData());
        const qint64 days = QDateTime::currentDateTimeUtc().daysTo(
            QDateTime(expiry.date(), expiry.time(), Qt::UTC));
        QVERIFY2(days > 3640 && days < 3660, qPrintable(QString::number(days)));
    }
};

QTEST_APPLESS_MAIN(TestSessionCookie)
#include "tst_sessioncookie.moc"
