// decodeClientFrame / decodeInitFrame on arbitrary bytes (what any client can send as a frame),
// plus round-trip invariants: what decodes re-encodes to JSON that decodes to the same frame.

#include "fuzz_common.h"
#include "protocol/ClientFrame.h"
#include "protocol/ServerFrame.h"

#include <QJsonDocument>

using namespace ic::proto;

namespace {

bool sameFrame(const ClientFrame &a, const ClientFrame &b)
{
    if (a.message.has_value() != b.message.has_value())
        return false;
    if (a.message && (a.message->id != b.message->id || a.message->text != b.message->text ||
                      a.message->replyUser != b.message->replyUser ||
                      a.message->replyMessage != b.message->replyMessage))
        return false;
    return a.kind == b.kind && a.command == b.command && a.requestId == b.requestId &&
           a.hasRoom == b.hasRoom && a.roomName == b.roomName && a.roomPassword == b.roomPassword &&
           a.userName == b.userName && a.support == b.support && a.keepAlive == b.keepAlive;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input = fuzz::bytes(data, size);

    const DecodedClientFrame decoded = decodeClientFrame(input);
    switch (decoded.error) {
    case DecodeError::None: {
        const QByteArray encoded = encodeClientFrame(decoded.frame);
        FUZZ_CHECK(QJsonDocument::fromJson(encoded).isObject());
        const DecodedClientFrame again = decodeClientFrame(encoded);
        FUZZ_CHECK(again.error == DecodeError::None);
        FUZZ_CHECK(sameFrame(again.frame, decoded.frame));
        // Encoding is deterministic: the canonical form is a fixed point.
        FUZZ_CHECK(encodeClientFrame(again.frame) == encoded);
        break;
    }
    case DecodeError::WrongType:
        FUZZ_CHECK(!decoded.wrongKey.isEmpty());
        // The ER 103 reply echoes rq: it must serialise to valid JSON whatever rq held.
        FUZZ_CHECK(QJsonDocument::fromJson(
                       encodeErrorFrame(ErrorCode::InvalidInput, decoded.frame.requestId, 1))
                       .isObject());
        break;
    case DecodeError::InvalidJson:
    case DecodeError::NotObject:
        FUZZ_CHECK(!QJsonDocument::fromJson(input).isObject());
        break;
    }

    const InitFrame init = decodeInitFrame(input);
    if (init.accepted) {
        FUZZ_CHECK(init.protocolVersion >= 1 && init.protocolVersion <= 1000);
        const InitFrame again =
            decodeInitFrame(encodeInitFrame(init.platform, init.protocolVersion));
        FUZZ_CHECK(again.accepted);
        FUZZ_CHECK(again.platform == init.platform);
        FUZZ_CHECK(again.protocolVersion == init.protocolVersion);
    } else {
        FUZZ_CHECK(init.protocolVersion == 1 && init.platform.isEmpty());
    }
    // Every JSON object is a valid init frame (v1 clients may send anything as their first frame).
    if (QJsonDocument::fromJson(input).isObject())
        FUZZ_CHECK(init.accepted);

    // Server frames are parsed by our clients from servers that might be hostile or broken.
    if (const auto frame = decodeServerFrame(input)) {
        const auto again = decodeServerFrame(encodeServerFrame(*frame));
        FUZZ_CHECK(again.has_value());
        FUZZ_CHECK(encodeServerFrame(*again) == encodeServerFrame(*frame));
        (void)frame->errorCode();
    }
    return 0;
}
