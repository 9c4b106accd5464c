// JsonWriter is how the server serialises every broadcast, so its output must be valid JSON that
// any client parser (browser, Jackson, Qt) reads back to exactly the values that were written.

#include "protocol/JsonWriter.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QtTest>

using ic::proto::appendJsonString;
using ic::proto::JsonWriter;

namespace {

QByteArray quoted(QStringView text)
{
    QByteArray out;
    appendJsonString(out, text);
    return out;
}

// Parses `["<literal>"]` so a bare string literal can go through a strict JSON parser.
QString parseBack(const QByteArray &literal, bool *ok)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson("[" + literal + "]", &error);
    *ok = error.error == QJsonParseError::NoError && document.isArray();
    return document.array().at(0).toString();
}

} // namespace

class TestJsonWriter : public QObject
{
    Q_OBJECT

private slots:
    void emptyContainers()
    {
        JsonWriter writer;
        writer.beginObject();
        writer.endObject();
        QCOMPARE(writer.bytes(), QByteArray("{}"));

        JsonWriter array;
        array.beginArray();
        array.endArray();
        QCOMPARE(array.bytes(), QByteArray("[]"));
    }

    void commasBetweenMembersAndElements()
    {
        JsonWriter writer;
        writer.beginObject();
        writer.member("a", qint64(1));
        writer.key("b");
        writer.beginArray();
        writer.beginObject();
        writer.endObject();
        writer.beginObject();
        writer.member("x", true);
        writer.endObject();
        writer.value(qint64(-7));
        writer.nullValue();
        writer.endArray();
        writer.member("c", u"text");
        writer.key("d");
        writer.nullValue();
        writer.endObject();
        QCOMPARE(writer.bytes(),
                 QByteArray(R"({"a":1,"b":[{},{"x":true},-7,null],"c":"text","d":null})"));
        QVERIFY(QJsonDocument::fromJson(writer.bytes()).isObject());
    }

    // Regression: with a plain `bool` overload, u"OK" converted to a pointer and then to bool,
    // so member("kA", u"OK") wrote {"kA":true} and every ER frame started with "c":true.
    void stringLiteralIsWrittenAsString()
    {
        JsonWriter writer;
        writer.beginObject();
        writer.member("kA", u"OK");
        writer.key("c");
        writer.value(u"ER");
        writer.endObject();
        QCOMPARE(writer.bytes(), QByteArray(R"({"kA":"OK","c":"ER"})"));
    }

    void booleansAndIntegers()
    {
        JsonWriter writer;
        writer.beginObject();
        writer.member("t", true);
        writer.member("f", false);
        writer.member("int", 5); // a plain int must pick the integer overload, not bool
        writer.member("max", std::numeric_limits<qint64>::max());
        writer.member("min", std::numeric_limits<qint64>::min());
        writer.endObject();
        QCOMPARE(writer.bytes(),
                 QByteArray(R"({"t":true,"f":false,"int":5,"max":9223372036854775807,)"
                            R"("min":-9223372036854775808})"));
    }

    // Plain literals here, not raw strings: moc (6.4) mis-lexes raw strings holding backslashes
    // and then silently finds no Q_OBJECT class in the file.
    void escapes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("plain") << QStringLiteral("abc") << QByteArray("\"abc\"");
        QTest::newRow("empty") << QString() << QByteArray("\"\"");
        QTest::newRow("quote") << QStringLiteral("a\"b") << QByteArray("\"a\\\"b\"");
        QTest::newRow("backslash") << QStringLiteral("a\\b") << QByteArray("\"a\\\\b\"");
        QTest::newRow("newline") << QStringLiteral("a\nb") << QByteArray("\"a\\nb\"");
        QTest::newRow("cr tab") << QStringLiteral("\r\t") << QByteArray("\"\\r\\t\"");
        QTest::newRow("bs ff") << QStringLiteral("\b\f") << QByteArray("\"\\b\\f\"");
        QTest::newRow("nul") << QString(QChar(0)) << QByteArray("\"\\u0000\"");
        QTest::newRow("0x1f") << QString(QChar(0x1f)) << QByteArray("\"\\u001f\"");
        QTest::newRow("0x01") << QString(QChar(0x01)) << QByteArray("\"\\u0001\"");
        // DEL and '/' need no escaping; writing them raw keeps frames short.
        QTest::newRow("del slash") << QStringLiteral("\x7f/") << QByteArray("\"\x7f/\"");
        QTest::newRow("latin1") << QStringLiteral("é") << QByteArray("\"\xc3\xa9\"");
        QTest::newRow("cjk") << QStringLiteral("日本")
                             << QByteArray("\"\xe6\x97\xa5\xe6\x9c\xac\"");
        QTest::newRow("emoji pair") << QStringLiteral("😀") << QByteArray("\"\xf0\x9f\x98\x80\"");
        QTest::newRow("mixed") << QStringLiteral("a\"é\n😀z")
                               << QByteArray("\"a\\\"\xc3\xa9\\n\xf0\x9f\x98\x80z\"");
    }

    void escapes()
    {
        QFETCH(QString, text);
        QFETCH(QByteArray, expected);
        QCOMPARE(quoted(text), expected);
        bool ok = false;
        QCOMPARE(parseBack(quoted(text), &ok), text);
        QVERIFY(ok);
    }

    // A lone surrogate has no UTF-8 form. It is written as a \uXXXX escape (as QJsonDocument
    // does), so the output stays valid UTF-8 JSON and parses back to the very same string: an
    // echoed `rq` must match what the client sent.
    void loneSurrogatesAreEscaped()
    {
        const QString text =
            QStringLiteral("a") + QChar(0xD800) + QStringLiteral("b") + QChar(0xDC00);
        const QByteArray out = quoted(text);
        QCOMPARE(out, QByteArray("\"a\\ud800b\\udc00\""));
        QStringDecoder strict(QStringDecoder::Utf8);
        strict.decode(out);
        QVERIFY(!strict.hasError());
        bool ok = false;
        QCOMPARE(parseBack(out, &ok), text);
        QVERIFY(ok);

        // A reversed pair is two lone surrogates; a lone high one before a real pair keeps the
        // pair.
        const QString reversed = QString(QChar(0xDC00)) + QChar(0xD800);
        QCOMPARE(quoted(reversed), QByteArray("\"\\udc00\\ud800\""));
        const QString mixed = QString(QChar(0xD800)) + QStringLiteral("😀é");
        QCOMPARE(quoted(mixed), QByteArray("\"\\ud800\xf0\x9f\x98\x80\xc3\xa9\""));
        QCOMPARE(parseBack(quoted(mixed), &ok), mixed);
        QVERIFY(ok);
    }

    // Every character (astral ones and lone surrogates included) survives write → strict parse
    // unchanged.
    void randomTextRoundTrip()
    {
        QRandomGenerator random(12345);
        for (int round = 0; round < 300; ++round) {
            QString text;
            const int length = random.bounded(40);
            for (int i = 0; i < length; ++i) {
                const quint32 kind = random.bounded(5);
                char32_t c;
                if (kind == 0)
                    c = random.bounded(0x80);
                else if (kind == 1)
                    c = random.bounded(0x20);
                else if (kind == 2)
                    c = 0x10000 + random.bounded(0x100000 - 0x10000);
                else if (kind == 3)
                    c = random.bounded(0xD800);
                else
                    c = 0xD800 + random.bounded(0x800); // a lone surrogate (or an accidental pair)
                if (c >= 0xD800 && c < 0xE000)
                    text.append(QChar(char16_t(c))); // fromUcs4 would replace it
                else
                    text.append(QString::fromUcs4(&c, 1));
            }
            bool ok = false;
            QCOMPARE(parseBack(quoted(text), &ok), text);
            QVERIFY(ok);
        }
    }

    void takeMovesTheBuffer()
    {
        JsonWriter writer;
        writer.beginArray();
        writer.value(qint64(1));
        writer.endArray();
        const QByteArray taken = writer.take();
        QCOMPARE(taken, QByteArray("[1]"));
    }
};

QTEST_APPLESS_MAIN(TestJsonWriter)
#include "tst_jsonwriter.moc"
