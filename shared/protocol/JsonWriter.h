#pragma once
// Compact JSON text written straight into a byte buffer. The server serialises every broadcast
// once with it, so it avoids QJsonDocument's intermediate tree and its extra copies.

#include <QByteArray>
#include <QString>
#include <QStringView>
#include <concepts>

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
    // Only a real bool: a plain `bool` overload would win over QStringView for string literals
    // (u"OK" → pointer → bool is a standard conversion), silently writing `true` instead of text.
    template <typename B>
    requires std::same_as<B, bool>
    void value(B flag) { boolValue(flag); }
    // No floating-point numbers in the protocol frames: refuse them rather than truncate.
    template <std::floating_point F> void value(F) = delete;
    void nullValue();

    // Shortcuts for `key` followed by its value.
    void member(const char *name, QStringView text) { key(name), value(text); }
    void member(const char *name, qint64 number) { key(name), value(number); }
    template <typename B>
    requires std::same_as<B, bool>
    void member(const char *name, B flag) { key(name), boolValue(flag); }
    template <std::floating_point F> void member(const char *name, F) = delete;

    QByteArray take() { return std::move(m_out); }
    const QByteArray &bytes() const { return m_out; }

private:
    void separate();
    void boolValue(bool flag);

    QByteArray m_out;
    bool m_needComma = false;
};

// Appends `text` as a JSON string literal (quotes included), UTF-8 encoded.
void appendJsonString(QByteArray &out, QStringView text);

} // namespace ic::proto
