#pragma once
// RFC 6455 framing, used by the server's own WebSocket transport and by lean clients (the load
// tester). Server frames go out unmasked, client frames masked.

#include <QByteArray>
#include <QByteArrayView>
#include <deque>
#include <optional>

namespace ic::ws {

enum class Opcode : quint8 {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

enum CloseCode : quint16 {
    CloseNormal = 1000,
    CloseGoingAway = 1001,
    CloseProtocolError = 1002,
    CloseUnsupportedData = 1003,
    CloseInvalidPayload = 1007,
    ClosePolicyViolation = 1008,
    CloseTooBig = 1009,
    CloseInternalError = 1011,
    // "Service restart": the room moved to another server or the server restarts; the client
    // reconnects at once through /pick_backend and rejoins (docs/protocol.md §5.8).
    CloseRoomMoved = 1012,
};

// A complete frame; a masked one gets a fresh random key.
QByteArray encodeFrame(Opcode opcode, QByteArrayView payload, bool masked = false);
QByteArray encodeCloseFrame(quint16 code, QByteArrayView reason, bool masked = false);
// The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key.
QByteArray acceptKey(QByteArrayView clientKey);
// A random Sec-WebSocket-Key for a client handshake.
QByteArray randomClientKey();

struct Message
{
    Opcode opcode = Opcode::Text; // Text, Binary, Close, Ping or Pong
    QByteArray payload;
    bool oversize = false; // a data message over the limit: payload dropped, size noted
    qint64 size = 0;       // payload size as sent
};

// Incremental parser: feed bytes as they arrive, then take complete messages. Fragmented data
// messages are reassembled; a data message over the limit is skipped without being buffered and
// reported as oversize, so the connection can stay open.
class FrameParser
{
public:
    enum class Role { Server, Client }; // a server expects masked frames, a client unmasked ones

    FrameParser(Role role, qsizetype maxMessageBytes);

    // False on a protocol violation; closeCode() tells which close code to send.
    bool feed(QByteArrayView data);
    std::optional<Message> next();
    bool hasMessages() const { return !m_ready.empty(); }
    quint16 closeCode() const { return m_closeCode; }

    // Messages larger than this close the connection instead of being skipped.
    static constexpr qint64 hardLimitBytes = 64LL * 1024 * 1024;

private:
    bool fail(quint16 code);
    bool parseHeader();
    void consumePayload();

    Role m_role;
    qsizetype m_maxMessageBytes;
    QByteArray m_buffer;    // an incomplete tail left from the previous feed()
    QByteArrayView m_input; // what feed() is parsing: the caller's data or m_buffer
    qsizetype m_offset = 0; // parsed up to here in m_input

    // Current frame
    bool m_inFrame = false;
    bool m_fin = false;
    quint8 m_reservedBits = 0;
    Opcode m_opcode = Opcode::Text;
    quint8 m_mask[4] = {0, 0, 0, 0};
    bool m_masked = false;
    qint64 m_remaining = 0;
    qint64 m_maskPosition = 0;
    QByteArray m_controlPayload;

    // Current (possibly fragmented) data message
    bool m_inMessage = false;
    Opcode m_messageOpcode = Opcode::Text;
    QByteArray m_messagePayload;
    qint64 m_messageSize = 0;
    bool m_messageOversize = false;

    std::deque<Message> m_ready;
    quint16 m_closeCode = 0;
};

} // namespace ic::ws
