#pragma once
// Incremental HTTP/1.1 request parser with bounded header and body sizes.

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QPair>
#include <QUrlQuery>
#include <functional>

namespace ic::server {

struct HttpRequest
{
    QByteArray method;
    QByteArray target; // as sent: path and query
    QByteArray path;   // percent-decoded path
    QUrlQuery query;
    QList<QPair<QByteArray, QByteArray>> headers; // names lower-cased
    QByteArray body;
    bool keepAlive = true;
    bool http10 = false;
    QString clientAddress; // set by the connection: TCP peer or trusted-proxy client
    QHostAddress peer;     // set by the connection: the TCP peer itself

    QByteArray header(QByteArrayView name) const;                         // first value, or empty
    bool hasHeaderToken(QByteArrayView name, QByteArrayView token) const; // comma lists
    QString queryValue(const QString &name) const; // fully decoded ('+' is a space)
    bool hasQueryValue(const QString &name) const { return query.hasQueryItem(name); }
};

class HttpRequestParser
{
public:
    enum class State { Incomplete, Complete, Invalid, TooLarge };

    HttpRequestParser(qsizetype maxHeaderBytes, qsizetype maxBodyBytes)
        : m_maxHeader(maxHeaderBytes), m_maxBody(maxBodyBytes)
    {
    }

    // Appends input; leftover bytes after a complete request stay buffered for the next one.
    State feed(const QByteArray &data);
    State state() const { return m_state; }
    qsizetype bufferedBytes() const { return m_buffer.size(); }
    // With State::TooLarge: the declared body, not the head, was too large (413, not 431).
    bool bodyTooLarge() const { return m_bodyTooLarge; }
    bool hasPartialRequest() const { return m_state == State::Incomplete && !m_buffer.isEmpty(); }
    // A larger body for some requests (the room import), decided from the head alone, before
    // the body is read; the default limit applies to all others.
    void setBodyLimit(std::function<qsizetype(const HttpRequest &head)> limitFor)
    {
        m_limitFor = std::move(limitFor);
    }
    // The body limit of the request being read.
    qsizetype currentBodyLimit() const { return m_currentMaxBody; }
    HttpRequest take();         // after Complete; resets for the next request
    QByteArray takeRemainder(); // bytes after the request (e.g. WebSocket frames)

private:
    State parse();

    qsizetype m_maxHeader;
    qsizetype m_maxBody;
    QByteArray m_buffer;
    State m_state = State::Incomplete;
    bool m_bodyTooLarge = false;
    HttpRequest m_request;
    qsizetype m_headerEnd = -1;
    qsizetype m_bodyLength = 0;
    std::function<qsizetype(const HttpRequest &)> m_limitFor;
    qsizetype m_currentMaxBody = m_maxBody;
};

} // namespace ic::server
