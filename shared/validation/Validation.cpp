#include "validation/Validation.h"

#include "validation/UrlEncoding.h"

#include <QStringList>
#include <array>

namespace ic::validation {
namespace {

constexpr std::array<const char *, 36> reservedRoomNames{
    "metrics", "ctrl", "ctrl_rooms", "ctrl_command", "ws_entry", "hw", "dashboards", "about",
    "terms-of-service", "privacy-policy", "control_page_proxy", "favicon.ico", "connection-methods",
    "universal-access", "app-win", "app-win-version", "direct_retrieval", "direct_sending",
    "pick_backend", "static", "r", "s", "get_text_file", "upload_text_file", "get_url_preview",
    "healthz", "admin", "api", "internal", "sd", "robots.txt",
    // Never reachable as rooms either: the gateway's server prefix and our index page.
    "b", "index.html", "favicon.svg", "manifest.json", "service-worker.js"};

constexpr std::array<const char *, 5> reservedUserNames{"admin", "administrator", "moderator",
                                                        "system", "external-user"};

bool isAllowedRoomNameCharacter(char32_t c)
{
    switch (c) {
    case '!':
    case '@':
    case '$':
    case '*':
    case '(':
    case ')':
    case '_':
    case '-':
    case ',':
    case '.':
    case '~':
    case '[':
    case ']':
        return true;
    default:
        return QChar::isLetterOrNumber(c);
    }
}

bool isInvisible(char32_t c)
{
    switch (QChar::category(c)) {
    case QChar::Other_Format:  // zero-width space/joiners, bidi controls, soft hyphen, BOM
    case QChar::Other_Control: // C0/C1 controls
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Other_Surrogate:
        return true;
    default:
        break;
    }
    return c == 0x034F                       // combining grapheme joiner
           || (c >= 0xFE00 && c <= 0xFE0F)   // variation selectors
           || (c >= 0xE0100 && c <= 0xE01EF) // variation selectors supplement
           || (c >= 0x180B && c <= 0x180F)   // Mongolian free variation selectors
           || c == 0x115F || c == 0x1160 || c == 0x3164 || c == 0xFFA0 // Hangul fillers
           || c == 0x2800;                                             // braille blank
}

} // namespace

bool isEmojiPart(char32_t c)
{
    const QChar::Category category = QChar::category(c);
    return category == QChar::Symbol_Other || category == QChar::Symbol_Modifier ||
           category == QChar::Symbol_Math || c == 0xFE0F;
}

bool hasInvisibleCharacters(QStringView text)
{
    const QList<uint> ucs4 = text.toUcs4();
    for (qsizetype i = 0; i < ucs4.size(); ++i) {
        const char32_t c = ucs4.at(i);
        if (!isInvisible(c))
            continue;
        // Emoji need two of them: the zero-width joiner between two emoji (👨‍👩‍👧) and
        // the emoji presentation selector after a symbol or a keycap digit (❤️, 1️⃣).
        const char32_t before = i > 0 ? ucs4.at(i - 1) : 0;
        const char32_t after = i + 1 < ucs4.size() ? ucs4.at(i + 1) : 0;
        if (c == 0x200D && isEmojiPart(before) && isEmojiPart(after))
            continue;
        if ((c == 0xFE0F || c == 0xFE0E) &&
            (isEmojiPart(before) || QChar::isDigit(before) || before == u'#' || before == u'*'))
            continue;
        return true;
    }
    return false;
}

QString nameSkeleton(QStringView name)
{
    // Decomposed so that marks come apart from their letters (İ = I + U+0307), folded, then the
    // marks dropped; folding again after NFKD catches forms that only fold once decomposed.
    const QString folded = name.toString()
                               .normalized(QString::NormalizationForm_KD)
                               .toCaseFolded()
                               .normalized(QString::NormalizationForm_KD);
    QString skeleton;
    skeleton.reserve(folded.size());
    for (char32_t c : folded.toUcs4()) {
        if (QChar::category(c) == QChar::Mark_NonSpacing || isInvisible(c))
            continue;
        if (c == 0x0131) // dotless i
            c = u'i';
        const char32_t one[1] = {c};
        skeleton += QString::fromUcs4(one, 1);
    }
    return skeleton.toCaseFolded();
}

QString canonicalRoomName(QStringView name)
{
    return name.trimmed().toString().toLower();
}

bool isReservedRoomName(QStringView canonical)
{
    const QString skeleton = nameSkeleton(canonical);
    for (const char *reserved : reservedRoomNames) {
        if (skeleton == QLatin1StringView(reserved))
            return true;
    }
    return false;
}

ErrorCode checkRoomName(QStringView canonical, const proto::Limits &limits)
{
    const qsizetype length = characterCount(canonical);
    if (length < limits.roomNameMin || length > limits.roomNameMax)
        return ErrorCode::RoomNameLength;
    if (hasInvisibleCharacters(canonical))
        return ErrorCode::RoomNameCharacters;
    if (isReservedRoomName(canonical))
        return ErrorCode::RoomNameReserved;
    for (char32_t c : canonical.toUcs4()) {
        if (!isAllowedRoomNameCharacter(c))
            return ErrorCode::RoomNameCharacters;
    }
    return ErrorCode::None;
}

bool isReservedUserName(QStringView decoded)
{
    const QString key = nameSkeleton(decoded.trimmed());
    for (const char *reserved : reservedUserNames) {
        if (key == QLatin1StringView(reserved))
            return true;
    }
    return false;
}

QString userNameKey(QStringView decoded)
{
    // NFKC first: a fullwidth or ligature copy of a name in the room clashes with it. Folding
    // case can leave text that NFKC changes again, and NFKC can make spaces at the ends: repeat
    // until nothing changes, so that the key of a key is the key itself.
    QString key = decoded.toString();
    for (int round = 0; round < 8; ++round) {
        QString next =
            key.trimmed().normalized(QString::NormalizationForm_KC).toCaseFolded();
        if (next == key)
            break;
        key = std::move(next);
    }
    return key;
}

ErrorCode checkUserName(QStringView decoded, const proto::Limits &limits)
{
    const qsizetype length = characterCount(decoded.trimmed());
    if (length < 1 || length > limits.userNameMax)
        return ErrorCode::UserNameLength;
    // Control characters would let a name forge line breaks in logs and HTTP text replies;
    // invisible and bidi characters would make a lookalike of another user or a reserved name.
    if (hasInvisibleCharacters(decoded))
        return ErrorCode::InvalidInput;
    if (isReservedUserName(decoded))
        return ErrorCode::UserNameTaken;
    return ErrorCode::None;
}

qsizetype decodedLength(QStringView encoded)
{
    bool ok = false;
    const QString decoded = urlDecode(encoded, &ok);
    return characterCount(ok ? QStringView(decoded) : encoded);
}

ErrorCode checkMessageText(QStringView encoded, const proto::Limits &limits)
{
    // Cheap bound first: encoded text is never shorter than its decoded form in characters.
    if (encoded.size() <= limits.messageTextMax)
        return ErrorCode::None;
    return decodedLength(encoded) > limits.messageTextMax ? ErrorCode::MessageTooLong
                                                          : ErrorCode::None;
}

ErrorCode checkDescription(QStringView encoded, const proto::Limits &limits)
{
    if (encoded.size() <= limits.descriptionMax)
        return ErrorCode::None;
    return decodedLength(encoded) > limits.descriptionMax ? ErrorCode::DescriptionLength
                                                          : ErrorCode::None;
}

ErrorCode checkRoomPassword(QStringView password, const proto::Limits &limits)
{
    return characterCount(password) > limits.roomPasswordMax ? ErrorCode::InvalidPassword
                                                             : ErrorCode::None;
}

bool isUserId(QStringView text)
{
    if (text.size() != 36)
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const char16_t c = text[i].unicode();
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (dash ? c != '-' : !hex)
            return false;
    }
    return true;
}

} // namespace ic::validation
