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

} // namespace

QString canonicalRoomName(QStringView name)
{
    return name.trimmed().toString().toLower();
}

bool isReservedRoomName(QStringView canonical)
{
    for (const char *reserved : reservedRoomNames) {
        if (canonical.compare(QLatin1StringView(reserved), Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

ErrorCode checkRoomName(QStringView canonical, const proto::Limits &limits)
{
    const qsizetype length = characterCount(canonical);
    if (length < limits.roomNameMin || length > limits.roomNameMax)
        return ErrorCode::RoomNameLength;
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
    const QString key = userNameKey(decoded);
    for (const char *reserved : reservedUserNames) {
        if (key == QLatin1StringView(reserved))
            return true;
    }
    return false;
}

QString userNameKey(QStringView decoded)
{
    return decoded.trimmed().toString().toCaseFolded();
}

ErrorCode checkUserName(QStringView decoded, const proto::Limits &limits)
{
    const qsizetype length = characterCount(decoded.trimmed());
    if (length < 1 || length > limits.userNameMax)
        return ErrorCode::UserNameLength;
    for (QChar c : decoded) {
        // Control characters would let a name forge line breaks in logs and HTTP text replies.
        if (c.category() == QChar::Other_Control)
            return ErrorCode::InvalidInput;
    }
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
