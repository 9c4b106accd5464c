#include "session/SessionCookie.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace ic::session {

QByteArray createCookieValue()
{
    QJsonObject object;
    object.insert(QLatin1StringView("sessionUUID"),
                  QUuid::createUuid().toString(QUuid::WithoutBraces));
    object.insert(QLatin1StringView("startedAt"),
                  QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    return QJsonDocument(object).toJson(QJsonDocument::Compact).toBase64();
}

std::optional<QUuid> parseCookieValue(QByteArrayView value)
{
    if (value.isEmpty() || value.size() > 4096)
        return std::nullopt;
    const auto decoded = QByteArray::fromBase64Encoding(value.toByteArray(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
        return std::nullopt;
    const QJsonDocument document = QJsonDocument::fromJson(*decoded);
    if (!document.isObject())
        return std::nullopt;
    const QJsonValue uuidValue = document.object().value(QLatin1StringView("sessionUUID"));
    if (!uuidValue.isString())
        return std::nullopt;
    const QString text = uuidValue.toString();
    // Only the canonical 36-character form: QUuid also accepts braces, which clients never send.
    if (text.size() != 36)
        return std::nullopt;
    const QUuid uuid = QUuid::fromString(text);
    if (uuid.isNull())
        return std::nullopt;
    return uuid;
}

std::optional<QByteArray> cookieValueFromHeader(QByteArrayView cookieHeader)
{
    qsizetype position = 0;
    while (position < cookieHeader.size()) {
        qsizetype end = cookieHeader.indexOf(';', position);
        if (end < 0)
            end = cookieHeader.size();
        const QByteArrayView pair = cookieHeader.sliced(position, end - position).trimmed();
        const qsizetype equals = pair.indexOf('=');
        if (equals > 0 && pair.first(equals).trimmed() == QByteArrayView(cookieName)) {
            QByteArrayView value = pair.sliced(equals + 1).trimmed();
            if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                value = value.sliced(1, value.size() - 2);
            return value.toByteArray();
        }
        position = end + 1;
    }
    return std::nullopt;
}

std::optional<QUuid> sessionFromCookieHeader(QByteArrayView cookieHeader)
{
    const auto value = cookieValueFromHeader(cookieHeader);
    if (!value)
        return std::nullopt;
    return parseCookieValue(*value);
}

QByteArray setCookieHeaderValue(const QByteArray &value, bool secure)
{
    const QDateTime expiry = QDateTime::currentDateTimeUtc().addYears(10);
    QByteArray header =
        QByteArray(cookieName) + '=' + value + "; Path=/; Expires=" +
        QLocale::c().toString(expiry, u"ddd, dd MMM yyyy hh:mm:ss 'GMT'").toLatin1() +
        "; Max-Age=315360000; HttpOnly; SameSite=Strict";
    if (secure)
        header += "; Secure";
    return header;
}

} // namespace ic::session
