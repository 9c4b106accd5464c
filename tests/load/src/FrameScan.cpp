#include "FrameScan.h"

#include "protocol/ServerFrame.h"

#include <cstring>

namespace ic::load {
namespace {

// Position just after `needle` in `hay`, or -1. memmem is a tight libc loop; a delivery is a
// few hundred bytes, so three short searches cost far less than building a QJsonDocument.
qsizetype after(QByteArrayView hay, const char *needle, qsizetype from = 0)
{
    const size_t needleLength = std::strlen(needle);
    if (from >= hay.size())
        return -1;
    const void *found = memmem(hay.data() + from, size_t(hay.size() - from), needle, needleLength);
    if (!found)
        return -1;
    return qsizetype(static_cast<const char *>(found) - hay.data()) + qsizetype(needleLength);
}

qint64 digitsAt(QByteArrayView text, qsizetype position)
{
    if (position < 0 || position >= text.size() || text[position] < '0' || text[position] > '9')
        return -1;
    qint64 value = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9')
        value = value * 10 + (text[position++] - '0');
    return value;
}

FrameKind kindFromCode(QByteArrayView code)
{
    if (code == "TM")
        return FrameKind::TextMessage;
    if (code == "RP")
        return FrameKind::Reply;
    if (code == "ER")
        return FrameKind::Error;
    return FrameKind::Other;
}

} // namespace

QByteArray encodeProbeText(qint64 sendNs, int bytes)
{
    QByteArray text = QByteArray::number(sendNs);
    if (text.size() < bytes) {
        text.append('x');
        text.append(QByteArray(bytes - text.size(), 'x'));
    }
    return text;
}

ScannedFrame scanServerFrame(QByteArrayView payload)
{
    ScannedFrame result;
    // Keys are matched with their quotes, so `"c":` cannot match `"rCuId":`/`"cAt":` and `"id":`
    // cannot match `"uId":`/`"rId":`. Texts are ours ([0-9x]) or server-made names, which never
    // contain a quote unescaped, so a key pattern cannot start inside a string value.
    const qsizetype codeStart = after(payload, "\"c\":\"");
    if (codeStart < 0) {
        // Not the compact form the shared JsonWriter produces (e.g. whitespace after a colon):
        // take the slow, exact path rather than miscount.
        return decodeServerFrameFully(payload.toByteArray());
    }
    const void *codeEnd =
        std::memchr(payload.data() + codeStart, '"', size_t(payload.size() - codeStart));
    if (!codeEnd)
        return result;
    const QByteArrayView code(payload.data() + codeStart,
                              static_cast<const char *>(codeEnd) - (payload.data() + codeStart));
    result.kind = kindFromCode(code);
    switch (result.kind) {
    case FrameKind::TextMessage:
        result.messageId = digitsAt(payload, after(payload, "\"id\":"));
        result.sendNs = digitsAt(payload, after(payload, "\"t\":\""));
        break;
    case FrameKind::Error:
        result.errorCode = int(digitsAt(payload, after(payload, "\"t\":\"")));
        [[fallthrough]];
    case FrameKind::Reply:
        result.joinReply = after(payload, "\"rq\":\"j\"") >= 0;
        break;
    default:
        break;
    }
    return result;
}

ScannedFrame decodeServerFrameFully(const QByteArray &payload)
{
    ScannedFrame result;
    const std::optional<proto::ServerFrame> frame = proto::decodeServerFrame(payload);
    if (!frame)
        return result;
    result.kind = kindFromCode(frame->command.toLatin1());
    const proto::WireMessage *first =
        frame->messages && !frame->messages->isEmpty() ? &frame->messages->first() : nullptr;
    switch (result.kind) {
    case FrameKind::TextMessage:
        if (first && first->id)
            result.messageId = *first->id;
        if (first && first->text) {
            const QByteArray text = first->text->toLatin1();
            result.sendNs = digitsAt(text, 0);
        }
        break;
    case FrameKind::Error:
        result.errorCode = int(frame->errorCode());
        [[fallthrough]];
    case FrameKind::Reply:
        result.joinReply =
            frame->requestId && *frame->requestId == QLatin1StringView(joinRequestId);
        break;
    default:
        break;
    }
    return result;
}

} // namespace ic::load
