// URL encoding as v1 clients do it in JavaScript (encodeURIComponent / decodeURIComponent): every
// client must encode and decode message texts and user names the same way.

#include "validation/UrlEncoding.h"

#include <QRandomGenerator>
#include <QtTest>

using namespace ic::validation;

namespace {

// encodeURIComponent written out from ECMA-262 (§19.2.6.5): the unreserved set is
// A–Z a–z 0–9 - _ . ! ~ * ' ( ); everything else is UTF-8, each byte as %XX in upper case.
QString referenceEncode(const QString &text)
{
    static const QByteArray unreserved =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()";
    QString out;
    const QByteArray utf8 = text.toUtf8();
    for (char c : utf8) {
        if (unreserved.contains(c))
            out += QChar::fromLatin1(c);
        else
            out += QStringLiteral("%%1").arg(uint(quint8(c)), 2, 16, QChar(u'0')).toUpper();
    }
    return out;
}

QString randomText(QRandomGenerator &random)
{
    QString text;
    const int length = random.bounded(30);
    for (int i = 0; i < length; ++i) {
        char32_t c;
        switch (random.bounded(4)) {
        case 0:
            c = random.bounded(0x80);
            break;
        case 1:
            c = 0x80 + random.bounded(0x800 - 0x80);
            break;
        case 2:
            c = 0xE000 + random.bounded(0x10000 - 0xE000);
            break; // BMP above surrogates
        default:
            c = 0x10000 + random.bounded(0x110000 - 0x10000);
            break;
        }
        text += QString::fromUcs4(&c, 1);
    }
    return text;
}

} // namespace

class TestUrlEncoding : public QObject
{
    Q_OBJECT

private slots:
    void encodeLikeJavaScript_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("encoded");
        // Expected values as printed by node -e 'console.log(encodeURIComponent(...))'.
        QTest::newRow("space") << "Hello World"
                               << "Hello%20World";
        QTest::newRow("unreserved") << "-_.!~*'()"
                                    << "-_.!~*'()";
        QTest::newRow("reserved") << "/?:@&=+$,#"
                                  << "%2F%3F%3A%40%26%3D%2B%24%2C%23";
        QTest::newRow("brackets") << "[]{}"
                                  << "%5B%5D%7B%7D";
        QTest::newRow("percent") << "100%"
                                 << "100%25";
        QTest::newRow("quotes") << "\"a\""
                                << "%22a%22";
        QTest::newRow("newline tab") << "\n\t"
                                     << "%0A%09";
        QTest::newRow("umlaut") << QStringLiteral("ä") << "%C3%A4";
        QTest::newRow("euro") << QStringLiteral("€") << "%E2%82%AC";
        QTest::newRow("emoji") << QStringLiteral("😀") << "%F0%9F%98%80";
        QTest::newRow("empty") << ""
                               << "";
    }

    void encodeLikeJavaScript()
    {
        QFETCH(QString, text);
        QFETCH(QString, encoded);
        QCOMPARE(urlEncode(text), encoded);
    }

    void everyAsciiCharacter()
    {
        for (char16_t c = 0; c < 0x80; ++c) {
            const QString text(QChar{c});
            QCOMPARE(urlEncode(text), referenceEncode(text));
        }
    }

    void randomTextMatchesReferenceAndRoundTrips()
    {
        QRandomGenerator random(2026);
        for (int round = 0; round < 500; ++round) {
            const QString text = randomText(random);
            const QString encoded = urlEncode(text);
            QCOMPARE(encoded, referenceEncode(text));
            bool ok = false;
            QCOMPARE(urlDecode(encoded, &ok), text);
            QVERIFY(ok);
        }
    }

    void decode_data()
    {
        QTest::addColumn<QString>("encoded");
        QTest::addColumn<QString>("decoded");
        QTest::newRow("plain") << "abc"
                               << "abc";
        QTest::newRow("space") << "a%20b"
                               << "a b";
        QTest::newRow("lower-case hex") << "%c3%a4" << QStringLiteral("ä");
        QTest::newRow("mixed-case hex") << "%C3%a4" << QStringLiteral("ä");
        // decodeURIComponent leaves '+' alone (it is not form encoding).
        QTest::newRow("plus") << "a+b"
                              << "a+b";
        QTest::newRow("encoded percent") << "100%25"
                                         << "100%";
        QTest::newRow("double encoded stays once") << "%2520"
                                                   << "%20";
        QTest::newRow("emoji") << "%F0%9F%98%80" << QStringLiteral("😀");
        QTest::newRow("nul") << "a%00b"
                             << QString(QStringLiteral("a") + QChar(0) + QStringLiteral("b"));
        QTest::newRow("literal unicode kept") << QStringLiteral("ä%20ö") << QStringLiteral("ä ö");
        // A literal surrogate pair next to escapes must stay one character, not two U+FFFD.
        QTest::newRow("literal pair") << QStringLiteral("😀%20😀") << QStringLiteral("😀 😀");
        QTest::newRow("literal pair at end") << QStringLiteral("%41😀") << QStringLiteral("A😀");
        QTest::newRow("all ascii escapes") << "%21%2A%27%28%29"
                                           << "!*'()";
        // U+FEFF is a character like any other here, not a byte-order mark to strip.
        QTest::newRow("leading feff") << "%EF%BB%BFa" << QStringLiteral("\uFEFFa");
        QTest::newRow("literal feff") << QStringLiteral("\uFEFF%20") << QStringLiteral("\uFEFF ");
        QTest::newRow("only feff") << "%EF%BB%BF" << QStringLiteral("\uFEFF");
    }

    void decode()
    {
        QFETCH(QString, encoded);
        QFETCH(QString, decoded);
        bool ok = false;
        QCOMPARE(urlDecode(encoded, &ok), decoded);
        QVERIFY(ok);
        QCOMPARE(urlDecode(encoded), decoded); // ok is optional
    }

    // decodeURIComponent throws URIError on these; we report !ok and hand the input back.
    void invalid_data()
    {
        QTest::addColumn<QString>("encoded");
        QTest::newRow("lone percent") << "%";
        QTest::newRow("percent at end") << "abc%";
        QTest::newRow("one hex digit") << "%4";
        QTest::newRow("one hex digit at end") << "ab%4";
        QTest::newRow("not hex") << "%G1";
        QTest::newRow("not hex second") << "%1G";
        QTest::newRow("space in escape") << "% 41";
        QTest::newRow("double percent") << "%%41";
        QTest::newRow("non-ascii after percent") << QStringLiteral("%ä1");
        QTest::newRow("truncated utf8") << "%C3";
        QTest::newRow("truncated 4-byte") << "%F0%9F%98";
        QTest::newRow("lone continuation") << "%80";
        QTest::newRow("invalid byte ff") << "%FF";
        QTest::newRow("overlong slash") << "%C0%AF";
        QTest::newRow("overlong nul") << "%C0%80";
        QTest::newRow("utf8 surrogate") << "%ED%A0%80";
        QTest::newRow("utf8 surrogate pair (CESU-8)") << "%ED%A0%BD%ED%B8%80";
        QTest::newRow("above U+10FFFF") << "%F4%90%80%80";
        QTest::newRow("latin1 byte") << "caf%E9";
    }

    void invalid()
    {
        QFETCH(QString, encoded);
        bool ok = true;
        QCOMPARE(urlDecode(encoded, &ok), encoded);
        QVERIFY(!ok);
    }

    void characterCounts()
    {
        QCOMPARE(characterCount(u""), 0);
        QCOMPARE(characterCount(u"abc"), 3);
        QCOMPARE(characterCount(QStringLiteral("😀")), 1);
        QCOMPARE(characterCount(QStringLiteral("a😀b😀")), 4);
        QCOMPARE(characterCount(QStringLiteral("日本語")), 3);
        // Unpaired surrogates count as one character each (they still occupy the limit).
        QCOMPARE(characterCount(QString(QChar(0xD800))), 1);
        QCOMPARE(characterCount(QString(QChar(0xDC00)) + QChar(0xD800)), 2); // reversed: no pair
        QCOMPARE(characterCount(QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b")), 3);
    }
};

QTEST_APPLESS_MAIN(TestUrlEncoding)
#include "tst_urlencoding.moc"
