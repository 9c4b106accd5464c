#pragma once
// What a room may hold and how fast its users may act: read by every Room, set once from the
// server's flags (ServerSettings::room).

#include "protocol/Limits.h"

#include <QString>
#include <QtGlobal>
#include <atomic>

namespace ic::server {

struct RoomSettings
{
    proto::Limits limits;
    bool rateLimits = true;
    double messagesPerSecond = 10;
    double messageBurst = 20;
    // Per user and room, taken in addition to the message bucket: these commands broadcast to
    // every member, and renames / description changes are also visible spam.
    double renamesPerMinute = 30;
    double renameBurst = 5;
    double descriptionChangesPerMinute = 12;
    double descriptionBurst = 3;
    double votesPerMinute = 120;
    double voteBurst = 20;
    // Typing signals (pv >= 2): at most one broadcast per user per this span, always (it is
    // the signal's design, not an abuse limit); the excess is dropped without an answer.
    qint64 typingIntervalMs = 2500;
    QString build;
    // Budgets of stored messages, in counted bytes (see Room::messageCost). Past the room's
    // budget the oldest messages are dropped like past the message cap; past the server's
    // budget new messages, growing edits and new votes are refused with ER 101.
    qint64 roomBytesMax = 2 * 1024 * 1024;
    qint64 serverBytesMax = qint64(1) << 30;
    // All rooms' counted bytes, shared by every room of the server; null = this room alone.
    std::atomic<qint64> *serverBytes = nullptr;
    // Users who are not active members leave the member list: after this long offline, or,
    // when they never joined (authorise-only), this long after authorising.
    qint64 userExpirySeconds = 3600;
    qint64 authorisationExpirySeconds = 120;
};

} // namespace ic::server
