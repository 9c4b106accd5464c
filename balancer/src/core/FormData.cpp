#include "core/FormData.h"

#include <QUrl>

namespace ic::balancer {
namespace {

// application/x-www-form-urlencoded: '+' means space, then percent-decoding.
std::optional<FormFields> parseUrlEncoded(const QByteArray &body)
{
    FormFields fields;
    for (const QByteArray &pair : body.split('&')) {
        if (pair.isEmpty())
            continue;
        const qsizetype equals = pair.indexOf('=');
        QByteArray key = equals < 0 ? pair : pair.first(equals);
        QByteArray value = equals < 0 ? QByteArray() : pair.sliced(equals + 1);
        key.replace('+', ' ');
        value.replace('+', ' ');
        fields.insert(QString::fromUtf8(QByteArray::fromPercentEncoding(key)),
                      QString::fromUtf8(QByteArray::fromPercentEncoding(value)));
    }
    return fields;
}

QByteArray parameter(const QByteArray &header, const QByteArray &name)
{
    for (const QByteArray &part : header.split(';')) {
        const QByteArray trimmed = part.trimmed();
        if (trimmed.toLower().startsWith(name + '=')) {
            QByteArray value = trimmed.sliced(name.size() + 1);
            if (value.size() >= 2 && value.startsWith('"') && value.endsWith('"'))
                value = value.sliced(1, value.size() - 2);
            return value;
        }
    }
    return {};
}

std::optional<FormFields> parseMultipart(const QByteArray &contentType, const QByteArray &body)
{
    const QByteArray boundary = parameter(contentType, "boundary");
    if (boundary.isEmpty() || boundary.size() > 200)
        return std::nullopt;
    const QByteArray delimiter = "--" + boundary;
    FormFields fields;
    qsizetype position = body.indexOf(delimiter);
    if (position < 0)
        return std::nullopt;
    while (true) {
        position += delimiter.size();
        if (body.mid(position, 2) == "--")
            return fields; // closing delimiter
        if (body.mid(position, 2) != "\r\n")
            return std::nullopt;
        position += 2;
        const qsizetype headersEnd = body.indexOf("\r\n\r\n", position);
        if (headersEnd < 0)
            return std::nullopt;
        const QByteArray partHeaders = body.mid(position, headersEnd - position);
        const qsizetype next = body.indexOf("\r\n" + delimiter, headersEnd + 4);
        if (next < 0)
            return std::nullopt;
        const QByteArray content = body.mid(headersEnd + 4, next - headersEnd - 4);
        for (const QByteArray &line : partHeaders.split('\n')) {
            if (line.trimmed().toLower().startsWith("content-disposition:")) {
                const QByteArray name = parameter(line.trimmed(), "name");
                if (!name.isEmpty())
                    fields.insert(QString::fromUtf8(name), QString::fromUtf8(content));
            }
        }
        position = next + 2;
    }
}

} // namespace

std::optional<FormFields> parseForm(const QByteArray &contentType, const QByteArray &body)
{
    const QByteArray type = contentType.trimmed().toLower();
    if (type.startsWith("application/x-www-form-urlencoded"))
        return parseUrlEncoded(body);
    if (type.startsWith("multipart/form-data"))
        return parseMultipart(contentType, body);
    return std::nullopt;
}

} // namespace ic::balancer
