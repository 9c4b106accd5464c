#include "transport/HttpRequest.h"

#include <QUrl>

#include <algorithm>
#include <string_view>

namespace ic::server {

QByteArray HttpRequest::header(QByteArrayView name) const
{
    for (const auto &entry : headers) {
        if (entry.first == name)
            return entry.second;
    }
    return QByteArray();
}

bool HttpRequest::hasHeaderToken(QByteArrayView name, QByteArrayView token) const
{
    for (const auto &entry : headers) {
        if (entry.first != name)
            continue;
        for (const QByteArray &part : entry.second.split(',')) {
            if (part.trimmed().compare(token, Qt::CaseInsensitive) == 0)
                return true;
        }
    }
    return false;
}

QString HttpRequest::queryValue(const QString &name) const
{
    return query.queryItemValue(name, QUrl::FullyDecoded);
}

namespace {

// RFC 9110 token: a header name holds none of the separators or whitespace.
bool isToken(QByteArrayView name)
{
    static constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
    for (const char c : name) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && extra.find(c) == std::string_view::npos)
            return false;
    }
    return true;
}

} // namespace

HttpRequestParser::State HttpRequestParser::feed(const QByteArray &data)
{
    m_buffer.append(data);
    if (m_state == State::Incomplete)
        m_state = parse();
    return m_state;
}

HttpRequestParser::State HttpRequestParser::parse()
{
    if (m_headerEnd < 0) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0)
            return m_buffer.size() > m_maxHeader ? State::TooLarge : State::Incomplete;
        if (end > m_maxHeader)
            return State::TooLarge;
        // Lines end in CRLF only: a bare CR or LF inside the head, whitespace before a header's
        // colon, a folded line or a second Content-Length could be framed differently by a proxy in
        // front of us (request smuggling), so each is refused rather than guessed at.
        const QByteArray head = m_buffer.left(end);
        const QList<QByteArray> lines = head.split('\n');
        for (qsizetype i = 0; i < lines.size(); ++i) {
            const QByteArray &line = lines[i];
            const bool last = i + 1 == lines.size();
            if ((!last && !line.endsWith('\r')) || line.count('\r') != (last ? 0 : 1))
                return State::Invalid;
        }
        const QList<QByteArray> requestLine = lines.first().trimmed().split(' ');
        if (requestLine.size() != 3 || !requestLine[2].startsWith("HTTP/1."))
            return State::Invalid;
        HttpRequest &request = m_request;
        request.method = requestLine[0];
        request.target = requestLine[1];
        if (!request.target.startsWith('/'))
            return State::Invalid;
        const qsizetype question = request.target.indexOf('?');
        request.path = QByteArray::fromPercentEncoding(
            request.target.left(question < 0 ? request.target.size() : question));
        QByteArray rawQuery = question < 0 ? QByteArray() : request.target.mid(question + 1);
        // '+' means space in form-encoded queries (curl --data-urlencode, browsers).
        rawQuery.replace('+', "%20");
        request.query.setQuery(QString::fromUtf8(rawQuery));
        const bool http10 = requestLine[2] == "HTTP/1.0";
        request.http10 = http10;
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QByteArray line = lines[i].chopped(i + 1 == lines.size() ? 0 : 1);
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0 || !isToken(line.left(colon)))
                return State::Invalid;
            request.headers.append({line.left(colon).toLower(), line.mid(colon + 1).trimmed()});
        }
        qsizetype lengthHeaders = 0;
        for (const auto &entry : request.headers)
            lengthHeaders += entry.first == "content-length" ? 1 : 0;
        if (lengthHeaders > 1)
            return State::Invalid;
        request.keepAlive = http10 ? request.hasHeaderToken("connection", "keep-alive")
                                   : !request.hasHeaderToken("connection", "close");
        m_headerEnd = end + 4;
        if (lengthHeaders == 1) {
            // Digits only: toLongLong alone would take "+5" or " 5", which other parsers refuse.
            const QByteArray length = request.header("content-length");
            bool ok = !length.isEmpty() && std::all_of(length.begin(), length.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
            m_bodyLength = ok ? length.toLongLong(&ok) : -1;
            if (!ok || m_bodyLength < 0)
                return State::Invalid;
            m_currentMaxBody = m_limitFor ? std::max(m_maxBody, m_limitFor(request)) : m_maxBody;
            if (m_bodyLength > m_currentMaxBody) {
                m_bodyTooLarge = true;
                return State::TooLarge;
            }
        }
        if (!request.header("transfer-encoding").isEmpty())
            return State::Invalid; // chunked bodies are never needed on our routes
    }
    if (m_buffer.size() - m_headerEnd < m_bodyLength)
        return State::Incomplete;
    m_request.body = m_buffer.mid(m_headerEnd, m_bodyLength);
    m_buffer.remove(0, m_headerEnd + m_bodyLength);
    return State::Complete;
}

HttpRequest HttpRequestParser::take()
{
    HttpRequest request = std::move(m_request);
    m_request = HttpRequest();
    m_headerEnd = -1;
    m_bodyLength = 0;
    m_currentMaxBody = m_maxBody;
    m_state = State::Incomplete;
    if (!m_buffer.isEmpty())
        m_state = parse();
    return request;
}

QByteArray HttpRequestParser::takeRemainder()
{
    return std::exchange(m_buffer, QByteArray());
}

} // namespace ic::server
