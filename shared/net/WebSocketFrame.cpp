#include "net/WebSocketFrame.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QStringDecoder>
#include <QtEndian>
#include <cstring>

namespace ic::ws {
namespace {

void appendHeader(QByteArray &out, Opcode opcode, qint64 length, bool masked)
{
    out.append(char(0x80 | quint8(opcode)));
    const quint8 maskBit = masked ? 0x80 : 0;
    if (length < 126) {
        out.append(char(maskBit | quint8(length)));
    } else if (length <= 0xFFFF) {
        out.append(char(maskBit | 126));
        out.append(char(length >> 8)).append(char(length & 0xFF));
    } else {
        out.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((quint64(length) >> shift) & 0xFF));
    }
}

// RFC 6455 §5.5.1 and §7.4: a close body is empty, or a 2-byte code that may be sent on the wire
// followed by a UTF-8 reason.
bool isValidClosePayload(const QByteArray &payload)
{
    if (payload.isEmpty())
        return true;
    if (payload.size() < 2)
        return false;
    const quint16 code = quint16((quint8(payload[0]) << 8) | quint8(payload[1]));
    const bool sendable = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
                          (code >= 3000 && code <= 4999);
    if (!sendable)
        return false;
    QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
    // decode() is lazy: only converting its result runs the decoder and sets hasError().
    const QString reason = decoder.decode(QByteArrayView(payload).sliced(2));
    return !decoder.hasError();
}

} // namespace

QByteArray encodeFrame(Opcode opcode, QByteArrayView payload, bool masked)
{
    QByteArray out;
    out.reserve(payload.size() + 14);
    appendHeader(out, opcode, payload.size(), masked);
    if (!masked) {
        out.append(payload.data(), payload.size());
        return out;
    }
    quint8 key[4];
    const quint32 random = QRandomGenerator::global()->generate();
    std::memcpy(key, &random, 4);
    out.append(reinterpret_cast<const char *>(key), 4);
    const qsizetype start = out.size();
    out.append(payload.data(), payload.size());
    char *data = out.data() + start;
    for (qsizetype i = 0; i < payload.size(); ++i)
        data[i] = char(data[i] ^ key[i & 3]);
    return out;
}

QByteArray encodeCloseFrame(quint16 code, QByteArrayView reason, bool masked)
{
    QByteArray payload;
    payload.append(char(code >> 8)).append(char(code & 0xFF));
    payload.append(reason.first(qMin<qsizetype>(reason.size(), 123)));
    return encodeFrame(Opcode::Close, payload, masked);
}

QByteArray acceptKey(QByteArrayView clientKey)
{
    QByteArray input = clientKey.trimmed().toByteArray();
    input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"; // fixed by RFC 6455
    return QCryptographicHash::hash(input, QCryptographicHash::Sha1).toBase64();
}

QByteArray randomClientKey()
{
    QByteArray bytes(16, Qt::Uninitialized);
    QRandomGenerator::global()->fillRange(reinterpret_cast<quint32 *>(bytes.data()), 4);
    return bytes.toBase64();
}

FrameParser::FrameParser(Role role, qsizetype maxMessageBytes)
    : m_role(role), m_maxMessageBytes(maxMessageBytes)
{
}

bool FrameParser::fail(quint16 code)
{
    m_closeCode = code;
    return false;
}

std::optional<Message> FrameParser::next()
{
    if (m_ready.empty())
        return std::nullopt;
    Message message = std::move(m_ready.front());
    m_ready.pop_front();
    return message;
}

bool FrameParser::parseHeader()
{
    const qsizetype available = m_input.size() - m_offset;
    if (available < 2)
        return false;
    const auto *bytes = reinterpret_cast<const quint8 *>(m_input.data() + m_offset);
    qsizetype headerSize = 2;
    qint64 length = bytes[1] & 0x7F;
    if (length == 126)
        headerSize += 2;
    else if (length == 127)
        headerSize += 8;
    const bool masked = bytes[1] & 0x80;
    if (masked)
        headerSize += 4;
    if (available < headerSize)
        return false;
    if (length == 126) {
        length = qFromBigEndian<quint16>(bytes + 2);
    } else if (length == 127) {
        const quint64 big = qFromBigEndian<quint64>(bytes + 2);
        length = big > quint64(hardLimitBytes) ? hardLimitBytes + 1 : qint64(big);
    }
    m_fin = bytes[0] & 0x80;
    m_reservedBits = bytes[0] & 0x70;
    m_opcode = Opcode(bytes[0] & 0x0F);
    m_masked = masked;
    if (masked)
        std::memcpy(m_mask, bytes + headerSize - 4, 4);
    m_remaining = length;
    m_maskPosition = 0;
    m_offset += headerSize;
    m_inFrame = true;
    return true;
}

bool FrameParser::feed(QByteArrayView data)
{
    if (m_closeCode)
        return false;
    // Parsed straight from the caller's bytes when nothing is left over from the previous call
    // (the common case); only an incomplete tail is copied and kept.
    const bool buffered = !m_buffer.isEmpty();
    if (buffered) {
        m_buffer.append(data.data(), data.size());
        m_input = m_buffer;
    } else {
        m_input = data;
    }
    m_offset = 0;
    while (true) {
        if (!m_inFrame) {
            if (!parseHeader())
                break;
            if (m_masked != (m_role == Role::Server))
                return fail(CloseProtocolError);
            // RSV1-3 mean extensions (e.g. permessage-deflate); none is ever negotiated, so a set
            // bit is a protocol error (RFC 6455 §5.2), not a payload to pass on.
            if (m_reservedBits)
                return fail(CloseProtocolError);
            const bool control = quint8(m_opcode) & 0x8;
            if (control) {
                if (!m_fin || m_remaining > 125)
                    return fail(CloseProtocolError);
                if (m_opcode != Opcode::Close && m_opcode != Opcode::Ping &&
                    m_opcode != Opcode::Pong)
                    return fail(CloseProtocolError);
                m_controlPayload.clear();
            } else if (m_opcode == Opcode::Continuation) {
                if (!m_inMessage)
                    return fail(CloseProtocolError);
            } else if (m_opcode == Opcode::Text || m_opcode == Opcode::Binary) {
                if (m_inMessage)
                    return fail(CloseProtocolError);
                m_inMessage = true;
                m_messageOpcode = m_opcode;
                m_messagePayload.clear();
                m_messageSize = 0;
                m_messageOversize = false;
            } else {
                return fail(CloseProtocolError);
            }
            if (!control) {
                m_messageSize += m_remaining;
                if (m_messageSize > hardLimitBytes)
                    return fail(CloseTooBig);
                if (m_messageSize > m_maxMessageBytes) {
                    m_messageOversize = true;
                    m_messagePayload = QByteArray();
                }
            }
        }
        consumePayload();
        if (m_remaining > 0)
            break;
        // Frame complete.
        m_inFrame = false;
        if (quint8(m_opcode) & 0x8) {
            if (m_opcode == Opcode::Close && !isValidClosePayload(m_controlPayload))
                return fail(CloseProtocolError);
            const qint64 size = m_controlPayload.size();
            m_ready.push_back({m_opcode, std::move(m_controlPayload), false, size});
            m_controlPayload = QByteArray();
        } else if (m_fin) {
            Message message{m_messageOpcode, std::move(m_messagePayload), m_messageOversize,
                            m_messageSize};
            m_ready.push_back(std::move(message));
            m_messagePayload = QByteArray();
            m_inMessage = false;
        }
    }
    if (buffered)
        m_buffer.remove(0, m_offset);
    else if (m_offset < m_input.size())
        m_buffer = m_input.sliced(m_offset).toByteArray();
    m_input = QByteArrayView();
    m_offset = 0;
    return true;
}

void FrameParser::consumePayload()
{
    const qint64 available = m_input.size() - m_offset;
    const qint64 take = qMin(available, m_remaining);
    if (take <= 0)
        return;
    const bool control = quint8(m_opcode) & 0x8;
    const char *source = m_input.data() + m_offset;
    if (control || !m_messageOversize) {
        QByteArray &target = control ? m_controlPayload : m_messagePayload;
        const qsizetype start = target.size();
        target.resize(start + take);
        char *destination = target.data() + start;
        if (m_masked) {
            for (qint64 i = 0; i < take; ++i)
                destination[i] = char(source[i] ^ m_mask[(m_maskPosition + i) & 3]);
        } else {
            std::memcpy(destination, source, size_t(take));
        }
    }
    m_maskPosition += take;
    m_remaining -= take;
    m_offset += take;
}

} // namespace ic::ws
