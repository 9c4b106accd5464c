#pragma once
// Compact JSON text written straight into a byte buffer. The server serialises every broadcast
// once with it, so it avoids QJsonDocument's intermediate tree and its extra copies.

#include <QByteArray>
#include <QString>
#include <QStringView>

namespace ic::proto {

class JsonWriter
{
public:
    explicit JsonWriter(qsizetype reserve = 256) { m_out.reserve(reserve); }

    void beginObject();
    void endObject();
    void beginArray();
    void endArray();
    // Starts a member of the current object; follow it by exactly one value.
    void key(const char *name);

    void value(QStringView text);
    void value(qint64 number);
    void value(bool flag);
    void nullValue();

    // Shortcuts for `key` followed by its value.
    void member(const char *name, QStringView text) { key(name), value(text); }
    void member(const char *name, qint64 number) { key(name), value(number); }
    void member(const char *name, bool flag) { key(name), value(flag); }

    QByteArray take() { return std::move(m_out); }
    const QByteArray &bytes() const { return m_out; }

private:
    void separate();

    QByteArray m_out;
    bool m_needComma = false;
};

// Appends `text` as a JSON string literal (quotes included), UTF-8 encoded.
void appendJsonString(QByteArray &out, QStringView text);

} // namespace ic::proto
