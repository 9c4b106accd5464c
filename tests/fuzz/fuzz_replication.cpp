// Replication batches (server/rooms/RoomReplication): a replica decodes and applies untrusted
// bytes. First input byte even: the rest is a batch for a copy that already holds a room (after a
// valid Init); odd: a valid batch (Init, joins, messages, edits, votes, leaves, an HTTP post) with
// bytes of the input written over it at input-chosen places. Either way decoding gives a batch or
// a sentence; applying gives Ok or a reason with the copy discarded; the copy's counted bytes are
// always its room's; nothing crashes. A broken property or a sanitizer report is a crash.

#include "fuzz_common.h"
#include "rooms/RoomReplication.h"
#include "rooms/RoomSnapshot.h"

#include <atomic>

namespace {

using ic::server::Caller;
using ic::server::Room;
using ic::server::RoomReplication;
using ic::server::RoomSettings;

constexpr qint64 t0 = 1'700'000'000'000'000'000LL;

RoomSettings liveSettings()
{
    RoomSettings settings;
    settings.limits.messagesKept = 6;
    settings.limits.activeUsersMax = 4;
    settings.limits.frameMaxBytes = 4096;
    settings.rateLimits = false;
    settings.userExpirySeconds = 60;
    settings.authorisationExpirySeconds = 10;
    return settings;
}

ic::proto::ClientFrame frame(const char *code, std::optional<qint64> id, const char *text)
{
    ic::proto::ClientFrame f;
    f.command = QLatin1StringView(code);
    f.kind = ic::proto::commandFromCode(f.command);
    f.message = ic::proto::ClientMessage{id, QLatin1StringView(text), std::nullopt, std::nullopt};
    if (QLatin1StringView(code) == QLatin1StringView("TM_S_R"))
        f.support = true;
    return f;
}

// Init, two users joining, messages, an edit, a vote, a delete, a leave, an HTTP post, an
// expiry and a touch: every kind but Drop, which ends it.
QByteArray validBatch(quint64 firstSeq)
{
    std::atomic<qint64> bytes{0};
    RoomSettings settings = liveSettings();
    settings.serverBytes = &bytes;
    Room room(QStringLiteral("fuzzed"), QUuid(), ic::server::PasswordHash(), settings, t0);
    QByteArray records;
    quint64 seq = firstSeq;
    RoomReplication::appendInit(records, seq++, room, t0);
    Caller callers[2];
    for (int i = 0; i < 2; ++i) {
        Room::JoinRequest join;
        join.caller.session = QUuid(0x1000u + uint(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        join.caller.connection = quint64(10 + i);
        join.caller.protocolVersion = 1 + i;
        if (i == 0)
            join.userName = QStringLiteral("Ann");
        room.join(join, t0 + i);
        RoomReplication::appendJoin(records, seq++, join, t0 + i, room);
        callers[i] = join.caller;
    }
    const ic::proto::ClientFrame frames[] = {frame("TM", std::nullopt, "one"),
                                             frame("TM", std::nullopt, "two"),
                                             frame("TM_E", 1, "uno"),
                                             frame("TM_S_R", 2, ""),
                                             frame("TM_D", 1, ""),
                                             frame("R_CH_D", std::nullopt, "about")};
    qint64 now = t0 + 10;
    for (const auto &f : frames) {
        const Caller &who = callers[now % 2];
        room.command(who, f, now, now / 1000000);
        RoomReplication::appendCommand(records, seq++, who, f, now, now / 1000000, room);
        ++now;
    }
    room.leave(11, now);
    RoomReplication::appendLeave(records, seq++, 11, now, room);
    room.postExternal(QStringLiteral("http"), now);
    RoomReplication::appendExternal(records, seq++, QStringLiteral("http"), now, room);
    now += 100'000'000'000LL;
    room.expireUsers(now);
    RoomReplication::appendExpire(records, seq++, now, room);
    room.touch(now);
    RoomReplication::appendTouch(records, seq++, now, room);
    RoomReplication::appendDrop(records, seq++);
    return RoomReplication::batch(room.name(), quint32(seq - firstSeq), records);
}

void applyBytes(const QByteArray &bytes, bool withCopy)
{
    std::atomic<qint64> counted{0};
    const RoomSettings settings = RoomReplication::replicaSettings(liveSettings(), &counted);
    RoomReplication::Copy copy;
    QString error;
    if (withCopy) {
        // A copy holding the first records of the valid batch (everything up to the Drop).
        static const QByteArray start = [] {
            QByteArray batch = validBatch(1);
            return batch;
        }();
        auto batch = RoomReplication::decode(start, settings, &error);
        FUZZ_CHECK(batch.has_value());
        batch->records.removeLast(); // keep the copy: no Drop
        FUZZ_CHECK(RoomReplication::apply(copy, *batch, settings, &error) ==
                   RoomReplication::Applied::Ok);
    }
    const auto batch = RoomReplication::decode(bytes, settings, &error);
    if (!batch) {
        FUZZ_CHECK(!error.isEmpty());
    } else {
        FUZZ_CHECK(!batch->room.isEmpty());
        const auto outcome = RoomReplication::apply(copy, *batch, settings, &error);
        if (outcome != RoomReplication::Applied::Ok) {
            FUZZ_CHECK(!error.isEmpty());
            FUZZ_CHECK(!copy.room);
        }
        if (copy.room) {
            FUZZ_CHECK(counted.load() == copy.room->storedBytes());
            // A copy is a room like any other: its snapshot restores.
            const QByteArray snapshot = ic::server::RoomSnapshot::encode(
                *copy.room, t0, ic::server::RoomSnapshot::Form::KeepOnline);
            auto again = ic::server::RoomSnapshot::decode(snapshot, settings, &error);
            FUZZ_CHECK(again != nullptr);
            FUZZ_CHECK(ic::server::RoomSnapshot::encode(
                           *again, t0, ic::server::RoomSnapshot::Form::KeepOnline) == snapshot);
        }
    }
    copy.room.reset();
    FUZZ_CHECK(counted.load() == 0);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] % 2 == 0) {
        applyBytes(fuzz::bytes(data + 1, size - 1), true);
        return 0;
    }
    // Pairs of (position, byte) written over a valid batch.
    static const QByteArray valid = validBatch(1);
    QByteArray mutated = valid;
    for (size_t i = 1; i + 2 < size; i += 3) {
        const qsizetype at = qsizetype((data[i] | (data[i + 1] << 8)) % mutated.size());
        mutated[at] = char(data[i + 2]);
    }
    applyBytes(mutated, (data[0] & 2) != 0);
    return 0;
}
