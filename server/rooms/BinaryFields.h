#pragma once
// Field-by-field writing and checked reading of the rooms' binary formats (room snapshots,
// replication batches). Reading treats the bytes as untrusted: every length is checked against
// what is left before anything is taken, the first fault is kept as one English sentence, and
// every later read fails quietly, so a decoder checks `ok()` only where it allocates or decides.
// The two formats differ only in byte order (snapshots: big endian, their version 1 is fixed;
// batches: little endian) and in the noun their sentences use.

#include <QByteArray>
#include <QByteArrayView>
#include <QString>
#include <QStringDecoder>
#include <QUuid>
#include <QtEndian>

namespace ic::server {

enum class ByteOrder { Big, Little };

class FieldWriter
{
public:
    FieldWriter(QByteArray &out, ByteOrder order) : m_out(out), m_order(order) {}

    template <typename T> void put(T v)
    {
        char raw[sizeof(T)];
        if (m_order == ByteOrder::Big)
            qToBigEndian(v, raw);
        else
            qToLittleEndian(v, raw);
        m_out.append(raw, sizeof(T));
    }
    void u8(quint8 v) { m_out.append(char(v)); }
    void u16(quint16 v) { put(v); }
    void u32(quint32 v) { put(v); }
    void u64(quint64 v) { put(v); }
    void i64(qint64 v) { put(v); }
    // A u32 length, then the bytes.
    void blob(QByteArrayView bytes)
    {
        u32(quint32(bytes.size()));
        m_out.append(bytes);
    }
    void str(const QString &text) { blob(text.toUtf8()); }
    void uuid(const QUuid &id) { m_out.append(id.toRfc4122()); }
    void raw(QByteArrayView bytes) { m_out.append(bytes); }

private:
    QByteArray &m_out;
    ByteOrder m_order;
};

class FieldReader
{
public:
    // `noun` names the whole in sentences: "snapshot", "batch".
    FieldReader(QByteArrayView bytes, ByteOrder order, QLatin1StringView noun)
        : m_in(bytes), m_order(order), m_noun(noun)
    {
    }

    bool ok() const { return m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    qsizetype remaining() const { return m_in.size() - m_at; }
    QLatin1StringView noun() const { return m_noun; }
    // Keeps the first sentence; false, so a check can `return in.fail(...)`.
    bool fail(const QString &sentence)
    {
        if (m_error.isEmpty())
            m_error = sentence;
        return false;
    }

    template <typename T> T get(const char *what)
    {
        if (!ok())
            return T{};
        if (remaining() < qsizetype(sizeof(T))) {
            truncated(what);
            return T{};
        }
        const char *at = m_in.data() + m_at;
        const T v = m_order == ByteOrder::Big ? qFromBigEndian<T>(at) : qFromLittleEndian<T>(at);
        m_at += sizeof(T);
        return v;
    }
    quint8 u8(const char *what) { return get<quint8>(what); }
    quint16 u16(const char *what) { return get<quint16>(what); }
    quint32 u32(const char *what) { return get<quint32>(what); }
    quint64 u64(const char *what) { return get<quint64>(what); }
    qint64 i64(const char *what) { return get<qint64>(what); }

    // Exactly `size` bytes, or empty (and a fault) when fewer are left.
    QByteArrayView raw(const char *what, qsizetype size)
    {
        if (!ok())
            return {};
        if (size < 0 || remaining() < size) {
            truncated(what);
            return {};
        }
        const QByteArrayView bytes = m_in.sliced(m_at, size);
        m_at += size;
        return bytes;
    }
    // `size` bytes announced by the caller's own length field, at most `max`.
    QByteArrayView blob(const char *what, qsizetype max, quint32 size)
    {
        if (!ok())
            return {};
        if (size > quint64(max)) {
            fail(QStringLiteral("the %1's %2 is %3 bytes long, more than %4")
                     .arg(m_noun, QLatin1StringView(what))
                     .arg(size)
                     .arg(max));
            return {};
        }
        return raw(what, qsizetype(size));
    }
    // A u32 length, then at most `max` bytes.
    QByteArrayView blob(const char *what, qsizetype max) { return blob(what, max, u32(what)); }
    // UTF-8 text of `size` bytes (announced by the caller), at most `max`.
    QString str(const char *what, qsizetype max, quint32 size)
    {
        const QByteArrayView bytes = blob(what, max, size);
        if (!ok())
            return {};
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString text = decoder.decode(bytes);
        if (decoder.hasError()) {
            fail(QStringLiteral("the %1's %2 is not valid UTF-8")
                     .arg(m_noun, QLatin1StringView(what)));
            return {};
        }
        return text;
    }
    // A u32 length, then UTF-8 text of at most `max` bytes.
    QString str(const char *what, qsizetype max) { return str(what, max, u32(what)); }
    QUuid uuid(const char *what)
    {
        const QByteArrayView bytes = raw(what, 16);
        return ok() ? QUuid::fromRfc4122(bytes) : QUuid();
    }
    // A u32 count of entries of at least `entryBytes` each, at most `max`: refused before the
    // caller allocates for it when the bytes left cannot hold that many.
    quint32 count(const char *what, qint64 max, qsizetype entryBytes)
    {
        const quint32 n = u32(what);
        if (!ok())
            return 0;
        if (n > max) {
            fail(QStringLiteral("the %1 has %2 %3, more than the %4 this server allows")
                     .arg(m_noun)
                     .arg(n)
                     .arg(QLatin1StringView(what))
                     .arg(max));
            return 0;
        }
        if (qint64(n) * entryBytes > remaining()) {
            fail(QStringLiteral("the %1 is truncated: %2 %3 announced, the bytes end first")
                     .arg(m_noun)
                     .arg(n)
                     .arg(QLatin1StringView(what)));
            return 0;
        }
        return n;
    }
    void truncated(const char *what)
    {
        fail(QStringLiteral("the %1 is truncated (it ends in the %2)")
                 .arg(m_noun, QLatin1StringView(what)));
    }

private:
    QByteArrayView m_in;
    qsizetype m_at = 0;
    ByteOrder m_order;
    QLatin1StringView m_noun;
    QString m_error;
};

} // namespace ic::server
