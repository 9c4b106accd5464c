#pragma once
// Server → client frames (docs/protocol.md §4.2, §4.3). Every key is optional: an absent key is not
// written, so a v1 session never sees a key it does not know.

#include "protocol/Codes.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace ic::proto {

// A message object, or the partial form some frames carry (`{"id"}` for TM_D, `{"t"}` for ER).
struct WireMessage
{
    std::optional<qint64> id;
    std::optional<QString> text;
    std::optional<qint64> supportCount; // sC
    std::optional<qint64> rejectCount;  // rC
    std::optional<qint64> lastEdited;   // lE, ns
    std::optional<qint64> lastVoted;    // lV, ns
    std::optional<QString> replyUser;   // rU
    std::optional<qint64> replyMessage; // rM
    std::optional<QString> userId;      // uId
    std::optional<qint64> createdAt;    // cAt, seconds

    friend bool operator==(const WireMessage &, const WireMessage &) = default;
};

struct WireUser
{
    QString id;
    QString name;
    bool anonymous = false;
    bool online = false;

    friend bool operator==(const WireUser &, const WireUser &) = default;
};

// pv >= 2 only (docs/protocol.md §7.3): who voted on one message, at most votersListed user
// ids per side, in the room's user order; the message's sC/rC stay the full counts.
struct WireVoters
{
    qint64 id = 0;
    QStringList support; // s
    QStringList reject;  // r

    friend bool operator==(const WireVoters &, const WireVoters &) = default;
};

// How many voters of each side a frame lists (the rest are counted only).
constexpr qsizetype votersListed = 10;

struct ServerFrame
{
    QString command;                            // c
    std::optional<QString> requestId;           // rq
    std::optional<QString> details;             // pd
    std::optional<QList<WireMessage>> messages; // m
    std::optional<QString> roomId;              // rId
    std::optional<QString> userId;              // uId
    std::optional<QString> creatorUserId;       // rCuId
    std::optional<qint64> time;                 // cAt, ns
    std::optional<QList<WireUser>> users;       // rU
    std::optional<QString> build;               // bN
    std::optional<QString> status;              // sS
    // pv >= 2 only (docs/protocol.md §7.2): the room's member-list version (R_M_CH, R_M_D)
    // and what a member delta reports (R_M_D).
    std::optional<qint64> memberVersion; // mV
    std::optional<QString> memberAction; // mA: one of the memberAction* codes (Codes.h)
    // pv >= 2 only (§7.3): voters of the messages of TM_S_R and of a join's ALL_TM.
    std::optional<QList<WireVoters>> voters; // vU

    Command kind() const { return commandFromCode(command); }
    // The numeric code of an ER frame (m[0].t), or ErrorCode::None.
    ErrorCode errorCode() const;

    friend bool operator==(const ServerFrame &, const ServerFrame &) = default;
};

QByteArray encodeServerFrame(const ServerFrame &frame);
std::optional<ServerFrame> decodeServerFrame(const QByteArray &json);

// The frames a server sends most, built without a ServerFrame in between.
QByteArray encodeErrorFrame(ErrorCode code, const std::optional<QString> &requestId, qint64 timeNs);
QByteArray encodeMessage(const WireMessage &message); // one message object, for caching

// Current time in the units the protocol uses.
qint64 nowNanoseconds();
qint64 nowSeconds();

} // namespace ic::proto
