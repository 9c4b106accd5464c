#include "validation/UrlEncoding.h"

#include <QStringDecoder>
#include <QUrl>

namespace ic::validation {

QString urlEncode(QStringView text)
{
    return QString::fromLatin1(QUrl::toPercentEncoding(text.toString(), "!~*'()"));
}

QString urlDecode(QStringView text, bool *ok)
{
    if (ok)
        *ok = true;
    if (!text.contains(u'%'))
        return text.toString();
    QByteArray bytes;
    bytes.reserve(text.size());
    auto hexValue = [](char16_t c) -> int {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    };
    qsizetype i = 0;
    while (i < text.size()) {
        if (text[i] == u'%') {
            const int high = i + 2 < text.size() ? hexValue(text[i + 1].unicode()) : -1;
            const int low = i + 2 < text.size() ? hexValue(text[i + 2].unicode()) : -1;
            if (high < 0 || low < 0) {
                if (ok)
                    *ok = false;
                return text.toString();
            }
            bytes.append(char(high * 16 + low));
            i += 3;
            continue;
        }
        // A run of literal characters is encoded as a whole so surrogate pairs stay intact.
        qsizetype end = i;
        while (end < text.size() && text[end] != u'%')
            ++end;
        bytes.append(text.mid(i, end - i).toUtf8());
        i = end;
    }
    // ConvertInitialBom: otherwise a leading U+FEFF ("%EF%BB%BF") is taken for a byte-order mark
    // and silently dropped, where decodeURIComponent keeps it.
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless |
                                                     QStringDecoder::Flag::ConvertInitialBom);
    QString decoded = decoder.decode(bytes);
    if (decoder.hasError()) {
        if (ok)
            *ok = false;
        return text.toString();
    }
    return decoded;
}

qsizetype characterCount(QStringView text)
{
    qsizetype count = 0;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (text[i].isHighSurrogate() && i + 1 < text.size() && text[i + 1].isLowSurrogate())
            ++i;
        ++count;
    }
    return count;
}

} // namespace ic::validation
