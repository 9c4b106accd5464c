// Replication records (rooms/RoomReplication): random sequences of room operations — joins
// (named, anonymous, authorise-only, password rooms with right and wrong passwords), TM, TM_E,
// TM_D, votes, renames (to anonymous too), description changes, leaves, HTTP posts, touches,
// user expiry, trims past the cap and the room budget, rate-limited commands, typing and member
// list requests — are applied to a primary Room and recorded exactly as RoomHost records them.
// After every flushed batch the bytes are decoded and applied to a replica's copy, and the two
// rooms' keep-online snapshots must be byte-identical. Batches are sometimes grouped, sent
// twice, or restarted with Init. Malformed batches are refused with a sentence; the copy's bytes
// go to its own counter and are never refused for the server budget. Prints the cost of
// recording a TM in a 100-member room and of replaying it.

#include "RoomModelDriver.h"
#include "protocol/ServerFrame.h"
#include "rooms/Room.h"
#include "rooms/RoomReplication.h"
#include "rooms/RoomSnapshot.h"
#include "validation/UrlEncoding.h"

#include <QElapsedTimer>
#include <QTest>
#include <QtEndian>
#include <atomic>
#include <ctime>

using namespace ic::server;
using ic::proto::ClientFrame;
using ic::proto::ClientMessage;

namespace {

// CPU time of the calling thread: other processes on a busy machine do not count.
qint64 threadCpuNs()
{
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return qint64(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

// Times `work` in thread CPU nanoseconds.
struct CpuTimer
{
    qint64 started = threadCpuNs();
    void restart() { started = threadCpuNs(); }
    qint64 nsecsElapsed() const { return threadCpuNs() - started; }
};

constexpr qint64 second = 1'000'000'000;
constexpr qint64 t0 = 1'700'000'000 * second;
constexpr int sessionCount = 9;

RoomSettings primarySettings(std::atomic<qint64> *serverBytes)
{
    RoomSettings settings;
    settings.limits.activeUsersMax = 6; // full rooms, expiry on join
    settings.limits.messagesKept = 25;  // trims past the cap
    settings.roomBytesMax = Room::minimumRoomBytes(settings.limits) + 4000; // and the budget
    settings.rateLimits = true;
    settings.messagesPerSecond = 2;
    settings.messageBurst = 4;
    settings.renamesPerMinute = 6;
    settings.renameBurst = 2;
    settings.userExpirySeconds = 30;
    settings.authorisationExpirySeconds = 10;
    settings.build = QStringLiteral("replication-test");
    settings.serverBytes = serverBytes;
    return settings;
}

ClientFrame frame(const char *code, std::optional<qint64> id = std::nullopt,
                  const QString &text = QString(), std::optional<bool> support = std::nullopt)
{
    ClientFrame f;
    f.command = QLatin1StringView(code);
    f.kind = ic::proto::commandFromCode(f.command);
    f.requestId = QStringLiteral("rq-") + QLatin1StringView(code);
    if (id || !text.isNull())
        f.message = ClientMessage{id, text, std::nullopt, std::nullopt};
    f.support = support;
    return f;
}

// A primary room and the records RoomHost would make for it, plus the replica's copy.
class Pair
{
public:
    Pair(quint64 seed, bool password)
        : m_choices(seed), m_replicaSettings(RoomReplication::replicaSettings(
                               primarySettings(nullptr), &m_replicaBytes))
    {
        for (int i = 0; i < sessionCount; ++i)
            m_sessions.append(QUuid::fromString(
                QStringLiteral("%1-0000-4000-8000-00000000000%2")
                    .arg(quint32(seed * 7919 + quint64(i)), 8, 16, QLatin1Char('0'))
                    .arg(i)));
        PasswordHash hash;
        if (password) {
            hash.salt = QByteArray(16, 's');
            hash.key = QByteArray(32, 'k');
        }
        m_room = std::make_unique<Room>(QStringLiteral("replicated-room"), m_sessions.first(), hash,
                                        primarySettings(&m_primaryBytes), m_now);
        recordInit();
    }

    Room &primary() { return *m_room; }
    const RoomReplication::Copy &copy() const { return m_copy; }
    qint64 now() const { return m_now; }
    qint64 primaryBytes() const { return m_primaryBytes.load(); }
    qint64 replicaBytes() const { return m_replicaBytes.load(); }
    const QStringList &trace() const { return m_trace; }

    // One random operation; its records are kept until the next flush.
    void step()
    {
        const int pick = m_choices.pick(100);
        m_now += pick < 90 ? m_choices.pick(400) * 1'000'000LL : m_choices.pick(40) * second;
        const int index = m_choices.pick(sessionCount);
        const QUuid session = m_sessions.at(index);
        const quint64 connection = m_online.value(session, 0);
        const qint64 lastId = m_room->lastMessageId();
        const qint64 someId = lastId > 0 ? m_choices.pick(int(lastId) + 2) : 1;
        switch (m_choices.pick(17)) {
        case 0:
        case 1:
        case 2:
            join(index, false);
            break;
        case 3:
            join(index, true);
            break;
        case 4:
            if (connection) {
                const RoomResult result = m_room->leave(connection, m_now);
                m_online.remove(session);
                if (!result.removedConnections.isEmpty())
                    add("leave", [&](QByteArray &out, quint64 seq) {
                        RoomReplication::appendLeave(out, seq, connection, m_now, *m_room);
                    });
            }
            break;
        case 5:
        case 6:
        case 7:
            command(index, frame("TM", std::nullopt, text()));
            break;
        case 8:
            command(index, frame("TM_E", someId, text()));
            break;
        case 9:
            command(index, frame("TM_D", someId));
            break;
        case 10:
            command(index, frame("TM_S_R", someId, QString(), m_choices.pick(2) == 1));
            break;
        case 11: {
            ClientFrame f = frame("R_CH_UN");
            // Empty: a new anonymous name, drawn from the session and the room.
            f.userName = m_choices.pick(3) == 0 ? QString()
                                                : QStringLiteral("Name%1").arg(m_choices.pick(5));
            command(index, f);
            break;
        }
        case 12:
            command(index, frame("R_CH_D", std::nullopt, QStringLiteral("about%1").arg(pick)));
            break;
        case 13:
            // Not recorded: they take rate-limit tokens only, and a copy has no rate limits.
            command(index, frame(m_choices.pick(2) ? "R_M_G" : "TY"));
            break;
        case 14: {
            qint64 id = 0;
            const QString body = text();
            const RoomResult result = m_room->postExternal(body, m_now, &id);
            if (result.error == ErrorCode::None)
                add("external", [&](QByteArray &out, quint64 seq) {
                    RoomReplication::appendExternal(out, seq, body, m_now, *m_room);
                });
            break;
        }
        case 15:
            if (m_room->expireUsers(m_now) > 0)
                add("expire", [&](QByteArray &out, quint64 seq) {
                    RoomReplication::appendExpire(out, seq, m_now, *m_room);
                });
            break;
        default:
            m_room->touch(m_now);
            add("touch", [&](QByteArray &out, quint64 seq) {
                RoomReplication::appendTouch(out, seq, m_now, *m_room);
            });
            break;
        }
    }

    // Ships what was recorded (sometimes twice, as after a lost answer; sometimes after an
    // Init, as after a resync) and applies it to the copy; false with `why` on any fault.
    bool flush(QString *why)
    {
        if (m_choices.pick(25) == 0)
            recordInit();
        const QByteArray batch = RoomReplication::batch(m_room->name(), m_count, m_records);
        m_records.clear();
        m_count = 0;
        for (int times = m_choices.pick(8) == 0 ? 2 : 1; times > 0; --times) {
            QString error;
            const auto decoded = RoomReplication::decode(batch, m_replicaSettings, &error);
            if (!decoded) {
                *why = QStringLiteral("decode: ") + error;
                return false;
            }
            const auto applied =
                RoomReplication::apply(m_copy, *decoded, m_replicaSettings, &error);
            if (applied != RoomReplication::Applied::Ok) {
                *why = QStringLiteral("apply: ") + error;
                return false;
            }
            if (m_copy.lastSeq != m_seq) {
                *why = QStringLiteral("acked %1, recorded %2").arg(m_copy.lastSeq).arg(m_seq);
                return false;
            }
        }
        return true;
    }

    bool pending() const { return m_count > 0; }
    bool flushNow() { return m_choices.pick(3) != 0; }

private:
    QString text()
    {
        // Sometimes long, so the room budget trims too.
        const int size = m_choices.pick(6) == 0 ? 1500 + m_choices.pick(500) : m_choices.pick(40);
        return QString(size, QChar(u'a' + m_choices.pick(26)));
    }

    template <typename Append> void add(const char *what, Append append)
    {
        append(m_records, ++m_seq);
        ++m_count;
        m_trace.append(QStringLiteral("%1 %2").arg(m_seq).arg(QLatin1StringView(what)));
        if (m_trace.size() > 12)
            m_trace.removeFirst();
    }

    void recordInit()
    {
        add("init", [&](QByteArray &out, quint64 seq) {
            RoomReplication::appendInit(out, seq, *m_room, m_now);
        });
    }

    void join(int index, bool authoriseOnly)
    {
        const QUuid session = m_sessions.at(index);
        Room::JoinRequest request;
        request.caller.session = session;
        request.caller.connection = ++m_connection;
        request.caller.requestId = QStringLiteral("j%1").arg(m_connection);
        request.caller.protocolVersion = m_choices.pick(2) ? 2 : 1;
        switch (m_choices.pick(4)) {
        case 0:
            request.userName = QStringLiteral("User%1").arg(m_choices.pick(7));
            break;
        case 1:
            request.userName = QString(); // anonymous, like no name at all
            break;
        default:
            break;
        }
        request.passwordGiven = m_room->hasPassword() ? m_choices.pick(4) != 0 : false;
        request.passwordMatches = request.passwordGiven && m_choices.pick(5) != 0;
        request.authoriseOnly = authoriseOnly;
        // As RoomHost::join: the precheck may let expired users go before the join.
        const qint64 users = m_room->userCount();
        m_room->precheckJoin(session, authoriseOnly, m_now);
        if (m_room->userCount() != users)
            add("precheck expire", [&](QByteArray &out, quint64 seq) {
                RoomReplication::appendExpire(out, seq, m_now, *m_room);
            });
        const RoomResult result = m_room->join(request, m_now);
        if (result.joined)
            m_online.insert(session, request.caller.connection);
        for (quint64 gone : result.removedConnections)
            m_online.removeIf([gone](const auto &entry) { return entry.value() == gone; });
        add(authoriseOnly ? "authorise" : "join", [&](QByteArray &out, quint64 seq) {
            RoomReplication::appendJoin(out, seq, request, m_now, *m_room);
        });
    }

    void command(int index, const ClientFrame &f)
    {
        Caller caller;
        caller.session = m_sessions.at(index);
        // Sometimes from a connection that is not (or no longer) the member's.
        caller.connection = m_online.value(caller.session, 0);
        if (!caller.connection || m_choices.pick(15) == 0)
            caller.connection = 100000 + quint64(m_choices.pick(50));
        caller.requestId = f.requestId;
        caller.protocolVersion = m_choices.pick(3) ? 2 : 1;
        const qint64 nowMs = m_now / 1'000'000;
        const RoomResult result = m_room->command(caller, f, m_now, nowMs);
        if (RoomReplication::records(f, result))
            add(qPrintable(f.command), [&](QByteArray &out, quint64 seq) {
                RoomReplication::appendCommand(out, seq, caller, f, m_now, nowMs, *m_room);
            });
    }

    ic::testing::SeededChoices m_choices;
    std::atomic<qint64> m_primaryBytes{0};
    std::atomic<qint64> m_replicaBytes{0};
    RoomSettings m_replicaSettings;
    QList<QUuid> m_sessions;
    QHash<QUuid, quint64> m_online;
    qint64 m_now = t0;
    quint64 m_connection = 0;
    std::unique_ptr<Room> m_room;
    QByteArray m_records;
    quint32 m_count = 0;
    quint64 m_seq = 0;
    RoomReplication::Copy m_copy;
    QStringList m_trace;
};

QByteArray keepOnline(const Room &room, qint64 now)
{
    return RoomSnapshot::encode(room, now, RoomSnapshot::Form::KeepOnline);
}

// A valid batch: Init of a room with one member and one message, then a TM.
QByteArray sampleBatch(const RoomSettings &settings)
{
    std::atomic<qint64> bytes{0};
    RoomSettings live = settings;
    live.serverBytes = &bytes;
    Room room(QStringLiteral("sample"), QUuid(), PasswordHash(), live, t0);
    QByteArray records;
    RoomReplication::appendInit(records, 1, room, t0);
    Room::JoinRequest join;
    join.caller.session = QUuid::fromString(QStringLiteral("1b4e28ba-2fa1-41d2-883f-0016d3cca427"));
    join.caller.connection = 5;
    join.userName = QStringLiteral("Ann");
    room.join(join, t0);
    RoomReplication::appendJoin(records, 2, join, t0, room);
    const ClientFrame tm = frame("TM", std::nullopt, QStringLiteral("hello"));
    room.command(join.caller, tm, t0, t0 / 1'000'000);
    RoomReplication::appendCommand(records, 3, join.caller, tm, t0, t0 / 1'000'000, room);
    return RoomReplication::batch(room.name(), 3, records);
}

} // namespace

class TestRoomReplication : public QObject
{
    Q_OBJECT

private slots:
    void model_data()
    {
        QTest::addColumn<quint64>("seed");
        QTest::addColumn<bool>("password");
        for (quint64 seed = 1; seed <= 12; ++seed)
            QTest::addRow("seed %llu%s", seed, seed % 3 == 0 ? ", password room" : "")
                << seed << (seed % 3 == 0);
    }

    void model()
    {
        QFETCH(quint64, seed);
        QFETCH(bool, password);
        Pair pair(seed, password);
        int flushes = 0;
        for (int i = 0; i < 1500; ++i) {
            pair.step();
            if (!pair.pending() || !pair.flushNow())
                continue;
            QString why;
            const bool ok = pair.flush(&why);
            QVERIFY2(ok, qPrintable(why + QStringLiteral(" after ") + pair.trace().join(u", ")));
            QVERIFY(pair.copy().room);
            QVERIFY2(keepOnline(*pair.copy().room, pair.now()) ==
                         keepOnline(pair.primary(), pair.now()),
                     qPrintable(QStringLiteral("copy differs after ") + pair.trace().join(u", ")));
            QCOMPARE(pair.replicaBytes(), pair.copy().room->storedBytes());
            ++flushes;
        }
        QVERIFY(flushes > 100);
        // The room did what the test is about: messages trimmed, users listed and online.
        QVERIFY(pair.primary().lastMessageId() > pair.primary().messageCount());
        qInfo("seed %llu: %d batches, %lld messages ever, %lld kept, %lld users", seed, flushes,
              pair.primary().lastMessageId(), qint64(pair.primary().messageCount()),
              qint64(pair.primary().userCount()));
    }

    // A copy that does not end where the primary did is caught by the digest: the record's
    // digest was taken after a change the copy never saw, so the copy is discarded and the
    // answer is resync (the primary then sends Init).
    void divergenceIsDetected()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = primarySettings(&bytes);
        Room primary(QStringLiteral("diverging"), QUuid(), PasswordHash(), settings, t0);
        QByteArray records;
        RoomReplication::appendInit(records, 1, primary, t0);
        RoomReplication::Copy copy;
        std::atomic<qint64> replicaBytes{0};
        const RoomSettings replica = RoomReplication::replicaSettings(settings, &replicaBytes);
        QString error;
        auto batch = RoomReplication::decode(RoomReplication::batch(primary.name(), 1, records),
                                             replica, &error);
        QVERIFY(batch);
        QCOMPARE(RoomReplication::apply(copy, *batch, replica, &error),
                 RoomReplication::Applied::Ok);
        // A record whose digest does not match what the copy gets: resync, copy discarded.
        Room::JoinRequest join;
        join.caller.session = QUuid::createUuid();
        join.caller.connection = 7;
        primary.join(join, t0);
        records.clear();
        RoomReplication::appendJoin(records, 2, join, t0, primary);
        primary.postExternal(QStringLiteral("only-on-the-primary"), t0);
        records.clear();
        RoomReplication::appendJoin(records, 2, join, t0, primary); // digest after the extra post
        batch = RoomReplication::decode(RoomReplication::batch(primary.name(), 1, records), replica,
                                        &error);
        QVERIFY(batch);
        QCOMPARE(RoomReplication::apply(copy, *batch, replica, &error),
                 RoomReplication::Applied::Resync);
        QVERIFY(!copy.room);
        QVERIFY2(error.contains(QStringLiteral("differs")), qPrintable(error));
        QCOMPARE(replicaBytes.load(), 0);
    }

    // A gap in the records, or records without a copy, ask for Init.
    void gapsAskForInit()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = primarySettings(&bytes);
        Room primary(QStringLiteral("gaps"), QUuid(), PasswordHash(), settings, t0);
        std::atomic<qint64> replicaBytes{0};
        const RoomSettings replica = RoomReplication::replicaSettings(settings, &replicaBytes);
        RoomReplication::Copy copy;
        QString error;
        QByteArray records;
        primary.touch(t0 + 1);
        RoomReplication::appendTouch(records, 5, t0 + 1, primary);
        auto batch = RoomReplication::decode(RoomReplication::batch(primary.name(), 1, records),
                                             replica, &error);
        QVERIFY(batch);
        QCOMPARE(RoomReplication::apply(copy, *batch, replica, &error),
                 RoomReplication::Applied::Resync);
        records.clear();
        RoomReplication::appendInit(records, 6, primary, t0 + 1);
        RoomReplication::appendTouch(records, 8, t0 + 2, primary);
        batch = RoomReplication::decode(RoomReplication::batch(primary.name(), 2, records), replica,
                                        &error);
        QVERIFY(batch);
        QCOMPARE(RoomReplication::apply(copy, *batch, replica, &error),
                 RoomReplication::Applied::Resync);
        QVERIFY2(error.contains(QStringLiteral("missing")), qPrintable(error));
    }

    // The copy mirrors what the primary accepted: a server budget that is full for live rooms
    // refuses nothing on the copy, whose bytes go to their own counter.
    void copyIgnoresServerBudget()
    {
        std::atomic<qint64> liveBytes{0};
        RoomSettings settings = primarySettings(&liveBytes);
        settings.rateLimits = false;
        Room primary(QStringLiteral("budget"), QUuid(), PasswordHash(), settings, t0);
        Room::JoinRequest join;
        join.caller.session = QUuid::createUuid();
        join.caller.connection = 3;
        QByteArray records;
        RoomReplication::appendInit(records, 1, primary, t0);
        primary.join(join, t0);
        RoomReplication::appendJoin(records, 2, join, t0, primary);
        for (int i = 0; i < 20; ++i) {
            const ClientFrame tm = frame("TM", std::nullopt, QString(200, u'x'));
            primary.command(join.caller, tm, t0 + i, 0);
            RoomReplication::appendCommand(records, quint64(3 + i), join.caller, tm, t0 + i, 0,
                                           primary);
        }
        std::atomic<qint64> replicaBytes{0};
        RoomSettings full = settings;
        full.serverBytesMax = 1; // live rooms on the replica's server could not add a byte
        full.serverBytes = &liveBytes;
        const RoomSettings replica = RoomReplication::replicaSettings(full, &replicaBytes);
        QString error;
        const auto batch = RoomReplication::decode(
            RoomReplication::batch(primary.name(), 22, records), replica, &error);
        QVERIFY2(batch, qPrintable(error));
        RoomReplication::Copy copy;
        QCOMPARE(RoomReplication::apply(copy, *batch, replica, &error),
                 RoomReplication::Applied::Ok);
        QCOMPARE(copy.room->messageCount(), 20);
        QCOMPARE(replicaBytes.load(), primary.storedBytes());
        QCOMPARE(liveBytes.load(), primary.storedBytes()); // the primary's alone
        copy.room.reset();
        QCOMPARE(replicaBytes.load(), 0);
    }

    void header()
    {
        const RoomSettings settings = primarySettings(nullptr);
        const QByteArray batch = sampleBatch(settings);
        QCOMPARE(RoomReplication::roomName(batch, settings), QStringLiteral("sample"));
        QCOMPARE(RoomReplication::roomName(batch.left(8), settings), QString());
        QCOMPARE(RoomReplication::roomName(QByteArray("ICRS\1\0"), settings), QString());
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("sentence");
        const QByteArray good = sampleBatch(primarySettings(nullptr));
        const qsizetype countAt = 4 + 2 + 2 + 6;
        QTest::newRow("empty") << QByteArray() << QStringLiteral("magic");
        QTest::newRow("snapshot magic")
            << QByteArray("ICRS") + good.mid(4) << QStringLiteral("not a replication batch");
        QByteArray version = good;
        version[4] = 9;
        QTest::newRow("version") << version << QStringLiteral("version 9");
        QByteArray name = good;
        name[8] = 'S';
        QTest::newRow("name not canonical") << name << QStringLiteral("canonical");
        QByteArray count = good;
        qToLittleEndian<quint32>(0xFFFFFFFFu, count.data() + countAt);
        QTest::newRow("huge count") << count << QStringLiteral("announced");
        QByteArray kind = good;
        kind[countAt + 4] = 42;
        QTest::newRow("unknown kind") << kind << QStringLiteral("unknown kind 42");
        QByteArray seq = good;
        qToLittleEndian<quint64>(0, seq.data() + countAt + 5);
        QTest::newRow("seq zero") << seq << QStringLiteral("does not follow");
        QByteArray snapshot = good;
        qToLittleEndian<quint32>(0x7FFFFFFFu, snapshot.data() + countAt + 4 + 9);
        QTest::newRow("huge snapshot") << snapshot << QStringLiteral("more than");
        QTest::newRow("trailing bytes") << good + "x" << QStringLiteral("after its end");
        QTest::newRow("truncated") << good.chopped(3) << QStringLiteral("truncated");
    }

    void rejected()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, sentence);
        QString error;
        QVERIFY(!RoomReplication::decode(bytes, primarySettings(nullptr), &error));
        QVERIFY2(error.contains(sentence), qPrintable(error));
    }

    // Every prefix of a valid batch is refused with a sentence, never a crash.
    void everyTruncation()
    {
        const RoomSettings settings = primarySettings(nullptr);
        const QByteArray good = sampleBatch(settings);
        QString error;
        QVERIFY(RoomReplication::decode(good, settings, &error));
        for (qsizetype size = 0; size < good.size(); ++size) {
            QVERIFY(!RoomReplication::decode(good.left(size), settings, &error));
            QVERIFY(!error.isEmpty());
        }
    }

    // The cost of recording one TM in a 100-member room on the primary (the record and the
    // digest), against the Room call alone; and of replaying it on the copy (decode + apply).
    // Printed only.
    void cost()
    {
        std::atomic<qint64> bytes{0};
        RoomSettings settings = primarySettings(&bytes);
        settings.rateLimits = false;
        settings.limits.activeUsersMax = 200;
        settings.limits.messagesKept = 500;
        settings.roomBytesMax = 8 * 1024 * 1024;
        Room plain(QStringLiteral("plain"), QUuid(), PasswordHash(), settings, t0);
        Room recorded(QStringLiteral("recorded"), QUuid(), PasswordHash(), settings, t0);
        QList<Caller> callers;
        for (int i = 0; i < 100; ++i) {
            Room::JoinRequest join;
            join.caller.session = QUuid::createUuid();
            join.caller.connection = quint64(i + 1);
            join.caller.requestId = QStringLiteral("join");
            join.caller.protocolVersion = 2;
            plain.join(join, t0);
            recorded.join(join, t0);
            callers.append(join.caller);
        }
        std::atomic<qint64> replicaBytes{0};
        const RoomSettings replica = RoomReplication::replicaSettings(settings, &replicaBytes);
        RoomReplication::Copy copy;
        QString error;
        {
            QByteArray init;
            RoomReplication::appendInit(init, 1, recorded, t0);
            const auto batch = RoomReplication::decode(
                RoomReplication::batch(recorded.name(), 1, init), replica, &error);
            QVERIFY(batch);
            QCOMPARE(RoomReplication::apply(copy, *batch, replica, &error),
                     RoomReplication::Applied::Ok);
        }
        constexpr int rounds = 3000;
        QList<ClientFrame> frames;
        for (int i = 0; i < rounds; ++i) {
            ClientFrame tm = frame("TM", std::nullopt, QStringLiteral("message number %1").arg(i));
            tm.requestId = QString::number(i);
            frames.append(tm);
        }
        CpuTimer timer;
        for (int i = 0; i < rounds; ++i)
            plain.command(callers.at(i % 100), frames.at(i), t0 + i, i);
        const qint64 plainNs = timer.nsecsElapsed();
        QByteArray records;
        timer.restart();
        for (int i = 0; i < rounds; ++i) {
            recorded.command(callers.at(i % 100), frames.at(i), t0 + i, i);
            RoomReplication::appendCommand(records, quint64(i + 2), callers.at(i % 100),
                                           frames.at(i), t0 + i, i, recorded);
        }
        const qint64 recordedNs = timer.nsecsElapsed();
        const QByteArray batch = RoomReplication::batch(recorded.name(), rounds, records);
        timer.restart();
        const auto decoded = RoomReplication::decode(batch, replica, &error);
        QVERIFY(decoded);
        QCOMPARE(RoomReplication::apply(copy, *decoded, replica, &error),
                 RoomReplication::Applied::Ok);
        const qint64 replayNs = timer.nsecsElapsed();
        QCOMPARE(keepOnline(*copy.room, t0), keepOnline(recorded, t0));
        qInfo("TM in a 100-member room (thread CPU time): %lld ns room call alone, %lld ns with "
              "its record "
              "(+%lld ns, %lld record bytes); replay on the copy %lld ns per TM",
              plainNs / rounds, recordedNs / rounds, (recordedNs - plainNs) / rounds,
              qint64(records.size()) / rounds, replayNs / rounds);
    }
};

QTEST_GUILESS_MAIN(TestRoomReplication)
#include "tst_roomreplication.moc"
