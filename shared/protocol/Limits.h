#pragma once
// Limits of docs/protocol.md §6. Every one is configurable on the server; these are the defaults.

#include <QtGlobal>

namespace ic::proto {

struct Limits
{
    int roomNameMin = 3;
    int roomNameMax = 100;
    int roomPasswordMax = 100;
    int userNameMax = 80;
    int descriptionMax = 400;
    int messageTextMax = 10000;
    qsizetype frameMaxBytes = 64 * 1024;
    int messagesKept = 1000;
    int activeUsersMax = 1000;
    qint64 emptyRoomLifetimeSeconds = 12 * 3600;
    qsizetype outboundQueueMaxBytes = 4 * 1024 * 1024;
};

} // namespace ic::proto
