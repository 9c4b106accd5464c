// The WebSocket frame parser on arbitrary bytes fed in arbitrary chunk sizes. Properties:
// - no crash, no sanitizer report, memory bounded by the message limit (oversize data is skipped);
// - chunking does not matter: fed whole or in pieces, the same messages and the same verdict;
// - every message respects its bound (control ≤ 125 bytes, data ≤ limit unless marked oversize).

#include "fuzz_common.h"
#include "net/WebSocketFrame.h"

#include <vector>

using namespace ic::ws;

namespace {

struct Outcome
{
    std::vector<Message> messages;
    bool ok = true;
    quint16 closeCode = 0;
};

void checkMessage(const Message &message, qsizetype limit)
{
    const bool control = quint8(message.opcode) & 0x8;
    if (control) {
        FUZZ_CHECK(message.opcode == Opcode::Close || message.opcode == Opcode::Ping ||
                   message.opcode == Opcode::Pong);
        FUZZ_CHECK(message.payload.size() <= 125 && !message.oversize);
    } else {
        FUZZ_CHECK(message.opcode == Opcode::Text || message.opcode == Opcode::Binary);
        if (message.oversize) {
            FUZZ_CHECK(message.payload.isEmpty());
            FUZZ_CHECK(message.size > limit);
        } else {
            FUZZ_CHECK(message.payload.size() == message.size);
            FUZZ_CHECK(message.size <= limit);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    // First byte: role and limit; second: chunking seed; the rest is the byte stream.
    const FrameParser::Role role =
        (data[0] & 1) ? FrameParser::Role::Server : FrameParser::Role::Client;
    const qsizetype limit = qsizetype(1) << ((data[0] >> 1) % 17); // 1 byte .. 64 KiB
    quint32 seed = data[1] * 2654435761u + 1;
    const QByteArrayView stream(reinterpret_cast<const char *>(data + 2), qsizetype(size - 2));

    Outcome whole;
    {
        FrameParser parser(role, limit);
        whole.ok = parser.feed(stream);
        whole.closeCode = parser.closeCode();
        while (auto message = parser.next()) {
            checkMessage(*message, limit);
            whole.messages.push_back(std::move(*message));
        }
        FUZZ_CHECK(whole.ok == (whole.closeCode == 0));
    }

    Outcome chunked;
    {
        FrameParser parser(role, limit);
        qsizetype offset = 0;
        while (offset < stream.size() && chunked.ok) {
            seed = seed * 1103515245u + 12345u;
            const qsizetype chunk = qMin<qsizetype>(stream.size() - offset, 1 + (seed >> 16) % 64);
            chunked.ok = parser.feed(stream.sliced(offset, chunk));
            offset += chunk;
            while (auto message = parser.next()) {
                checkMessage(*message, limit);
                chunked.messages.push_back(std::move(*message));
            }
        }
        chunked.closeCode = parser.closeCode();
        // A failed parser stays failed.
        if (!chunked.ok)
            FUZZ_CHECK(!parser.feed(QByteArrayView("\x81\x80\0\0\0\0", 6)) &&
                       !parser.hasMessages());
    }

    FUZZ_CHECK(whole.ok == chunked.ok);
    FUZZ_CHECK(whole.closeCode == chunked.closeCode);
    FUZZ_CHECK(whole.messages.size() == chunked.messages.size());
    for (size_t i = 0; i < whole.messages.size(); ++i) {
        FUZZ_CHECK(whole.messages[i].opcode == chunked.messages[i].opcode);
        FUZZ_CHECK(whole.messages[i].payload == chunked.messages[i].payload);
        FUZZ_CHECK(whole.messages[i].size == chunked.messages[i].size);
        FUZZ_CHECK(whole.messages[i].oversize == chunked.messages[i].oversize);
    }

    // What the parser accepted, re-encoded by our encoder, parses to the same messages.
    if (whole.ok) {
        const bool masked = role == FrameParser::Role::Server;
        QByteArray reencoded;
        for (const Message &message : whole.messages) {
            if (!message.oversize)
                reencoded += encodeFrame(message.opcode, message.payload, masked);
        }
        FrameParser parser(role, limit);
        FUZZ_CHECK(parser.feed(reencoded));
        for (const Message &message : whole.messages) {
            if (message.oversize)
                continue;
            const auto again = parser.next();
            FUZZ_CHECK(again && again->opcode == message.opcode &&
                       again->payload == message.payload);
        }
        FUZZ_CHECK(!parser.hasMessages());
    }
    return 0;
}
