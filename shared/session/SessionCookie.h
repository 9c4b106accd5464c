#pragma once
// The `session` cookie of docs/protocol.md §3.1: base64 of {"sessionUUID","startedAt"}.

#include <QByteArray>
#include <QUuid>
#include <optional>

namespace ic::session {

inline constexpr char cookieName[] = "session";

// A new cookie value with a random (v4) UUID from the system's cryptographic generator.
QByteArray createCookieValue();

// The session UUID in a cookie value; nullopt when the value is not base64 JSON, or its
// sessionUUID is empty, not a UUID, or the nil UUID.
std::optional<QUuid> parseCookieValue(QByteArrayView value);

// The value of the `session` cookie in a `Cookie:` request header, if any.
std::optional<QByteArray> cookieValueFromHeader(QByteArrayView cookieHeader);

// The session UUID from a `Cookie:` header: cookieValueFromHeader + parseCookieValue.
std::optional<QUuid> sessionFromCookieHeader(QByteArrayView cookieHeader);

// A full `Set-Cookie` header value: HttpOnly, SameSite=Strict, Path=/, 10-year expiry,
// Secure when the site is served over https.
QByteArray setCookieHeaderValue(const QByteArray &value, bool secure);

} // namespace ic::session
