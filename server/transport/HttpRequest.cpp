#include "transport/HttpRequest.h"

#include <QUrl>

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
        const QList<QByteArray> lines = m_buffer.left(end).split('\n');
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
            const QByteArray line = lines[i].trimmed();
            if (line.isEmpty())
                continue;
            const qsizetype colon = line.indexOf(':');
            if (colon <= 0)
                return State::Invalid;
            request.headers.append(
                {line.left(colon).trimmed().toLower(), line.mid(colon + 1).trimmed()});
        }
        request.keepAlive = http10 ? request.hasHeaderToken("connection", "keep-alive")
                                   : !request.hasHeaderToken("connection", "close");
        m_headerEnd = end + 4;
        const QByteArray length = request.header("content-length");
        if (!length.isEmpty()) {
            bool ok = false;
            m_bodyLength = length.toLongLong(&ok);
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
