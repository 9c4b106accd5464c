#include "transport/HttpResponse.h"

namespace ic::server {

QByteArray httpStatusReason(int status)
{
    switch (status) {
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 204:
        return "No Content";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

QByteArray httpResponse(int status, const QByteArray &contentType, const QByteArray &body,
                        bool keepAlive)
{
    QByteArray out;
    out.reserve(160 + body.size());
    out += "HTTP/1.1 " + QByteArray::number(status) + ' ' + httpStatusReason(status) + "\r\n";
    if (!contentType.isEmpty())
        out += "Content-Type: " + contentType + "\r\n";
    out += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    out += "Cache-Control: no-store\r\n";
    // Bodies are plain text or JSON and may quote input; no browser may sniff them into HTML.
    out += "X-Content-Type-Options: nosniff\r\n";
    if (status == 429)
        out += "Retry-After: 2\r\n"; // every rate-limit answer says when to retry
    out += keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
    out += "\r\n";
    out += body;
    return out;
}

QByteArray httpText(int status, const QByteArray &text, bool keepAlive)
{
    return httpResponse(status, "text/plain; charset=utf-8", text, keepAlive);
}

QByteArray httpJson(int status, const QByteArray &json, bool keepAlive)
{
    return httpResponse(status, "application/json", json, keepAlive);
}

} // namespace ic::server
