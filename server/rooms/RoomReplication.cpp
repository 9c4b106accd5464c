#include "rooms/RoomReplication.h"

#include "rooms/BinaryFields.h"

#include "rooms/RoomSnapshot.h"
#include "validation/Validation.h"

#include <limits>

namespace ic::server {
namespace {

// Bits of a Join record's flags byte.
constexpr quint8 joinPasswordGiven = 1;
constexpr quint8 joinPasswordMatches = 2;
constexpr quint8 joinAuthoriseOnly = 4;
constexpr quint8 joinCreated = 8;
constexpr quint8 joinFlagsKnown = 15;
// Kind, seq and the digest: the smallest record (Drop), to bound a count by the bytes left.
constexpr qsizetype recordMin = 1 + 8 + 5 * 8;
constexpr qsizetype requestIdMax = 1024;

// Batches are little endian.
FieldWriter fields(QByteArray &out)
{
    return FieldWriter(out, ByteOrder::Little);
}

FieldReader batchReader(QByteArrayView bytes)
{
    return FieldReader(bytes, ByteOrder::Little, QLatin1StringView("batch"));
}

void putHead(QByteArray &out, RoomReplication::Kind kind, quint64 seq)
{
    fields(out).u8(quint8(kind));
    fields(out).put<quint64>(seq);
}

void putDigest(QByteArray &out, const RoomDigest &digest)
{
    fields(out).put<qint64>(digest.nextId);
    fields(out).put<qint64>(digest.memberVersion);
    fields(out).put<qint64>(digest.userCount);
    fields(out).put<qint64>(digest.messageCount);
    fields(out).put<qint64>(digest.storedBytes);
}

void putCaller(QByteArray &out, const Caller &caller)
{
    out.append(caller.session.toRfc4122());
    fields(out).put<quint64>(caller.connection);
    fields(out).u8(caller.requestId ? 1 : 0);
    if (caller.requestId)
        fields(out).str(*caller.requestId);
    fields(out).put<quint16>(quint16(std::clamp(caller.protocolVersion, 1, 1000)));
}

QString readHeader(FieldReader &in, const RoomSettings &settings)
{
    if (in.raw("magic", 4) != QByteArrayView(RoomReplication::magic, 4)) {
        in.fail(QStringLiteral("the body is not a replication batch (wrong magic bytes)"));
        return {};
    }
    const quint16 version = in.get<quint16>("version");
    if (in.ok() && version != RoomReplication::version) {
        in.fail(QStringLiteral("the batch has format version %1; this server reads version %2")
                    .arg(version)
                    .arg(RoomReplication::version));
        return {};
    }
    const QString name =
        in.str("room name", 4 * settings.limits.roomNameMax, in.get<quint16>("room name"));
    if (!in.ok())
        return {};
    if (validation::canonicalRoomName(name) != name ||
        validation::checkRoomName(name, settings.limits) != ErrorCode::None) {
        in.fail(QStringLiteral("the batch's room name is not a valid canonical room name"));
        return {};
    }
    return name;
}

Caller readCaller(FieldReader &in)
{
    Caller caller;
    caller.session = in.uuid("caller's session");
    caller.connection = in.get<quint64>("caller's connection");
    const quint8 hasRequestId = in.get<quint8>("caller's request id flag");
    if (in.ok() && hasRequestId > 1)
        in.fail(QStringLiteral("the batch has an invalid request id flag"));
    if (hasRequestId)
        caller.requestId = in.str("request id", requestIdMax);
    caller.protocolVersion = in.get<quint16>("caller's protocol version");
    if (in.ok() && (caller.session.isNull() || caller.connection == 0 ||
                    caller.protocolVersion < 1 || caller.protocolVersion > 1000))
        in.fail(QStringLiteral("the batch names a nil session, connection 0 or an invalid "
                               "protocol version"));
    return caller;
}

} // namespace

RoomDigest RoomDigest::of(const Room &room)
{
    return {room.lastMessageId() + 1, room.memberVersion(), room.userCount(), room.messageCount(),
            room.storedBytes()};
}

bool RoomReplication::records(const proto::ClientFrame &frame, const RoomResult &result)
{
    return frame.kind != proto::Command::Typing && frame.kind != proto::Command::MembersRequest &&
           !result.rateLimited;
}

void RoomReplication::appendInit(QByteArray &out, quint64 seq, const Room &room, qint64 nowNs)
{
    putHead(out, Kind::Init, seq);
    fields(out).blob(RoomSnapshot::encode(room, nowNs, RoomSnapshot::Form::KeepOnline));
    putDigest(out, RoomDigest::of(room));
}

void RoomReplication::appendJoin(QByteArray &out, quint64 seq, const Room::JoinRequest &request,
                                 qint64 nowNs, const Room &after)
{
    putHead(out, Kind::Join, seq);
    putCaller(out, request.caller);
    fields(out).u8(request.userName ? 1 : 0);
    if (request.userName)
        fields(out).str(*request.userName);
    fields(out).u8((request.passwordGiven ? joinPasswordGiven : 0) |
                   (request.passwordMatches ? joinPasswordMatches : 0) |
                   (request.authoriseOnly ? joinAuthoriseOnly : 0) |
                   (request.created ? joinCreated : 0));
    fields(out).put<qint64>(nowNs);
    putDigest(out, RoomDigest::of(after));
}

void RoomReplication::appendCommand(QByteArray &out, quint64 seq, const Caller &caller,
                                    const proto::ClientFrame &frame, qint64 nowNs, qint64 nowMs,
                                    const Room &after)
{
    putHead(out, Kind::Command, seq);
    putCaller(out, caller);
    fields(out).blob(proto::encodeClientFrame(frame));
    fields(out).put<qint64>(nowNs);
    fields(out).put<qint64>(nowMs);
    putDigest(out, RoomDigest::of(after));
}

void RoomReplication::appendLeave(QByteArray &out, quint64 seq, quint64 connection, qint64 nowNs,
                                  const Room &after)
{
    putHead(out, Kind::Leave, seq);
    fields(out).put<quint64>(connection);
    fields(out).put<qint64>(nowNs);
    putDigest(out, RoomDigest::of(after));
}

void RoomReplication::appendExternal(QByteArray &out, quint64 seq, const QString &encodedText,
                                     qint64 nowNs, const Room &after)
{
    putHead(out, Kind::External, seq);
    fields(out).str(encodedText);
    fields(out).put<qint64>(nowNs);
    putDigest(out, RoomDigest::of(after));
}

void RoomReplication::appendExpire(QByteArray &out, quint64 seq, qint64 nowNs, const Room &after)
{
    putHead(out, Kind::Expire, seq);
    fields(out).put<qint64>(nowNs);
    putDigest(out, RoomDigest::of(after));
}

void RoomReplication::appendTouch(QByteArray &out, quint64 seq, qint64 nowNs, const Room &after)
{
    putHead(out, Kind::Touch, seq);
    fields(out).put<qint64>(nowNs);
    putDigest(out, RoomDigest::of(after));
}

void RoomReplication::appendDrop(QByteArray &out, quint64 seq)
{
    putHead(out, Kind::Drop, seq);
    putDigest(out, RoomDigest());
}

QByteArray RoomReplication::batch(const QString &name, quint32 count, QByteArrayView records)
{
    const QByteArray utf8 = name.toUtf8();
    QByteArray out;
    out.reserve(4 + 2 + 2 + utf8.size() + 4 + records.size());
    out.append(magic, 4);
    fields(out).put<quint16>(version);
    fields(out).put<quint16>(quint16(utf8.size()));
    out.append(utf8);
    fields(out).put<quint32>(count);
    out.append(records);
    return out;
}

QString RoomReplication::roomName(QByteArrayView bytes, const RoomSettings &settings)
{
    FieldReader in = batchReader(bytes);
    return readHeader(in, settings);
}

std::optional<RoomReplication::Batch> RoomReplication::decode(QByteArrayView bytes,
                                                              const RoomSettings &settings,
                                                              QString *error, bool *overBudget)
{
    if (overBudget)
        *overBudget = false;
    FieldReader in = batchReader(bytes);
    Batch batch;
    batch.room = readHeader(in, settings);
    const quint32 count = in.get<quint32>("record count");
    if (in.ok() && qint64(count) * recordMin > in.remaining())
        in.fail(QStringLiteral("the batch is truncated: %1 records announced, the bytes end first")
                    .arg(count));
    if (in.ok())
        batch.records.reserve(count);
    const qsizetype textMax = qsizetype(settings.limits.frameMaxBytes);
    const qint64 snapshotMax = RoomSnapshot::maxBytes(settings);
    quint64 previousSeq = 0;
    for (quint32 i = 0; i < count && in.ok(); ++i) {
        Record record;
        const quint8 kind = in.get<quint8>("record kind");
        record.seq = in.get<quint64>("record sequence number");
        if (!in.ok())
            break;
        if (kind < quint8(Kind::Init) || kind > quint8(Kind::Touch)) {
            in.fail(QStringLiteral("record %1 of the batch has the unknown kind %2")
                        .arg(i + 1)
                        .arg(kind));
            break;
        }
        if (record.seq == 0 || record.seq <= previousSeq) {
            in.fail(QStringLiteral("record %1 of the batch does not follow the one before it")
                        .arg(i + 1));
            break;
        }
        previousSeq = record.seq;
        record.kind = Kind(kind);
        switch (record.kind) {
        case Kind::Init: {
            const quint32 size = in.get<quint32>("snapshot");
            if (in.ok() && size > snapshotMax) {
                if (overBudget)
                    *overBudget = true;
                in.fail(QStringLiteral("the batch's snapshot is %1 bytes, more than the %2 a "
                                       "room on this server can take")
                            .arg(size)
                            .arg(snapshotMax));
            }
            record.snapshot = in.raw("snapshot", size).toByteArray();
            break;
        }
        case Kind::Join: {
            record.join.caller = readCaller(in);
            const quint8 hasName = in.get<quint8>("user name flag");
            if (in.ok() && hasName > 1)
                in.fail(QStringLiteral("the batch has an invalid user name flag"));
            if (hasName)
                record.join.userName = in.str("user name", textMax);
            const quint8 flags = in.get<quint8>("join flags");
            if (in.ok() && (flags & ~joinFlagsKnown) != 0)
                in.fail(QStringLiteral("the batch has unknown join flags"));
            record.join.passwordGiven = flags & joinPasswordGiven;
            record.join.passwordMatches = flags & joinPasswordMatches;
            record.join.authoriseOnly = flags & joinAuthoriseOnly;
            record.join.created = flags & joinCreated;
            record.nowNs = in.get<qint64>("join time");
            break;
        }
        case Kind::Command: {
            record.caller = readCaller(in);
            const QByteArrayView json = in.blob("command frame", textMax);
            record.nowNs = in.get<qint64>("command time");
            record.nowMs = in.get<qint64>("command clock");
            if (!in.ok())
                break;
            proto::DecodedClientFrame decoded = proto::decodeClientFrame(json.toByteArray());
            if (decoded.error != proto::DecodeError::None) {
                in.fail(QStringLiteral("record %1 of the batch has a command frame that does not "
                                       "decode")
                            .arg(i + 1));
                break;
            }
            record.frame = std::move(decoded.frame);
            break;
        }
        case Kind::Leave:
            record.connection = in.get<quint64>("leaving connection");
            record.nowNs = in.get<qint64>("leave time");
            break;
        case Kind::External:
            record.text = in.str("external message", textMax);
            record.nowNs = in.get<qint64>("external message time");
            break;
        case Kind::Expire:
        case Kind::Touch:
            record.nowNs = in.get<qint64>("time");
            break;
        case Kind::Drop:
            break;
        }
        record.digest.nextId = in.get<qint64>("digest");
        record.digest.memberVersion = in.get<qint64>("digest");
        record.digest.userCount = in.get<qint64>("digest");
        record.digest.messageCount = in.get<qint64>("digest");
        record.digest.storedBytes = in.get<qint64>("digest");
        if (in.ok() && (record.nowNs < 0 || record.nowMs < 0))
            in.fail(QStringLiteral("record %1 of the batch has a negative time").arg(i + 1));
        if (in.ok())
            batch.records.append(std::move(record));
    }
    if (in.ok() && in.remaining() != 0)
        in.fail(QStringLiteral("the batch has %1 bytes after its end").arg(in.remaining()));
    if (!in.ok()) {
        if (error)
            *error = in.error();
        return std::nullopt;
    }
    if (error)
        error->clear();
    return batch;
}

void RoomReplication::replay(Room &room, const Record &record)
{
    switch (record.kind) {
    case Kind::Join:
        room.precheckJoin(record.join.caller.session, record.join.authoriseOnly, record.nowNs);
        room.join(record.join, record.nowNs);
        break;
    case Kind::Command:
        room.command(record.caller, record.frame, record.nowNs, record.nowMs);
        break;
    case Kind::Leave:
        room.leave(record.connection, record.nowNs);
        break;
    case Kind::External:
        room.postExternal(record.text, record.nowNs);
        break;
    case Kind::Expire:
        room.expireUsers(record.nowNs);
        break;
    case Kind::Touch:
        room.touch(record.nowNs);
        break;
    case Kind::Init:
    case Kind::Drop:
        break;
    }
}

RoomReplication::Applied RoomReplication::apply(Copy &copy, const Batch &batch,
                                                const RoomSettings &settings, QString *error)
{
    const auto discard = [&](Applied outcome, const QString &sentence) {
        copy.room.reset();
        copy.lastSeq = 0;
        if (error)
            *error = sentence;
        return outcome;
    };
    for (const Record &record : batch.records) {
        if (record.kind == Kind::Init) {
            QString why;
            RoomSnapshot::Problem problem = RoomSnapshot::Problem::None;
            // The old copy goes first: its bytes leave the counter before the new one's come.
            copy.room.reset();
            copy.room = RoomSnapshot::decode(record.snapshot, settings, &why, &problem);
            if (!copy.room)
                return discard(problem == RoomSnapshot::Problem::OverBudget ? Applied::OverBudget
                                                                            : Applied::Malformed,
                               why);
            if (copy.room->name() != batch.room)
                return discard(Applied::Malformed,
                               QStringLiteral("the batch's snapshot is of another room"));
            copy.lastSeq = record.seq;
        } else {
            if (record.seq <= copy.lastSeq && copy.room)
                continue; // a batch sent again after a lost answer
            if (record.kind == Kind::Drop && !copy.room)
                continue;
            if (!copy.room)
                return discard(Applied::Resync, QStringLiteral("no copy of the room is here"));
            if (record.seq != copy.lastSeq + 1)
                return discard(Applied::Resync, QStringLiteral("records %1 to %2 are missing")
                                                    .arg(copy.lastSeq + 1)
                                                    .arg(record.seq - 1));
            if (record.kind == Kind::Drop) {
                copy.room.reset();
                copy.lastSeq = record.seq;
                continue;
            }
            replay(*copy.room, record);
            copy.lastSeq = record.seq;
        }
        const RoomDigest mine = RoomDigest::of(*copy.room);
        if (mine != record.digest)
            return discard(
                Applied::Resync,
                QStringLiteral("the copy differs from the room after record %1 (next id %2/%3, "
                               "member version %4/%5, users %6/%7, messages %8/%9, bytes "
                               "%10/%11; copy/room)")
                    .arg(record.seq)
                    .arg(mine.nextId)
                    .arg(record.digest.nextId)
                    .arg(mine.memberVersion)
                    .arg(record.digest.memberVersion)
                    .arg(mine.userCount)
                    .arg(record.digest.userCount)
                    .arg(mine.messageCount)
                    .arg(record.digest.messageCount)
                    .arg(mine.storedBytes)
                    .arg(record.digest.storedBytes));
    }
    if (error)
        error->clear();
    return Applied::Ok;
}

RoomSettings RoomReplication::replicaSettings(RoomSettings live, std::atomic<qint64> *replicaBytes)
{
    live.rateLimits = false;
    live.serverBytes = replicaBytes;
    live.serverBytesMax = std::numeric_limits<qint64>::max() / 2;
    return live;
}

} // namespace ic::server
