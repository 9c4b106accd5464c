#pragma once
// What the load tester needs from a server frame: its command, and for TM the message id and
// the send time our own text carries; for RP/ER the request id; for ER the code.
//
// Two implementations of the same extraction: a byte scanner that never builds a JSON tree
// (the default, because the generator must outrun the server at 100k+ deliveries/s), and the
// shared codec's full decode (`--parse full`) to measure what a full parse costs and to
// cross-check the scanner.

#include <QByteArray>
#include <QByteArrayView>

namespace ic::load {

enum class FrameKind : quint8 { Other, TextMessage, Reply, Error, Invalid };

struct ScannedFrame
{
    FrameKind kind = FrameKind::Invalid;
    qint64 messageId = -1;  // TM: m[0].id
    qint64 sendNs = -1;     // TM: the send time encoded in m[0].t by encodeProbeText(), else -1
    bool joinReply = false; // RP/ER whose rq is our join request id
    int errorCode = 0;      // ER: m[0].t as a number
};

// The request id the load tester puts on its join request.
inline constexpr char joinRequestId[] = "j";

// Message text that carries its send time (steady clock, ns): "<digits>x<padding>" of exactly
// `bytes` characters (or the digits alone when bytes is too small). Only [0-9x], so the
// URL-encoding v1 clients apply is the identity and the server stores it byte for byte.
QByteArray encodeProbeText(qint64 sendNs, int bytes);

ScannedFrame scanServerFrame(QByteArrayView payload);
ScannedFrame decodeServerFrameFully(const QByteArray &payload);

} // namespace ic::load
