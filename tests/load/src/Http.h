#pragma once
// Just enough HTTP/1.1 for the load tester's raw sockets: resolving an endpoint, and an
// incremental response parser (Content-Length, chunked, or body up to close). Qt's network
// access manager would cost a QObject, a reply and several allocations per request; a
// joinstorm makes thousands of them per second from one core.

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <sys/socket.h>

namespace ic::load {

struct Endpoint
{
    sockaddr_storage address{};
    socklen_t length = 0;
    QByteArray hostHeader; // "host:port" as the Host header wants it
    bool valid() const { return length > 0; }
};

// Resolves "host:port" (numeric or by name); an invalid Endpoint on failure.
Endpoint resolveEndpoint(const QString &host, int port);

struct HttpResponse
{
    int status = 0;
    bool keepAlive = true; // false when the server said `Connection: close` or spoke HTTP/1.0
    QByteArray setCookie;  // value of the `session` cookie if a Set-Cookie set it
    QByteArray body;
    qsizetype consumed = 0; // bytes of the input this response used (pipelined rest follows)
};

enum class ParseResult { Incomplete, Complete, Error };

// Parses one response at the start of `input`. With `peerClosed` a body without a length ends
// at the end of the input.
ParseResult parseHttpResponse(QByteArrayView input, bool peerClosed, HttpResponse &response);

// The value of header `name` (case-insensitive) in a header block, or empty.
QByteArray headerValue(QByteArrayView headers, QByteArrayView name);

} // namespace ic::load
