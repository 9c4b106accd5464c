#include "Http.h"

#include <QList>
#include <cstring>
#include <netdb.h>

namespace ic::load {

Endpoint resolveEndpoint(const QString &host, int port)
{
    Endpoint endpoint;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo *list = nullptr;
    const QByteArray hostBytes = host.toUtf8();
    const QByteArray portBytes = QByteArray::number(port);
    if (getaddrinfo(hostBytes.constData(), portBytes.constData(), &hints, &list) != 0 || !list)
        return endpoint;
    std::memcpy(&endpoint.address, list->ai_addr, list->ai_addrlen);
    endpoint.length = list->ai_addrlen;
    freeaddrinfo(list);
    const bool ipv6Literal = host.contains(QLatin1Char(':'));
    endpoint.hostHeader = (ipv6Literal ? '[' + hostBytes + ']' : hostBytes) + ':' + portBytes;
    return endpoint;
}

QByteArray headerValue(QByteArrayView headers, QByteArrayView name)
{
    qsizetype lineStart = 0;
    while (lineStart < headers.size()) {
        qsizetype lineEnd = headers.indexOf("\r\n", lineStart);
        if (lineEnd < 0)
            lineEnd = headers.size();
        const QByteArrayView line = headers.sliced(lineStart, lineEnd - lineStart);
        const qsizetype colon = line.indexOf(':');
        if (colon == name.size() && line.first(colon).compare(name, Qt::CaseInsensitive) == 0)
            return line.sliced(colon + 1).trimmed().toByteArray();
        lineStart = lineEnd + 2;
    }
    return {};
}

namespace {

QByteArray sessionFromSetCookies(QByteArrayView headers)
{
    // Several Set-Cookie headers may be present; take the one that sets `session`.
    qsizetype lineStart = 0;
    while (lineStart < headers.size()) {
        qsizetype lineEnd = headers.indexOf("\r\n", lineStart);
        if (lineEnd < 0)
            lineEnd = headers.size();
        const QByteArrayView line = headers.sliced(lineStart, lineEnd - lineStart);
        constexpr QByteArrayView prefix("set-cookie:");
        if (line.size() > prefix.size() &&
            line.first(prefix.size()).compare(prefix, Qt::CaseInsensitive) == 0) {
            QByteArrayView value = line.sliced(prefix.size()).trimmed();
            if (value.startsWith("session=")) {
                value = value.sliced(8);
                const qsizetype semicolon = value.indexOf(';');
                return (semicolon >= 0 ? value.first(semicolon) : value).trimmed().toByteArray();
            }
        }
        lineStart = lineEnd + 2;
    }
    return {};
}

// Decodes a complete chunked body starting at `start`; returns bytes used, 0 if incomplete,
// -1 on a malformed chunk header.
qsizetype parseChunked(QByteArrayView input, qsizetype start, QByteArray &body)
{
    qsizetype position = start;
    body.clear();
    while (true) {
        const qsizetype lineEnd = input.indexOf("\r\n", position);
        if (lineEnd < 0)
            return 0;
        QByteArrayView sizeText = input.sliced(position, lineEnd - position);
        const qsizetype extension = sizeText.indexOf(';');
        if (extension >= 0)
            sizeText = sizeText.first(extension);
        bool ok = false;
        const qint64 size = sizeText.trimmed().toLongLong(&ok, 16);
        if (!ok || size < 0)
            return -1;
        position = lineEnd + 2;
        if (size == 0) {
            // Skip trailers up to the empty line.
            const qsizetype end = input.indexOf("\r\n", position);
            if (end < 0)
                return 0;
            if (end == position)
                return end + 2;
            position = end + 2;
            while (true) {
                const qsizetype next = input.indexOf("\r\n", position);
                if (next < 0)
                    return 0;
                if (next == position)
                    return next + 2;
                position = next + 2;
            }
        }
        if (input.size() < position + size + 2)
            return 0;
        body.append(input.data() + position, size);
        position += size + 2;
    }
}

} // namespace

ParseResult parseHttpResponse(QByteArrayView input, bool peerClosed, HttpResponse &response)
{
    const qsizetype headerEnd = input.indexOf("\r\n\r\n");
    if (headerEnd < 0)
        return peerClosed || input.size() > 64 * 1024 ? ParseResult::Error
                                                      : ParseResult::Incomplete;
    const QByteArrayView head = input.first(headerEnd);
    const qsizetype firstLineEnd = head.indexOf("\r\n");
    const QByteArrayView statusLine = firstLineEnd < 0 ? head : head.first(firstLineEnd);
    if (!statusLine.startsWith("HTTP/1.") || statusLine.size() < 12)
        return ParseResult::Error;
    bool ok = false;
    response.status = statusLine.sliced(9, 3).toInt(&ok);
    if (!ok)
        return ParseResult::Error;
    const QByteArrayView headers =
        firstLineEnd < 0 ? QByteArrayView() : head.sliced(firstLineEnd + 2);
    const QByteArray connection = headerValue(headers, "Connection").toLower();
    response.keepAlive = statusLine.startsWith("HTTP/1.1") ? !connection.contains("close")
                                                           : connection.contains("keep-alive");
    response.setCookie = sessionFromSetCookies(headers);
    const qsizetype bodyStart = headerEnd + 4;

    if (headerValue(headers, "Transfer-Encoding").toLower().contains("chunked")) {
        const qsizetype used = parseChunked(input, bodyStart, response.body);
        if (used < 0)
            return ParseResult::Error;
        if (used == 0)
            return peerClosed ? ParseResult::Error : ParseResult::Incomplete;
        response.consumed = used;
        return ParseResult::Complete;
    }
    const QByteArray lengthText = headerValue(headers, "Content-Length");
    if (!lengthText.isEmpty()) {
        const qint64 length = lengthText.toLongLong(&ok);
        if (!ok || length < 0)
            return ParseResult::Error;
        if (input.size() < bodyStart + length)
            return peerClosed ? ParseResult::Error : ParseResult::Incomplete;
        response.body = input.sliced(bodyStart, length).toByteArray();
        response.consumed = bodyStart + length;
        return ParseResult::Complete;
    }
    if (response.status == 204 || response.status == 304 || response.status / 100 == 1) {
        response.consumed = bodyStart;
        return ParseResult::Complete;
    }
    // No length: the body runs to the end of the connection.
    if (!peerClosed)
        return ParseResult::Incomplete;
    response.body = input.sliced(bodyStart).toByteArray();
    response.consumed = input.size();
    response.keepAlive = false;
    return ParseResult::Complete;
}

} // namespace ic::load
