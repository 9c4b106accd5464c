#pragma once
// Replication records: every call that changes a room on its primary server, written so that a
// replica repeats the same Room call with the same arguments and ends in the same state
// (docs/architecture.md, "Replication batches"). One batch carries one room's records in order.
// Decoding treats the bytes as untrusted: every length is checked before anything is allocated
// for it, and any fault gives one sentence and no record. The applier replays decoded records on
// a replica's copy of the room and checks the primary's digest after each one.

#include "rooms/Room.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <memory>
#include <optional>

namespace ic::server {

// What the primary's room looked like after a call; a replica compares its own after repeating
// it. Cheap to take (counters only).
struct RoomDigest
{
    qint64 nextId = 0;
    qint64 memberVersion = 0;
    qint64 userCount = 0;
    qint64 messageCount = 0;
    qint64 storedBytes = 0;

    static RoomDigest of(const Room &room);
    bool operator==(const RoomDigest &) const = default;
};

class RoomReplication
{
public:
    static constexpr char magic[4] = {'I', 'C', 'R', 'B'};
    static constexpr quint16 version = 1;

    enum class Kind : quint8 {
        Init = 1,     // the room's keep-online snapshot: replaces any copy
        Join = 2,     // precheckJoin + join
        Command = 3,  // command (never TY or R_M_G: they change nothing a copy keeps)
        Leave = 4,    // leave
        External = 5, // postExternal (a message sent over HTTP)
        Expire = 6,   // expireUsers
        Drop = 7,     // the room is gone: delete the copy
        Touch = 8,    // touch (an HTTP read of the room counts as activity)
    };

    // One decoded record; only the fields of its kind are set.
    struct Record
    {
        Kind kind = Kind::Drop;
        quint64 seq = 0;
        QByteArray snapshot;      // Init
        Room::JoinRequest join;   // Join
        Caller caller;            // Command
        proto::ClientFrame frame; // Command
        quint64 connection = 0;   // Leave
        QString text;             // External
        qint64 nowNs = 0;
        qint64 nowMs = 0; // Command
        RoomDigest digest;
    };

    struct Batch
    {
        QString room;
        QList<Record> records;
    };

    // Whether a command's call is recorded: typing signals and member-list requests change
    // nothing a copy keeps (only rate-limit state, which a copy does not enforce), and a
    // rate-limited command changed nothing else.
    static bool records(const proto::ClientFrame &frame, const RoomResult &result);

    // Appends one record to `out` (the records of a batch not yet sent). `after` is the room
    // right after the call, for the digest.
    static void appendInit(QByteArray &out, quint64 seq, const Room &room, qint64 nowNs);
    static void appendJoin(QByteArray &out, quint64 seq, const Room::JoinRequest &request,
                           qint64 nowNs, const Room &after);
    static void appendCommand(QByteArray &out, quint64 seq, const Caller &caller,
                              const proto::ClientFrame &frame, qint64 nowNs, qint64 nowMs,
                              const Room &after);
    static void appendLeave(QByteArray &out, quint64 seq, quint64 connection, qint64 nowNs,
                            const Room &after);
    static void appendExternal(QByteArray &out, quint64 seq, const QString &encodedText,
                               qint64 nowNs, const Room &after);
    static void appendExpire(QByteArray &out, quint64 seq, qint64 nowNs, const Room &after);
    static void appendTouch(QByteArray &out, quint64 seq, qint64 nowNs, const Room &after);
    static void appendDrop(QByteArray &out, quint64 seq);

    // A batch of `count` records (as appended above) for the room `name`.
    static QByteArray batch(const QString &name, quint32 count, QByteArrayView records);

    // The canonical room name the batch is for, read from the header only (to route it to the
    // worker that owns the name); empty when the header is not valid.
    static QString roomName(QByteArrayView bytes, const RoomSettings &settings);

    // The whole batch, every field checked against `settings`; nullopt with `*error` set to one
    // English sentence on any fault (`*overBudget` when only its size is the fault).
    static std::optional<Batch> decode(QByteArrayView bytes, const RoomSettings &settings,
                                       QString *error, bool *overBudget = nullptr);

    // A replica's copy of one room and where its record stream stands.
    struct Copy
    {
        std::unique_ptr<Room> room; // null: no copy (never had one, dropped or discarded)
        quint64 lastSeq = 0;        // the last record applied
    };
    enum class Applied {
        Ok,         // every record applied (or already had been); copy.lastSeq is acked
        Resync,     // no copy to apply to, a gap, or a digest that differs: copy discarded
        Malformed,  // an Init snapshot the copy cannot be built from
        OverBudget, // an Init snapshot over this server's room limits
    };
    // Replays `batch` on `copy`, whose rooms are built with `settings` (a replica's: rate
    // limits off, its own byte counter, no server budget). Records at or below copy.lastSeq are
    // repeats of a batch sent again and are skipped.
    static Applied apply(Copy &copy, const Batch &batch, const RoomSettings &settings,
                         QString *error);
    // Repeats one non-Init record's call on `room` (its frames are discarded).
    static void replay(Room &room, const Record &record);

    // The settings a replica's rooms are built with, from the server's room settings and the
    // counter their bytes go to: they mirror what the primary accepted, so they never refuse
    // for the server budget nor rate-limit.
    static RoomSettings replicaSettings(RoomSettings live, std::atomic<qint64> *replicaBytes);
};

} // namespace ic::server
