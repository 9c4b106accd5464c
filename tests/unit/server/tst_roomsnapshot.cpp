// Room snapshots (rooms/RoomSnapshot): a room encoded and restored is the same room to every
// observer — the bytes of the join frames, ALL_TM, the member list and the description — and
// answers the same further commands with the same bytes; random rooms built by the model driver
// (tests/common/RoomModelDriver.h) keep matching their model after a move; and every malformed
// snapshot is refused with a sentence and no room.

#include "RoomModelDriver.h"
#include "protocol/ServerFrame.h"
#include "rooms/PasswordHasher.h"
#include "rooms/Room.h"
#include "rooms/RoomSnapshot.h"
#include "validation/UrlEncoding.h"

#include <QTest>
#include <QtEndian>
#include <atomic>

using namespace ic::server;
using ic::proto::ClientFrame;
using ic::proto::ClientMessage;

namespace {

constexpr qint64 second = 1'000'000'000;
constexpr qint64 t0 = 1'700'000'000 * second;

RoomSettings settingsFor(std::atomic<qint64> *serverBytes, int users = 1000, int kept = 1000)
{
    RoomSettings settings;
    settings.limits.activeUsersMax = users;
    settings.limits.messagesKept = kept;
    settings.rateLimits = false;
    settings.build = QStringLiteral("snapshot-test");
    settings.serverBytes = serverBytes;
    return settings;
}

Caller caller(const QUuid &session, quint64 connection, int pv = 1)
{
    Caller c;
    c.session = session;
    c.connection = connection;
    c.requestId = QStringLiteral("rq%1").arg(connection);
    c.protocolVersion = pv;
    return c;
}

RoomResult join(Room &room, const QUuid &session, quint64 connection, qint64 now,
                const char *name = nullptr, int pv = 1, bool authoriseOnly = false,
                bool passwordGiven = false)
{
    Room::JoinRequest request;
    request.caller = caller(session, connection, pv);
    if (name)
        request.userName = ic::validation::urlEncode(QString::fromUtf8(name));
    request.authoriseOnly = authoriseOnly;
    request.passwordGiven = passwordGiven;
    request.passwordMatches = passwordGiven;
    return room.join(request, now);
}

ClientFrame command(const char *code, std::optional<qint64> id = std::nullopt,
                    const QString &text = QString(), std::optional<bool> support = std::nullopt)
{
    ClientFrame f;
    f.command = QLatin1StringView(code);
    f.kind = ic::proto::commandFromCode(f.command);
    f.requestId = QStringLiteral("rq-") + QLatin1StringView(code);
    f.message = ClientMessage{id, text, std::nullopt, std::nullopt};
    f.support = support;
    return f;
}

// Everything a result carries, as one byte string: equal results give equal strings.
QByteArray bytesOf(const RoomResult &result)
{
    QByteArray out;
    for (const RoomSend &send : result.sends) {
        out += QByteArray::number(int(send.to)) + ':' + QByteArray::number(send.connection) + ':' +
               QByteArray::number(int(send.audience)) + ':' + (send.closeAfter ? "c:" : "-:") +
               send.json + '\n';
    }
    out += "error=" + QByteArray::number(int(result.error)) +
           " joined=" + QByteArray::number(result.joined) + " removed=";
    for (quint64 c : result.removedConnections)
        out += QByteArray::number(c) + ',';
    return out;
}

std::unique_ptr<Room> restore(const QByteArray &bytes, const RoomSettings &settings)
{
    QString error;
    auto room = RoomSnapshot::decode(bytes, settings, &error);
    if (!room)
        qWarning("decode failed: %s", qPrintable(error));
    return room;
}

// What any observer can see of a room at `now`, as bytes.
QByteArray observables(const Room &room, qint64 now)
{
    return room.membersFrame(true, now, true) + '\n' + room.membersFrame(false, now, false) + '\n' +
           room.allMessagesFrame(now) + '\n' + room.descriptionFrame(now) + '\n' +
           room.descriptionFrame(std::nullopt) + '\n' + room.id().toUtf8() + ' ' +
           QByteArray::number(room.createdAtNs()) + ' ' + QByteArray::number(room.lastMessageId()) +
           ' ' + QByteArray::number(room.memberVersion()) + ' ' +
           QByteArray::number(room.userCount()) + ' ' + QByteArray::number(room.hasPassword());
}

// The same commands applied to both rooms must give byte-identical results. Only sessions the
// rooms already know take part: a new user gets a random id in each room.
void compareFurther(Room &a, Room &b, const QList<QUuid> &known, quint64 seed, qint64 now)
{
    if (known.isEmpty())
        return;
    ic::testing::SeededChoices choices(seed);
    quint64 connection = 5000;
    QHash<QUuid, quint64> online;
    for (int step = 0; step < 300; ++step) {
        now += second / 10;
        const QUuid session = known.at(choices.pick(int(known.size())));
        const quint64 conn = online.value(session, 0);
        const qint64 lastId = a.lastMessageId();
        const qint64 someId = lastId > 0 ? choices.pick(int(lastId) + 1) + 1 : 1;
        RoomResult ra, rb;
        switch (choices.pick(9)) {
        case 0:
        case 1: {
            const quint64 fresh = ++connection;
            const int pv = choices.pick(2) ? 2 : 1;
            ra = join(a, session, fresh, now, nullptr, pv);
            rb = join(b, session, fresh, now, nullptr, pv);
            if (ra.joined)
                online.insert(session, fresh);
            break;
        }
        case 2:
            ra = a.leave(conn, now);
            rb = b.leave(conn, now);
            online.remove(session);
            break;
        case 3: {
            const ClientFrame f = command("TM", std::nullopt, QStringLiteral("more%1").arg(step));
            ra = a.command(caller(session, conn), f, now, now / 1000000);
            rb = b.command(caller(session, conn), f, now, now / 1000000);
            break;
        }
        case 4: {
            const ClientFrame f = command("TM_E", someId, QStringLiteral("edited%1").arg(step));
            ra = a.command(caller(session, conn), f, now, now / 1000000);
            rb = b.command(caller(session, conn), f, now, now / 1000000);
            break;
        }
        case 5: {
            const ClientFrame f = command("TM_S_R", someId, QString(), choices.pick(2) == 1);
            ra = a.command(caller(session, conn), f, now, now / 1000000);
            rb = b.command(caller(session, conn), f, now, now / 1000000);
            break;
        }
        case 6: {
            const ClientFrame f = command("TM_D", someId);
            ra = a.command(caller(session, conn), f, now, now / 1000000);
            rb = b.command(caller(session, conn), f, now, now / 1000000);
            break;
        }
        case 7: {
            // Never an empty name: that draws a random anonymous one, differently in each room.
            ClientFrame f = command("R_CH_UN");
            f.userName = QStringLiteral("Renamed%1").arg(choices.pick(4));
            ra = a.command(caller(session, conn), f, now, now / 1000000);
            rb = b.command(caller(session, conn), f, now, now / 1000000);
            break;
        }
        default: {
            const ClientFrame f = command("R_CH_D", std::nullopt, QStringLiteral("d%1").arg(step));
            ra = a.command(caller(session, conn), f, now, now / 1000000);
            rb = b.command(caller(session, conn), f, now, now / 1000000);
            break;
        }
        }
        QCOMPARE(bytesOf(rb), bytesOf(ra));
        QCOMPARE(observables(b, now), observables(a, now));
    }
}

// Encodes `room` at `now`, restores it, and checks: equal snapshot bytes, equal observables,
// the join sequence of every known user byte-identical, and equal answers to further commands.
void checkMove(Room &room, const QList<QUuid> &known, qint64 now, const RoomSettings &settings)
{
    const QByteArray bytes = RoomSnapshot::encode(room, now);
    QVERIFY(qint64(bytes.size()) <= RoomSnapshot::maxBytes(settings));
    QCOMPARE(RoomSnapshot::roomName(bytes, settings), room.name());
    auto restored = restore(bytes, settings);
    QVERIFY(restored);
    QCOMPARE(RoomSnapshot::encode(*restored, now), bytes);
    QCOMPARE(observables(*restored, now), observables(room, now));
    QCOMPARE(restored->password().salt, room.password().salt);
    QCOMPARE(restored->password().key, room.password().key);
    for (const QUuid &session : known)
        QCOMPARE(restored->isCreator(session), room.isCreator(session));
    auto second = restore(bytes, settings);
    QVERIFY(second);
    quint64 connection = 900;
    for (const QUuid &session : known) {
        ++connection;
        const int pv = connection % 2 ? 2 : 1;
        QCOMPARE(bytesOf(join(*second, session, connection, now, nullptr, pv)),
                 bytesOf(join(room, session, connection, now, nullptr, pv)));
    }
    compareFurther(room, *second, known, 7, now);
}

} // namespace

class TestRoomSnapshot : public QObject
{
    Q_OBJECT

private slots:
    void emptyRoom()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = settingsFor(&bytes);
        Room room(QStringLiteral("empty-room"), QUuid::createUuid(), PasswordHash(), settings, t0);
        checkMove(room, {}, t0 + second, settings);
        QCOMPARE(bytes.load(), 0);
    }

    void passwordRoom()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = settingsFor(&bytes);
        const QUuid creator = QUuid::createUuid();
        const QUuid guest = QUuid::createUuid();
        Room room(QStringLiteral("locked"), creator, hashPassword(QStringLiteral("secret")),
                  settings, t0);
        join(room, creator, 1, t0, "Owner", 2, false, true);
        join(room, guest, 2, t0, "Guest", 1, false, true);
        room.command(caller(creator, 1), command("TM", std::nullopt, QStringLiteral("hi")), t0,
                     t0 / 1000000);
        room.leave(1, t0 + second);
        room.leave(2, t0 + second);
        const QByteArray snapshot = RoomSnapshot::encode(room, t0 + 2 * second);
        // Never the password itself.
        QVERIFY(!snapshot.contains("secret"));
        checkMove(room, {creator, guest}, t0 + 2 * second, settings);

        auto restored = restore(snapshot, settings);
        QVERIFY(restored && restored->hasPassword());
        QVERIFY(passwordMatches(QStringLiteral("secret"), restored->password()));
        QVERIFY(!passwordMatches(QStringLiteral("guess"), restored->password()));
        // An authorised session rejoins without the password; a new one still needs it.
        QVERIFY(!restored->needsPasswordCheck(guest, false));
        QVERIFY(restored->needsPasswordCheck(QUuid::createUuid(), false));
        QCOMPARE(int(join(*restored, QUuid::createUuid(), 9, t0 + 3 * second).error), 203);
    }

    void bigHistory()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = settingsFor(&bytes);
        QList<QUuid> users;
        for (int i = 0; i < 12; ++i)
            users.append(QUuid::createUuid());
        Room room(QStringLiteral("history"), users.first(), PasswordHash(), settings, t0);
        qint64 now = t0;
        for (int i = 0; i < users.size(); ++i) {
            // Every third user keeps a random anonymous name; one only authorises.
            join(room, users.at(i), quint64(i + 1), now,
                 i % 3 ? QStringLiteral("User %1 é😀").arg(i).toUtf8().constData() : nullptr,
                 i % 2 ? 2 : 1, i == 5);
        }
        for (int i = 0; i < 1100; ++i) {
            now += second / 100;
            const int who = i % users.size() == 5 ? 0 : i % users.size();
            ClientFrame f = command(i % 7 ? "TM" : "DM", std::nullopt,
                                    QStringLiteral("message%20%1%20%C3%A9").arg(i));
            if (i % 5 == 0)
                f.message->replyUser = QStringLiteral("00000000-0000-0000-0000-000000000000");
            if (i % 4 == 0)
                f.message->replyMessage = i / 2;
            room.command(caller(users.at(who), quint64(who + 1)), f, now, now / 1000000);
            if (i % 9 == 0)
                room.postExternal(QStringLiteral("over%20http%1").arg(i), now);
            const qint64 last = room.lastMessageId();
            if (i % 3 == 0)
                room.command(caller(users.at(who), quint64(who + 1)),
                             command("TM_E", last, QStringLiteral("edited%1").arg(i)), now,
                             now / 1000000);
            for (int v = 0; v < 4; ++v) {
                const int voter = (i + v + 1) % users.size();
                if (voter != 5)
                    room.command(caller(users.at(voter), quint64(voter + 1)),
                                 command("TM_S_R", last - v, QString(), (i + v) % 3 != 0), now,
                                 now / 1000000);
            }
            if (i % 50 == 0)
                room.command(caller(users.at(who), quint64(who + 1)), command("TM_D", last - 1),
                             now, now / 1000000);
        }
        room.command(caller(users.first(), 1),
                     command("R_CH_D", std::nullopt, QStringLiteral("the%20topic")), now,
                     now / 1000000);
        QCOMPARE(room.messageCount(), 1000);
        // The members leave as their sockets close for the move.
        for (quint64 c : room.memberConnections())
            room.leave(c, now);
        checkMove(room, users, now, settings);
    }

    // A member still online when the room is encoded comes back offline, as if it had left at
    // the snapshot's time: the restored room equals the original after its members left.
    void onlineMembersComeBackOffline()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = settingsFor(&bytes);
        const QUuid a = QUuid::createUuid(), b = QUuid::createUuid();
        Room room(QStringLiteral("online"), a, PasswordHash(), settings, t0);
        join(room, a, 1, t0, "Ann", 2);
        join(room, b, 2, t0, nullptr, 1);
        const QByteArray snapshot = RoomSnapshot::encode(room, t0 + second);
        auto restored = restore(snapshot, settings);
        QVERIFY(restored);
        QCOMPARE(restored->memberCount(), 0);
        room.leave(1, t0 + second);
        room.leave(2, t0 + second);
        QCOMPARE(observables(*restored, t0 + 2 * second), observables(room, t0 + 2 * second));
        QCOMPARE(RoomSnapshot::encode(*restored, t0 + 2 * second),
                 RoomSnapshot::encode(room, t0 + 2 * second));
    }

    // The keep-online form (a replica's Init) keeps members online with their connections and
    // their pv >= 2 flag, changes no counter, and answers further commands like the original;
    // the offline form is still version 1, byte for byte what it was.
    void keepOnlineForm()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = settingsFor(&bytes);
        const QUuid a = QUuid::createUuid(), b = QUuid::createUuid(), c = QUuid::createUuid();
        Room room(QStringLiteral("online"), a, PasswordHash(), settings, t0);
        join(room, a, 11, t0, "Ann", 2);
        join(room, b, 12, t0, nullptr, 1);
        join(room, c, 13, t0, "Cy", 1, true); // authorised only: listed, not online
        room.command(caller(a, 11, 2), command("TM", std::nullopt, QStringLiteral("hi")), t0, 0);
        const QByteArray online =
            RoomSnapshot::encode(room, t0 + second, RoomSnapshot::Form::KeepOnline);
        QCOMPARE(qFromBigEndian<quint16>(online.constData() + 4), RoomSnapshot::keepOnlineVersion);
        QCOMPARE(qFromBigEndian<quint16>(RoomSnapshot::encode(room, t0).constData() + 4),
                 RoomSnapshot::version);
        QCOMPARE(RoomSnapshot::roomName(online, settings), room.name());
        auto copy = restore(online, settings);
        QVERIFY(copy);
        QCOMPARE(RoomSnapshot::encode(*copy, t0 + second, RoomSnapshot::Form::KeepOnline), online);
        QCOMPARE(RoomSnapshot::encode(*copy, t0 + second), RoomSnapshot::encode(room, t0 + second));
        QCOMPARE(copy->memberCount(), 2);
        QCOMPARE(copy->memberConnection(a), std::optional<quint64>(11));
        QCOMPARE(copy->memberConnection(b), std::optional<quint64>(12));
        QVERIFY(!copy->memberConnection(c));
        QVERIFY(copy->isExtendedMember(11));
        QVERIFY(!copy->isExtendedMember(12));
        QCOMPARE(copy->memberVersion(), room.memberVersion());
        QCOMPARE(copy->lastActivityNs(), room.lastActivityNs());
        QCOMPARE(observables(*copy, t0 + second), observables(room, t0 + second));
        // The same calls give the same frames: a member's command, a leave, a new join.
        const ClientFrame tm = command("TM", std::nullopt, QStringLiteral("again"));
        QCOMPARE(bytesOf(copy->command(caller(b, 12), tm, t0 + 2, 0)),
                 bytesOf(room.command(caller(b, 12), tm, t0 + 2, 0)));
        QCOMPARE(bytesOf(copy->leave(11, t0 + 3)), bytesOf(room.leave(11, t0 + 3)));
        QCOMPARE(bytesOf(join(*copy, QUuid(0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 14, t0 + 4)),
                 bytesOf(join(room, QUuid(0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 14, t0 + 4)));
        QCOMPARE(RoomSnapshot::encode(*copy, t0 + 5, RoomSnapshot::Form::KeepOnline),
                 RoomSnapshot::encode(room, t0 + 5, RoomSnapshot::Form::KeepOnline));
    }

    // A keep-online snapshot with a zero or repeated connection, or an invalid pv flag, is
    // refused with a sentence.
    void keepOnlineRejected()
    {
        std::atomic<qint64> bytes{0};
        const RoomSettings settings = settingsFor(&bytes);
        const QUuid a = QUuid::createUuid(), b = QUuid::createUuid();
        Room room(QStringLiteral("online"), a, PasswordHash(), settings, t0);
        join(room, a, 0x0101010101010101ULL, t0, "Ann", 2);
        join(room, b, 0x0202020202020202ULL, t0, "Bo", 1);
        const QByteArray good = RoomSnapshot::encode(room, t0, RoomSnapshot::Form::KeepOnline);
        const auto patched = [&](QByteArray from, const QByteArray &to) {
            const qsizetype at = good.indexOf(from);
            Q_ASSERT(at > 0);
            QByteArray bytes = good;
            bytes.replace(at, from.size(), to);
            return bytes;
        };
        QString error;
        const QByteArray first(8, '\x01'), second(8, '\x02');
        QVERIFY(RoomSnapshot::decode(good, settings, &error));
        for (const QByteArray &bad : {patched(first, QByteArray(8, '\0')), patched(second, first),
                                      patched(first + '\x01', first + '\x07')}) {
            QVERIFY(!RoomSnapshot::decode(bad, settings, &error));
            QVERIFY2(error.contains(QStringLiteral("connection")), qPrintable(error));
        }
    }

    // The receiving server's budget counts the restored messages, recomputed from their
    // content; destroying the room gives them back.
    void budgetAccounting()
    {
        std::atomic<qint64> source{0}, target{0};
        const QUuid a = QUuid::createUuid();
        QByteArray snapshot;
        {
            Room room(QStringLiteral("budget"), a, PasswordHash(), settingsFor(&source), t0);
            join(room, a, 1, t0, "Ann");
            for (int i = 0; i < 50; ++i)
                room.command(caller(a, 1), command("TM", std::nullopt, QString(300, u'x')), t0,
                             t0 / 1000000);
            snapshot = RoomSnapshot::encode(room, t0);
        }
        QCOMPARE(source.load(), 0);
        auto restored = restore(snapshot, settingsFor(&target));
        QVERIFY(restored);
        QVERIFY(restored->storedBytes() > 50 * 600);
        QCOMPARE(target.load(), restored->storedBytes());
        restored.reset();
        QCOMPARE(target.load(), 0);
    }

    // The import body limit is derived from the budgets: a room filled to its budget with the
    // widest texts and many votes stays below it.
    void maxBytesBound()
    {
        std::atomic<qint64> bytes{0};
        RoomSettings settings = settingsFor(&bytes, 50, 1000);
        settings.roomBytesMax = Room::minimumRoomBytes(settings.limits) * 4;
        QList<QUuid> users;
        for (int i = 0; i < 50; ++i)
            users.append(QUuid::createUuid());
        Room room(QStringLiteral("full-room"), users.first(), PasswordHash(), settings, t0);
        for (int i = 0; i < users.size(); ++i)
            join(room, users.at(i), quint64(i + 1), t0,
                 (QString(78, QChar(0x0800)) + QString::number(i + 10)).toUtf8().constData());
        // Three-byte UTF-8 characters: the text's UTF-8 is longer than its UTF-16.
        const QString wide = QString(settings.limits.messageTextMax, QChar(0x4E2D));
        qint64 largest = 0;
        for (int i = 0; i < 40; ++i) {
            room.command(caller(users.at(i % 50), quint64(i % 50 + 1)),
                         command("TM", std::nullopt, i % 2 ? wide : QStringLiteral("x")), t0,
                         t0 / 1000000);
            for (int v = 0; v < 50; ++v)
                room.command(caller(users.at(v), quint64(v + 1)),
                             command("TM_S_R", room.lastMessageId(), QString(), v % 2 == 0), t0,
                             t0 / 1000000);
            largest = std::max(largest, qint64(RoomSnapshot::encode(room, t0).size()));
        }
        qInfo("largest snapshot %lld bytes, bound %lld", largest, RoomSnapshot::maxBytes(settings));
        QVERIFY(largest <= RoomSnapshot::maxBytes(settings));
    }

    void modelRoundTrip_data()
    {
        QTest::addColumn<quint64>("seed");
        QTest::addColumn<int>("steps");
        for (quint64 seed = 1; seed <= 8; ++seed) {
            for (int steps : {0, 7, 60, 400})
                QTest::addRow("seed %llu, %d steps", seed, steps) << seed << steps;
        }
    }

    // Random rooms from the model driver: after random steps everyone leaves (their sockets
    // close for the move), the room is encoded and restored; the restored room shows the same
    // to every observer and answers the same commands with the same bytes, and the driver then
    // continues on a restored copy, checking it against the model after every step.
    void modelRoundTrip()
    {
        QFETCH(quint64, seed);
        QFETCH(int, steps);
        std::string failure;
        ic::testing::SeededChoices choices(seed);
        ic::testing::RoomModelDriver driver(choices,
                                            [&](const std::string &what) { failure = what; });
        for (int i = 0; i < steps && driver.step(); ++i) {
        }
        driver.leaveEveryone();
        QVERIFY2(failure.empty(), failure.c_str());

        RoomSettings settings;
        settings.limits.messagesKept = ic::testing::RoomModelDriver::cap;
        settings.limits.activeUsersMax = ic::testing::RoomModelDriver::maxUsers;
        settings.rateLimits = false;
        settings.userExpirySeconds = 600;
        settings.authorisationExpirySeconds = 120;
        settings.build = QStringLiteral("model");
        // Further commands are compared only for sessions the room lists (an authorisation adds
        // nobody): a new user would get a different random id in each room.
        QList<QUuid> listed;
        const QByteArray before = RoomSnapshot::encode(driver.room(), driver.now());
        const QByteArray members = driver.room().membersFrame(false, 1);
        for (int i = 0; i < ic::testing::RoomModelDriver::sessions; ++i) {
            auto probe = restore(before, settings);
            QVERIFY(probe);
            const RoomResult result =
                join(*probe, driver.session(i), 1, driver.now(), nullptr, 1, true);
            for (const RoomSend &send : result.sends) {
                const auto frame = ic::proto::decodeServerFrame(send.json);
                if (frame && frame->command == u"RP" && frame->userId &&
                    members.contains(frame->userId->toUtf8()))
                    listed.append(driver.session(i));
            }
        }

        const QByteArray bytes = RoomSnapshot::encode(driver.room(), driver.now());
        auto restored = restore(bytes, settings);
        QVERIFY(restored);
        QCOMPARE(RoomSnapshot::encode(*restored, driver.now()), bytes);
        QCOMPARE(observables(*restored, driver.now()), observables(driver.room(), driver.now()));
        if (!listed.isEmpty()) {
            auto copy = restore(bytes, settings);
            auto original = restore(bytes, settings);
            QVERIFY(copy && original);
            compareFurther(*original, *copy, listed, seed * 31, driver.now());
        }

        driver.replaceRoom(restore(bytes, settings));
        for (int i = 0; i < 150 && driver.step(); ++i) {
        }
        QVERIFY2(failure.empty(), failure.c_str());
    }

    void rejected_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("users");
        QTest::addColumn<int>("kept");
        QTest::addColumn<QString>("sentence");

        const QByteArray good = sample();
        const auto patched = [&](qsizetype at, const QByteArray &with) {
            QByteArray copy = good;
            copy.replace(at, with.size(), with);
            return copy;
        };
        const auto be32 = [](quint32 v) {
            QByteArray raw(4, 0);
            qToBigEndian(v, raw.data());
            return raw;
        };
        const auto be64 = [](qint64 v) {
            QByteArray raw(8, 0);
            qToBigEndian(v, raw.data());
            return raw;
        };
        // Field positions from the format (docs/architecture.md): a message's id is the 8 bytes
        // before its text's length; its first vote's session index follows text, author id
        // (4 + 36), author (4), three times (24), reply flags (1) and the vote count (4).
        const qsizetype second = good.indexOf("second") - 4 - 8;
        const qsizetype first = good.indexOf("first") - 4 - 8;
        const qsizetype secondVote = good.indexOf("second") + 6 + 40 + 4 + 24 + 1 + 4;
        QVERIFY(first > 0 && second > first);

        QTest::addRow("empty") << QByteArray() << 10 << 100 << "truncated";
        QTest::addRow("wrong magic")
            << patched(0, QByteArrayLiteral("ICRX")) << 10 << 100 << "magic";
        QTest::addRow("wrong version")
            << patched(4, QByteArray("\x00\x03", 2)) << 10 << 100 << "version 3";
        QTest::addRow("more users than allowed") << good << 2 << 100 << "3 users, more than";
        QTest::addRow("more messages than kept") << good << 10 << 1 << "2 messages, more than";
        QTest::addRow("huge string length")
            << patched(6, be32(0xFFFFFFF0u)) << 10 << 100 << "room name is";
        // The session count follows the description and the counters (8 + 8 + 1 + 8 bytes).
        QTest::addRow("huge session count")
            << patched(good.indexOf("topic") + 5 + 25, be32(0x10000000u)) << 10 << 100
            << "sessions announced";
        QTest::addRow("bad UTF-8 in a message")
            << patched(good.indexOf("second"), QByteArrayLiteral("\xC3\x28")) << 10 << 100
            << "not valid UTF-8";
        QTest::addRow("bad UTF-8 in the description")
            << patched(good.indexOf("topic"), QByteArrayLiteral("\xFF")) << 10 << 100
            << "not valid UTF-8";
        QTest::addRow("duplicate message id")
            << patched(second, good.mid(first, 8)) << 10 << 100 << "not above the previous";
        QTest::addRow("id at the next id")
            << patched(second, be64(1000)) << 10 << 100 << "below the next id";
        QTest::addRow("vote by an unknown session")
            << patched(secondVote, be32(77)) << 10 << 100 << "unknown session";
        QTest::addRow("trailing bytes") << good + "x" << 10 << 100 << "after its end";
        QTest::addRow("invalid room name")
            << patched(good.indexOf("snap-room"), QByteArrayLiteral("SNAP")) << 10 << 100
            << "room name";
        QTest::addRow("user name another user has")
            << patched(good.indexOf("Bob"), QByteArrayLiteral("ann")) << 10 << 100
            << "name another user has";
        QTest::addRow("invalid user name") << patched(good.indexOf("Bob"), QByteArrayLiteral("%ZZ"))
                                           << 10 << 100 << "invalid name";
        // The room id's text follows magic (4), version (2) and the name (4 + 9).
        QTest::addRow("invalid room id")
            << patched(4 + 2 + 4 + 9 + 4, QByteArrayLiteral("x")) << 10 << 100 << "room id";
    }

    void rejected()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, users);
        QFETCH(int, kept);
        QFETCH(QString, sentence);
        std::atomic<qint64> counted{0};
        QString error;
        RoomSnapshot::Problem problem = RoomSnapshot::Problem::None;
        auto room =
            RoomSnapshot::decode(bytes, settingsFor(&counted, users, kept), &error, &problem);
        QVERIFY(!room);
        QCOMPARE(problem, RoomSnapshot::Problem::Malformed);
        QVERIFY2(error.contains(sentence), qPrintable(error));
        QCOMPARE(counted.load(), 0);
    }

    // Every proper prefix of a valid snapshot is refused as truncated.
    void everyTruncation()
    {
        const QByteArray good = sample();
        std::atomic<qint64> counted{0};
        for (qsizetype size = 0; size < good.size(); ++size) {
            QString error;
            QVERIFY(!RoomSnapshot::decode(good.left(size), settingsFor(&counted), &error));
            QVERIFY2(error.contains(u"truncated"), qPrintable(error));
        }
        QVERIFY(RoomSnapshot::decode(good, settingsFor(&counted), nullptr));
    }

    void overBudget()
    {
        std::atomic<qint64> counted{0};
        RoomSettings settings = settingsFor(&counted);
        settings.roomBytesMax = 100;
        QString error;
        RoomSnapshot::Problem problem = RoomSnapshot::Problem::None;
        QVERIFY(!RoomSnapshot::decode(sample(), settings, &error, &problem));
        QCOMPARE(problem, RoomSnapshot::Problem::OverBudget);
        QVERIFY(error.contains(u"more than the 100"));

        settings = settingsFor(&counted);
        settings.serverBytesMax = 10;
        QVERIFY(!RoomSnapshot::decode(sample(), settings, &error, &problem));
        QCOMPARE(problem, RoomSnapshot::Problem::OverBudget);
        QCOMPARE(counted.load(), 0);
    }

private:
    // A small room: three users (one anonymous), two messages with a vote each, a description.
    static QByteArray sample()
    {
        std::atomic<qint64> counted{0};
        const QUuid a = QUuid::createUuid(), b = QUuid::createUuid(), c = QUuid::createUuid();
        Room room(QStringLiteral("snap-room"), a, PasswordHash(), settingsFor(&counted), t0);
        join(room, a, 1, t0, "Ann");
        join(room, b, 2, t0, "Bob");
        join(room, c, 3, t0);
        room.command(caller(a, 1), command("TM", std::nullopt, QStringLiteral("first")), t0, 0);
        room.command(caller(b, 2), command("TM", std::nullopt, QStringLiteral("second")), t0, 0);
        room.command(caller(b, 2), command("TM_S_R", 1, QString(), true), t0, 0);
        room.command(caller(a, 1), command("TM_S_R", 2, QString(), false), t0, 0);
        room.command(caller(a, 1), command("R_CH_D", std::nullopt, QStringLiteral("topic")), t0, 0);
        for (quint64 conn : room.memberConnections())
            room.leave(conn, t0);
        return RoomSnapshot::encode(room, t0);
    }
};

QTEST_GUILESS_MAIN(TestRoomSnapshot)
#include "tst_roomsnapshot.moc"
