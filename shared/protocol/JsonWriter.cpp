#include "protocol/JsonWriter.h"

namespace ic::proto {

void appendJsonString(QByteArray &out, QStringView text)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.append('"');
    const QChar *chars = text.data();
    const qsizetype size = text.size();
    qsizetype i = 0;
    while (i < size) {
        // Plain printable ASCII is by far the common case (texts are URL-encoded by convention).
        qsizetype run = i;
        while (run < size) {
            const char16_t c = chars[run].unicode();
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
                break;
            ++run;
        }
        if (run > i) {
            const qsizetype start = out.size();
            out.resize(start + (run - i));
            char *dst = out.data() + start;
            for (qsizetype k = i; k < run; ++k)
                *dst++ = char(chars[k].unicode());
            i = run;
            continue;
        }
        const char16_t c = chars[i].unicode();
        if (c == '"' || c == '\\') {
            out.append('\\').append(char(c));
            ++i;
        } else if (c < 0x20) {
            switch (c) {
            case '\n':
                out.append("\\n");
                break;
            case '\r':
                out.append("\\r");
                break;
            case '\t':
                out.append("\\t");
                break;
            case '\b':
                out.append("\\b");
                break;
            case '\f':
                out.append("\\f");
                break;
            default:
                out.append("\\u00").append(hex[c >> 4]).append(hex[c & 0xf]);
            }
            ++i;
        } else if (QChar::isSurrogate(c) &&
                   !(QChar::isHighSurrogate(c) && i + 1 < size && chars[i + 1].isLowSurrogate())) {
            // An unpaired surrogate has no UTF-8 form; Qt's encoder would turn it into '?'. The
            // \uXXXX escape keeps it (as QJsonDocument does), so an echoed `rq` stays exact.
            out.append("\\u")
                .append(hex[c >> 12])
                .append(hex[(c >> 8) & 0xf])
                .append(hex[(c >> 4) & 0xf])
                .append(hex[c & 0xf]);
            ++i;
        } else {
            // Non-ASCII: hand the run (complete surrogate pairs only) to Qt's UTF-8 encoder.
            qsizetype end = i;
            while (end < size && chars[end].unicode() >= 0x80) {
                if (chars[end].isHighSurrogate() && end + 1 < size &&
                    chars[end + 1].isLowSurrogate())
                    end += 2;
                else if (chars[end].isSurrogate())
                    break;
                else
                    ++end;
            }
            out.append(text.mid(i, end - i).toUtf8());
            i = end;
        }
    }
    out.append('"');
}

void JsonWriter::separate()
{
    if (m_needComma)
        m_out.append(',');
}

void JsonWriter::beginObject()
{
    separate();
    m_out.append('{');
    m_needComma = false;
}

void JsonWriter::endObject()
{
    m_out.append('}');
    m_needComma = true;
}

void JsonWriter::beginArray()
{
    separate();
    m_out.append('[');
    m_needComma = false;
}

void JsonWriter::endArray()
{
    m_out.append(']');
    m_needComma = true;
}

void JsonWriter::key(const char *name)
{
    separate();
    m_out.append('"').append(name).append("\":");
    m_needComma = false;
}

void JsonWriter::value(QStringView text)
{
    separate();
    appendJsonString(m_out, text);
    m_needComma = true;
}

void JsonWriter::value(qint64 number)
{
    separate();
    m_out.append(QByteArray::number(number));
    m_needComma = true;
}

void JsonWriter::boolValue(bool flag)
{
    separate();
    m_out.append(flag ? "true" : "false");
    m_needComma = true;
}

void JsonWriter::nullValue()
{
    separate();
    m_out.append("null");
    m_needComma = true;
}

} // namespace ic::proto
