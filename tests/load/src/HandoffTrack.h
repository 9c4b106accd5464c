#pragma once
// What the handoff scenario records about each simulated user and each room, to tell after a
// rolling restart whether anything acknowledged was lost or duplicated and whether users,
// creators and passwords survived the moves (see HandoffMode.cpp).

#include "Stats.h"

#include <QHash>
#include <QSet>
#include <QString>
#include <QStringList>
#include <map>

namespace ic::load {

struct UserTrack
{
    QString name;            // chosen once, sent as `uN` on every join
    int protocolVersion = 1; // `pv` of its init frame
    bool observer = false;   // the fresh session that reads a room's final state at the end
    bool triedWithoutPassword = false; // observer: its join without the password was answered
    bool everJoined = false;
    bool rejoining = false;          // between a close and the RP of the R_J that follows it
    bool gone = false;               // stopped for good: room gone (ER 202) or reconnects gave up
    bool passwordOnRejoin = false;   // a rejoin without the password was refused (ER 203)
    int closeCode = 0;               // of the last close frame (1006: the connection just ended)
    qint64 closedNs = 0;             // when the last connection ended: the gap runs from here
    qint64 retryAtNs = 0;            // next reconnect attempt; 0 = none scheduled
    QString userId;                  // `uId` of its first join
    QString creator;                 // `rCuId` of the last join's R_CH_D
    QHash<QString, QString> members; // uId → name from the last R_M_CH (read at a join)
    qint64 nextSeq = 1;
    std::map<qint64, QString> unacked; // request seq → token: sent, no RP yet
    QSet<QString> acked;               // tokens whose TM got an RP
    QSet<QString> seen;                // tokens in TM deliveries and in join ALL_TMs
    QSet<QString> seenLive;            // tokens in TM deliveries only: a second one is a duplicate
    QSet<QString> joinHistory;         // tokens of the last join's ALL_TM
    qint64 joinHistoryFirstId = 0;     // > 1: the message cap dropped older messages
    bool killAffected = false;         // failover: its connection ended after the kill
    bool backAfterKill = false;        // failover: rejoined its room since
};

struct RoomTrack
{
    QString password; // empty: an open room
    QString creator;  // `rCuId` the first join reported
    // Read by the observer at the end.
    bool observed = false;
    bool missing = false;                // the observer's join got ER 202
    bool refusedWithoutPassword = false; // ER 203 for a join without the password
    bool openedWithoutPassword = false;  // RP for a join without the password
    QStringList finalTokens;             // texts of the final ALL_TM, ascending id
    qint64 firstFinalId = 0;             // > 1: the message cap dropped older messages
    QString finalCreator;
    QHash<QString, QString> finalNames; // uId → name in the final member list
};

// Run-wide counts of the handoff scenario.
struct HandoffCounters
{
    qint64 tmSent = 0;            // first sends (not resends)
    qint64 resent = 0;            // TMs sent again after a rejoin
    qint64 tmRefused = 0;         // TMs answered with ER
    qint64 unexpectedReplies = 0; // RP for a TM that was not outstanding (a second RP)
    qint64 rejoins = 0;           // R_J answered with RP after a close
    qint64 deliveryDuplicates = 0;
    qint64 userIdChanges = 0, nameChanges = 0, creatorChanges = 0, nameMissing = 0;
    qint64 authorisationsLost = 0; // ER 203 on a rejoin: the session's authorisation was lost
    qint64 usersRoomGone = 0;      // ER 202 on a rejoin
    qint64 usersGaveUp = 0;        // no rejoin within the reconnect deadline
    std::map<int, qint64> closeCodes;
    QHash<QString, qint64> rejoinFailures; // reason → attempts
    QStringList events;                    // first changes, for the report
    LatencySamples gaps;                   // close → RP of the rejoin, µs
    // Acknowledged tokens missing from the ALL_TM of the rejoin that followed (each client
    // checks its own, as soon as it is back).
    qint64 missingAtRejoin = 0;
    // The failover scenario: users whose connection ended after the kill, how many are back in
    // their room, and the time from the kill to each one's rejoin RP (µs).
    qint64 killAffected = 0, backAfterKill = 0;
    LatencySamples killToBack;
};

} // namespace ic::load
