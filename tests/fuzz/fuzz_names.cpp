// Room names, user names and URL decoding on arbitrary text. Properties:
// - canonicalRoomName and userNameKey are idempotent (balancer and server may both apply them);
// - a name checkRoomName accepts really satisfies the rules (length, characters, not reserved);
// - urlDecode either fails and returns its input, or yields text that encodes and decodes back;
// - lengths are code points, never more than UTF-16 units.

#include "fuzz_common.h"
#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QList>

using namespace ic::validation;

namespace {

// docs/protocol.md §6: Unicode letters and digits plus ! @ $ * ( ) _ - , . ~ [ ]
bool allowedCharacter(char32_t c)
{
    if (c < 0x80 && c != 0 && QByteArrayView("!@$*()_-,.~[]").contains(char(c)))
        return true;
    switch (QChar::category(c)) {
    case QChar::Letter_Uppercase:
    case QChar::Letter_Lowercase:
    case QChar::Letter_Titlecase:
    case QChar::Letter_Modifier:
    case QChar::Letter_Other:
    case QChar::Number_DecimalDigit:
    case QChar::Number_Letter:
    case QChar::Number_Other:
        return true;
    default:
        return false;
    }
}

bool hasLoneSurrogate(const QString &text)
{
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            ++i;
        else if (text[i].isSurrogate())
            return true;
    }
    return false;
}

void checkText(const QString &text)
{
    const ic::proto::Limits limits;

    // Code points.
    const qsizetype count = characterCount(text);
    FUZZ_CHECK(count <= text.size());
    FUZZ_CHECK(count == text.toUcs4().size());

    // Room names.
    const QString canonical = canonicalRoomName(text);
    FUZZ_CHECK(canonicalRoomName(canonical) == canonical);
    FUZZ_CHECK(canonical == canonical.trimmed());
    const ErrorCode roomError = checkRoomName(canonical, limits);
    if (roomError == ErrorCode::None) {
        const qsizetype length = characterCount(canonical);
        FUZZ_CHECK(length >= limits.roomNameMin && length <= limits.roomNameMax);
        FUZZ_CHECK(!isReservedRoomName(canonical));
        for (char32_t c : canonical.toUcs4())
            FUZZ_CHECK(allowedCharacter(c));
    } else {
        FUZZ_CHECK(roomError == ErrorCode::RoomNameLength ||
                   roomError == ErrorCode::RoomNameReserved ||
                   roomError == ErrorCode::RoomNameCharacters);
    }
    // Checking is a pure function of the canonical name.
    FUZZ_CHECK(checkRoomName(canonicalRoomName(canonical), limits) == roomError);

    // User names.
    const QString key = userNameKey(text);
    FUZZ_CHECK(userNameKey(key) == key);
    FUZZ_CHECK(isReservedUserName(text) == isReservedUserName(key));
    const ErrorCode userError = checkUserName(text, limits);
    if (userError == ErrorCode::None) {
        const qsizetype length = characterCount(text.trimmed());
        FUZZ_CHECK(length >= 1 && length <= limits.userNameMax);
        FUZZ_CHECK(!isReservedUserName(text));
    } else {
        FUZZ_CHECK(userError == ErrorCode::UserNameLength ||
                   userError == ErrorCode::UserNameTaken || userError == ErrorCode::InvalidInput);
    }

    // URL decoding.
    bool ok = false;
    const QString decoded = urlDecode(text, &ok);
    if (!ok) {
        FUZZ_CHECK(decoded == text);
    } else {
        FUZZ_CHECK(characterCount(decoded) <= characterCount(text));
        bool again = false;
        const QString reencoded = urlEncode(decoded);
        const QString roundTrip = urlDecode(reencoded, &again);
        FUZZ_CHECK(again);
        // Lone surrogates have no UTF-8 form; everything else survives exactly.
        if (!hasLoneSurrogate(decoded))
            FUZZ_CHECK(roundTrip == decoded);
        // The encoded form only uses encodeURIComponent's alphabet.
        for (QChar c : reencoded)
            FUZZ_CHECK(c.unicode() < 0x80 &&
                       (c.isLetterOrNumber() || QStringView(u"%-_.!~*'()").contains(c)));
    }

    // Text limits are decided on decoded length.
    const qsizetype decodedLengthValue = decodedLength(text);
    FUZZ_CHECK(decodedLengthValue <= text.size());
    FUZZ_CHECK((checkMessageText(text, limits) == ErrorCode::MessageTooLong) ==
               (decodedLengthValue > limits.messageTextMax));
    ic::proto::Limits small;
    small.messageTextMax = 5;
    small.descriptionMax = 3;
    FUZZ_CHECK((checkMessageText(text, small) == ErrorCode::MessageTooLong) ==
               (decodedLengthValue > 5));
    FUZZ_CHECK((checkDescription(text, small) == ErrorCode::DescriptionLength) ==
               (decodedLengthValue > 3));
    FUZZ_CHECK((checkRoomPassword(text, limits) == ErrorCode::None) ==
               (count <= limits.roomPasswordMax));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0; // names and texts beyond this add nothing but time
    checkText(QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size)));
    checkText(fuzz::utf16(data, size));
    return 0;
}
