// Input rules of docs/protocol.md §2.3 and §6: canonical room names, allowed characters, reserved
// names, user names and the text limits. The server, the balancer and the clients all use these,
// so a mistake here is a mistake everywhere.

#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QtTest>

using namespace ic::validation;
using ic::proto::Limits;

namespace {

// The reserved names exactly as docs/protocol.md §2.3 lists them.
const QStringList protocolReservedRoomNames{QStringLiteral("metrics"),
                                            QStringLiteral("ctrl"),
                                            QStringLiteral("ctrl_rooms"),
                                            QStringLiteral("ctrl_command"),
                                            QStringLiteral("ws_entry"),
                                            QStringLiteral("hw"),
                                            QStringLiteral("dashboards"),
                                            QStringLiteral("about"),
                                            QStringLiteral("terms-of-service"),
                                            QStringLiteral("privacy-policy"),
                                            QStringLiteral("control_page_proxy"),
                                            QStringLiteral("favicon.ico"),
                                            QStringLiteral("connection-methods"),
                                            QStringLiteral("universal-access"),
                                            QStringLiteral("app-win"),
                                            QStringLiteral("app-win-version"),
                                            QStringLiteral("direct_retrieval"),
                                            QStringLiteral("direct_sending"),
                                            QStringLiteral("pick_backend"),
                                            QStringLiteral("static"),
                                            QStringLiteral("r"),
                                            QStringLiteral("s"),
                                            QStringLiteral("get_text_file"),
                                            QStringLiteral("upload_text_file"),
                                            QStringLiteral("get_url_preview"),
                                            QStringLiteral("healthz"),
                                            QStringLiteral("admin"),
                                            QStringLiteral("api"),
                                            QStringLiteral("internal"),
                                            QStringLiteral("sd"),
                                            QStringLiteral("robots.txt")};

QString repeated(QStringView unit, int times)
{
    QString out;
    for (int i = 0; i < times; ++i)
        out += unit;
    return out;
}

// Alternating upper/lower case, so a check that only handles all-lower or all-upper fails.
QString mixedCase(const QString &text)
{
    QString out = text;
    for (qsizetype i = 0; i < out.size(); ++i)
        out[i] = (i % 2) ? out[i].toUpper() : out[i].toLower();
    return out;
}

const QString emoji = QStringLiteral("😀"); // one code point, two UTF-16 units

} // namespace

class TestValidation : public QObject
{
    Q_OBJECT

private slots:
    void canonicalRoomNames_data()
    {
        QTest::addColumn<QString>("input");
        QTest::addColumn<QString>("canonical");
        QTest::newRow("lower") << "room"
                               << "room";
        QTest::newRow("upper") << "ROOM"
                               << "room";
        QTest::newRow("capital") << "Room"
                                 << "room";
        QTest::newRow("leading space") << " room"
                                       << "room";
        QTest::newRow("tabs newlines") << "\t Room \n"
                                       << "room";
        QTest::newRow("inner space kept") << " My Room "
                                          << "my room";
        QTest::newRow("nbsp trimmed") << QStringLiteral("\u00a0Room\u00a0") << "room";
        QTest::newRow("ideographic space trimmed")
            << QStringLiteral("\u3000部屋\u3000") << QStringLiteral("部屋");
        QTest::newRow("german") << QStringLiteral("ÄÖÜ-Raum") << QStringLiteral("äöü-raum");
        QTest::newRow("cyrillic") << QStringLiteral("КОМНАТА") << QStringLiteral("комната");
        QTest::newRow("greek") << QStringLiteral("ΔΩΜΑΤΙΟ") << QStringLiteral("δωματιο");
        QTest::newRow("fullwidth latin")
            << QStringLiteral("ＲＯＯＭ") << QStringLiteral("ｒｏｏｍ");
        QTest::newRow("astral deseret") << QStringLiteral("𐐀𐐁x") << QStringLiteral("𐐨𐐩x");
        QTest::newRow("digits untouched") << "123"
                                          << "123";
    }

    void canonicalRoomNames()
    {
        QFETCH(QString, input);
        QFETCH(QString, canonical);
        QCOMPARE(canonicalRoomName(input), canonical);
        // Canonicalising twice changes nothing: the balancer and the server may both do it.
        QCOMPARE(canonicalRoomName(canonicalRoomName(input)), canonical);
    }

    void validRoomNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("three") << "abc";
        QTest::newRow("every special") << "a!@$*()_-,.~[]";
        QTest::newRow("only specials") << "!@$*()_-,.~[]";
        QTest::newRow("digits") << "123";
        QTest::newRow("cyrillic") << QStringLiteral("комната");
        QTest::newRow("cjk") << QStringLiteral("部屋です");
        QTest::newRow("arabic-indic digits") << QStringLiteral("غرفة١٢٣");
        QTest::newRow("100 chars") << repeated(u"a", 100);
        QTest::newRow("3 astral letters") << QStringLiteral("𐐨𐐩𐐪");
        QTest::newRow("100 astral letters (200 UTF-16 units)") << repeated(u"𐐨", 100);
        QTest::newRow("near-reserved") << "metrics2";
        QTest::newRow("reserved as prefix") << "admin-room";
        QTest::newRow("reserved with dot") << "static.";
    }

    void validRoomNames()
    {
        QFETCH(QString, name);
        QCOMPARE(checkRoomName(name), ErrorCode::None);
        QVERIFY(!isReservedRoomName(name));
    }

    void invalidRoomNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<ErrorCode>("error");
        QTest::newRow("empty") << "" << ErrorCode::RoomNameLength;
        QTest::newRow("two") << "ab" << ErrorCode::RoomNameLength;
        QTest::newRow("101") << repeated(u"a", 101) << ErrorCode::RoomNameLength;
        // Lengths are code points: two emoji are four UTF-16 units but only two characters.
        QTest::newRow("2 astral letters") << QStringLiteral("𐐨𐐩") << ErrorCode::RoomNameLength;
        QTest::newRow("101 astral letters") << repeated(u"𐐨", 101) << ErrorCode::RoomNameLength;
        QTest::newRow("space") << "my room" << ErrorCode::RoomNameCharacters;
        QTest::newRow("slash") << "a/b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("backslash") << "a\\b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("question") << "a?b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("hash") << "a#b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("percent") << "a%20b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("ampersand") << "a&b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("plus") << "a+b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("equals") << "a=b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("quote") << "a'b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("double quote") << "a\"b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("angle") << "<b>x" << ErrorCode::RoomNameCharacters;
        QTest::newRow("colon") << "a:b" << ErrorCode::RoomNameCharacters;
        QTest::newRow("braces") << "{ab}" << ErrorCode::RoomNameCharacters;
        QTest::newRow("emoji") << QStringLiteral("ab😀") << ErrorCode::RoomNameCharacters;
        QTest::newRow("control") << QStringLiteral("ab\u0001") << ErrorCode::RoomNameCharacters;
        QTest::newRow("zero width space")
            << QStringLiteral("ab\u200bc") << ErrorCode::RoomNameCharacters;
        QTest::newRow("rtl override")
            << QStringLiteral("ab\u202ec") << ErrorCode::RoomNameCharacters;
        QTest::newRow("lone surrogate")
            << (QStringLiteral("abc") + QChar(0xD800)) << ErrorCode::RoomNameCharacters;
        QTest::newRow("dotdot") << ".." << ErrorCode::RoomNameLength;
    }

    void invalidRoomNames()
    {
        QFETCH(QString, name);
        QFETCH(ErrorCode, error);
        QCOMPARE(checkRoomName(name), error);
    }

    void reservedRoomNames()
    {
        for (const QString &name : protocolReservedRoomNames) {
            for (const QString &variant : {name, name.toUpper(), mixedCase(name)}) {
                QVERIFY2(isReservedRoomName(variant), qPrintable(variant));
                const ErrorCode error = checkRoomName(canonicalRoomName(variant));
                // One- and two-letter reserved names fail the length rule first; either way
                // they can never become rooms.
                QCOMPARE(error,
                         name.size() < 3 ? ErrorCode::RoomNameLength : ErrorCode::RoomNameReserved);
            }
            // As typed in the address bar, with spaces around: canonical form is still reserved.
            QVERIFY(isReservedRoomName(
                canonicalRoomName(QStringLiteral(" ") + name.toUpper() + QStringLiteral(" "))));
        }
    }

    // Lookalikes of reserved names, as typed (canonicalised first, as every caller does).
    void lookalikeRoomNames_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<ErrorCode>("error");
        QTest::newRow("ADMİN (dotted capital I)")
            << QStringLiteral("ADMİN") << ErrorCode::RoomNameReserved;
        QTest::newRow("admın (dotless i)")
            << QStringLiteral("admın") << ErrorCode::RoomNameReserved;
        QTest::newRow("fullwidth ADMIN")
            << QStringLiteral("ＡＤＭＩＮ") << ErrorCode::RoomNameReserved;
        QTest::newRow("fullwidth metrics")
            << QStringLiteral("ｍｅｔｒｉｃｓ") << ErrorCode::RoomNameReserved;
        QTest::newRow("zero-width space in admin")
            << QStringLiteral("ad\u200Bmin") << ErrorCode::RoomNameCharacters;
        QTest::newRow("zero-width joiner")
            << QStringLiteral("adm\u200Din") << ErrorCode::RoomNameCharacters;
        QTest::newRow("right-to-left override")
            << QStringLiteral("\u202Enimda") << ErrorCode::RoomNameCharacters;
        QTest::newRow("word joiner")
            << QStringLiteral("ad\u2060min") << ErrorCode::RoomNameCharacters;
        QTest::newRow("Cyrillic room") << QStringLiteral("Комната") << ErrorCode::None;
        QTest::newRow("accented room") << QStringLiteral("Café-Ünïcode") << ErrorCode::None;
        QTest::newRow("near reserved") << QStringLiteral("ADMIN2") << ErrorCode::None;
    }

    void lookalikeRoomNames()
    {
        QFETCH(QString, typed);
        QFETCH(ErrorCode, error);
        const QString canonical = canonicalRoomName(typed);
        qInfo("%s -> skeleton %s", qPrintable(canonical), qPrintable(nameSkeleton(canonical)));
        QCOMPARE(checkRoomName(canonical), error);
    }

    void customRoomNameLimits()
    {
        Limits limits;
        limits.roomNameMin = 1;
        limits.roomNameMax = 5;
        QCOMPARE(checkRoomName(u"x", limits), ErrorCode::None);
        QCOMPARE(checkRoomName(u"abcde", limits), ErrorCode::None);
        QCOMPARE(checkRoomName(u"abcdef", limits), ErrorCode::RoomNameLength);
        QCOMPARE(checkRoomName(u"r", limits), ErrorCode::RoomNameReserved);
    }

    void userNames_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<ErrorCode>("error");
        QTest::newRow("simple") << "Bob" << ErrorCode::None;
        QTest::newRow("one char") << "x" << ErrorCode::None;
        QTest::newRow("spaces inside") << "Mary Ann" << ErrorCode::None;
        QTest::newRow("unicode") << QStringLiteral("Jürgen 😀") << ErrorCode::None;
        QTest::newRow("80") << repeated(u"a", 80) << ErrorCode::None;
        QTest::newRow("80 emoji") << repeated(emoji, 80) << ErrorCode::None;
        QTest::newRow("80 plus outer spaces")
            << (QStringLiteral("  ") + repeated(u"a", 80) + QStringLiteral(" ")) << ErrorCode::None;
        QTest::newRow("near reserved") << "admin2" << ErrorCode::None;
        QTest::newRow("reserved inside") << "the admin" << ErrorCode::None;
        QTest::newRow("empty") << "" << ErrorCode::UserNameLength;
        QTest::newRow("blank") << "   " << ErrorCode::UserNameLength;
        QTest::newRow("81") << repeated(u"a", 81) << ErrorCode::UserNameLength;
        QTest::newRow("81 emoji") << repeated(emoji, 81) << ErrorCode::UserNameLength;
        QTest::newRow("admin") << "admin" << ErrorCode::UserNameTaken;
        QTest::newRow("Admin") << "Admin" << ErrorCode::UserNameTaken;
        QTest::newRow("ADMINISTRATOR") << "ADMINISTRATOR" << ErrorCode::UserNameTaken;
        QTest::newRow("moderator spaced") << " moderator " << ErrorCode::UserNameTaken;
        QTest::newRow("SyStEm") << "SyStEm" << ErrorCode::UserNameTaken;
        QTest::newRow("External-User") << "External-User" << ErrorCode::UserNameTaken;
        // Control characters would forge lines in logs and in /r/ text replies.
        QTest::newRow("newline") << "a\nb" << ErrorCode::InvalidInput;
        QTest::newRow("nul") << QString(QStringLiteral("ab") + QChar(0)) << ErrorCode::InvalidInput;
        // Lookalikes of reserved names: normalised (NFKC, case fold, marks dropped) first.
        QTest::newRow("ADMİN (dotted capital I)")
            << QStringLiteral("ADMİN") << ErrorCode::UserNameTaken;
        QTest::newRow("admın (dotless i)") << QStringLiteral("admın") << ErrorCode::UserNameTaken;
        QTest::newRow("fullwidth admin")
            << QStringLiteral("ａｄｍｉｎ") << ErrorCode::UserNameTaken;
        QTest::newRow("SYSTEM with accent")
            << QStringLiteral("SYSTE\u0301M") << ErrorCode::UserNameTaken;
        // Invisible and bidi characters are refused outright.
        QTest::newRow("zero-width space in admin")
            << QStringLiteral("ad\u200Bmin") << ErrorCode::InvalidInput;
        QTest::newRow("zero-width joiner in a name")
            << QStringLiteral("Bo\u200Db") << ErrorCode::InvalidInput;
        QTest::newRow("right-to-left override")
            << QStringLiteral("\u202Enimda") << ErrorCode::InvalidInput;
        QTest::newRow("left-to-right mark")
            << QStringLiteral("Bob\u200E") << ErrorCode::InvalidInput;
        QTest::newRow("soft hyphen") << QStringLiteral("ad\u00ADmin") << ErrorCode::InvalidInput;
        QTest::newRow("BOM") << QStringLiteral("\uFEFFBob") << ErrorCode::InvalidInput;
        QTest::newRow("hangul filler") << QStringLiteral("\u3164") << ErrorCode::InvalidInput;
        QTest::newRow("variation selector after a letter")
            << QStringLiteral("Bob\uFE0F") << ErrorCode::InvalidInput;
        // Normal names still pass: other scripts, accents, emoji sequences.
        QTest::newRow("Cyrillic") << QStringLiteral("Админ Петров") << ErrorCode::None;
        QTest::newRow("Cyrillic lower") << QStringLiteral("наташа") << ErrorCode::None;
        QTest::newRow("Greek") << QStringLiteral("Οδυσσεύς") << ErrorCode::None;
        QTest::newRow("Turkish") << QStringLiteral("İlknur Işık") << ErrorCode::None;
        QTest::newRow("Hindi") << QStringLiteral("नमस्ते") << ErrorCode::None;
        QTest::newRow("Arabic") << QStringLiteral("سارة") << ErrorCode::None;
        QTest::newRow("emoji family (ZWJ)")
            << QStringLiteral("\U0001F468\u200D\U0001F469\u200D\U0001F467 fam") << ErrorCode::None;
        QTest::newRow("red heart (VS16)") << QStringLiteral("\u2764\uFE0F Bob") << ErrorCode::None;
        QTest::newRow("keycap") << QStringLiteral("1\uFE0F\u20E3 Bob") << ErrorCode::None;
    }

    void userNames()
    {
        QFETCH(QString, name);
        QFETCH(ErrorCode, error);
        QCOMPARE(checkUserName(name), error);
        if (error == ErrorCode::UserNameTaken)
            QVERIFY(isReservedUserName(name));
    }

    // User names arrive URL-encoded; the rules apply to the decoded text.
    void encodedUserNames()
    {
        bool ok = false;
        QCOMPARE(checkUserName(urlDecode(u"%41dmin", &ok)), ErrorCode::UserNameTaken);
        QVERIFY(ok);
        // 80 encoded emoji are 960 encoded characters but 80 decoded ones.
        const QString encoded = repeated(u"%F0%9F%98%80", 80);
        QCOMPARE(checkUserName(urlDecode(encoded, &ok)), ErrorCode::None);
        QVERIFY(ok);
        QCOMPARE(checkUserName(urlDecode(encoded + QStringLiteral("a"), &ok)),
                 ErrorCode::UserNameLength);
    }

    void userNameKeys()
    {
        QCOMPARE(userNameKey(u"Bob"), userNameKey(u"bOB"));
        QCOMPARE(userNameKey(u" Bob "), userNameKey(u"bob"));
        QCOMPARE(userNameKey(QStringLiteral("JÜRGEN")), userNameKey(QStringLiteral("jürgen")));
        // Case folding, not just lower-casing: final sigma and sigma are the same letter.
        QCOMPARE(userNameKey(QStringLiteral("ΟΔΥΣΣΕΥΣ")), userNameKey(QStringLiteral("οδυσσευς")));
        QCOMPARE(userNameKey(QStringLiteral("𐐀")), userNameKey(QStringLiteral("𐐨")));
        QVERIFY(userNameKey(u"Bob") != userNameKey(u"Bobby"));
        QVERIFY(userNameKey(u"Bob") != userNameKey(u"B ob"));
        // Keys are stable: folding a key again gives the same key.
        const QString key = userNameKey(QStringLiteral("  ΣΑΣ Straße "));
        QCOMPARE(userNameKey(key), key);
    }

    void messageText()
    {
        const Limits limits;
        QCOMPARE(checkMessageText(repeated(u"a", 10000), limits), ErrorCode::None);
        QCOMPARE(checkMessageText(repeated(u"a", 10001), limits), ErrorCode::MessageTooLong);
        // Decoded length counts: 10000 encoded spaces are 30000 characters on the wire.
        QCOMPARE(checkMessageText(repeated(u"%20", 10000), limits), ErrorCode::None);
        QCOMPARE(checkMessageText(repeated(u"%20", 10001), limits), ErrorCode::MessageTooLong);
        QCOMPARE(checkMessageText(repeated(u"%F0%9F%98%80", 10000), limits), ErrorCode::None);
        QCOMPARE(checkMessageText(repeated(u"%F0%9F%98%80", 10001), limits),
                 ErrorCode::MessageTooLong);
        // Literal emoji: 20000 UTF-16 units, 10000 characters.
        QCOMPARE(checkMessageText(repeated(emoji, 10000), limits), ErrorCode::None);
        QCOMPARE(checkMessageText(repeated(emoji, 10001), limits), ErrorCode::MessageTooLong);
        // Text that is not valid percent-encoding counts as it is.
        QCOMPARE(checkMessageText(repeated(u"%zz", 3334), limits), ErrorCode::MessageTooLong);
        QCOMPARE(checkMessageText(QString(), limits), ErrorCode::None);

        Limits small;
        small.messageTextMax = 3;
        QCOMPARE(checkMessageText(u"%41%42%43", small), ErrorCode::None);
        QCOMPARE(checkMessageText(u"%41%42%43%44", small), ErrorCode::MessageTooLong);
    }

    void description()
    {
        QCOMPARE(checkDescription(repeated(u"a", 400)), ErrorCode::None);
        QCOMPARE(checkDescription(repeated(u"a", 401)), ErrorCode::DescriptionLength);
        QCOMPARE(checkDescription(repeated(u"%C3%A4", 400)), ErrorCode::None);
        QCOMPARE(checkDescription(repeated(u"%C3%A4", 401)), ErrorCode::DescriptionLength);
        QCOMPARE(checkDescription(repeated(emoji, 400)), ErrorCode::None);
        QCOMPARE(checkDescription(repeated(emoji, 401)), ErrorCode::DescriptionLength);
        QCOMPARE(checkDescription(u""), ErrorCode::None);
    }

    void password()
    {
        QCOMPARE(checkRoomPassword(u""), ErrorCode::None);
        QCOMPARE(checkRoomPassword(repeated(u"p", 100)), ErrorCode::None);
        QCOMPARE(checkRoomPassword(repeated(u"p", 101)), ErrorCode::InvalidPassword);
        QCOMPARE(checkRoomPassword(repeated(emoji, 100)), ErrorCode::None);
        QCOMPARE(checkRoomPassword(repeated(emoji, 101)), ErrorCode::InvalidPassword);
    }

    void decodedLengths()
    {
        QCOMPARE(decodedLength(u"abc"), 3);
        QCOMPARE(decodedLength(u"%41%42"), 2);
        QCOMPARE(decodedLength(u"%F0%9F%98%80"), 1);
        QCOMPARE(decodedLength(u"%zz"), 3); // undecodable: raw length
        QCOMPARE(decodedLength(u""), 0);
    }
};

QTEST_APPLESS_MAIN(TestValidation)
#include "tst_validation.moc"
