// The registry's side of a room handoff: which server a placement waiting for a room in transit
// gets after each way the move can end (done, failed, waited too long, never answered, source or
// target gone), the handoff counters, the refusals of the /internal/handoff calls, the bound on
// waiting placements and the heartbeat answer's "handoff". Fake servers and a fake clock.

#include "RegistryModel.h"

#include <QSignalSpy>
#include <QtTest>

using namespace ic::balancer;
using namespace Qt::StringLiterals;
using ic::testing::registrymodel::FakeUpstream;

namespace {

const QString sourceA = QStringLiteral("10.0.0.1");
const QString sourceB = QStringLiteral("10.0.0.2");
const QString elsewhere = QStringLiteral("10.9.9.9");

// Two registered servers "a" (10.0.0.1:8081) and "b" (10.0.0.2:8081), both live with their room
// lists read; the clock is moved by hand.
class TwoServers
{
public:
    TwoServers()
    {
        QLoggingCategory::setFilterRules(
            QStringLiteral("balancer.info=false\nbalancer.warning=false"));
        RegistryOptions options;
        options.heartbeatIntervalSeconds = 2;
        options.warmUpMs = 0;
        options.clock = [this] { return now; };
        options.manualTicks = true;
        registry = std::make_unique<ServerRegistry>(options, &upstream);
        registry->start();
        beat(QStringLiteral("a"), sourceA);
        beat(QStringLiteral("b"), sourceB);
        answerRoomLists();
        registry->tick();
    }
    ~TwoServers()
    {
        registry.reset();
        upstream.pending.clear();
    }

    void beat(const QString &id, const QString &source, int rooms = 0)
    {
        registry->heartbeat(
            QJsonObject{{QStringLiteral("id"), id},
                        {QStringLiteral("address"), source + QStringLiteral(":8081")},
                        {QStringLiteral("load"), QJsonObject{{QStringLiteral("rooms"), rooms}}}},
            source);
    }
    void answerRoomLists()
    {
        const auto calls = std::exchange(upstream.pending, {});
        for (const auto &call : calls) {
            if (call.path == u"/internal/rooms")
                call.callback(UpstreamResult{200, QByteArrayLiteral("{\"rooms\":[]}"), {}, {}});
            else
                upstream.pending.append(call);
        }
    }
    // The resync interval passes: both room lists are read again, a's naming `onA` (rooms whose
    // users came), b's empty.
    void readRoomLists(const QStringList &onA)
    {
        now += 31000;
        beat(QStringLiteral("a"), sourceA);
        beat(QStringLiteral("b"), sourceB);
        registry->tick();
        QJsonArray rooms;
        for (const QString &name : onA)
            rooms.append(QJsonObject{{QStringLiteral("name"), name}});
        const QByteArray listOfA =
            QJsonDocument(QJsonObject{{QStringLiteral("rooms"), rooms}}).toJson();
        const auto calls = std::exchange(upstream.pending, {});
        for (const auto &call : calls) {
            if (call.path == u"/internal/rooms")
                call.callback(UpstreamResult{200,
                                             call.address.startsWith(sourceA)
                                                 ? listOfA
                                                 : QByteArrayLiteral("{\"rooms\":[]}"),
                                             {},
                                             {}});
            else
                upstream.pending.append(call);
        }
    }
    // Lets time pass with heartbeats from both (so nobody expires), ticking every 250 ms.
    void pass(qint64 ms)
    {
        for (qint64 end = now + ms; now < end;) {
            now = qMin(end, now + 250);
            if (now % 2000 < 250) {
                beat(QStringLiteral("a"), sourceA);
                beat(QStringLiteral("b"), sourceB);
            }
            registry->tick();
        }
    }
    // Places `room`; the id of the server it answered with ("" while waiting, "-" when failed).
    std::shared_ptr<QString> place(const QString &room)
    {
        auto answer = std::make_shared<QString>();
        registry->place(room, [answer](const Placement &p) {
            *answer = p.kind == Placement::Kind::Failed ? QStringLiteral("-") : p.server.id;
        });
        return answer;
    }
    // Places `room` on server `id` (the other one drained meanwhile).
    void placeOn(const QString &room, const QString &id)
    {
        const QString other = id == u"a" ? QStringLiteral("b") : QStringLiteral("a");
        registry->setDrained(other, true);
        const auto answer = place(room);
        registry->setDrained(other, false);
        QCOMPARE(*answer, id);
    }

    qint64 now = 0;
    FakeUpstream upstream;
    std::unique_ptr<ServerRegistry> registry;
};

} // namespace

class TestRoomTransit : public QObject
{
    Q_OBJECT

private slots:
    void howAMoveEnds_data()
    {
        QTest::addColumn<QString>("event");
        QTest::addColumn<QString>("answered");    // the server the waiting placement got
        QTest::addColumn<QString>("holderAfter"); // the room's server in the map afterwards
        QTest::addColumn<int>("moved");
        QTest::addColumn<int>("failures");
        QTest::addColumn<int>("lost");
        QTest::addColumn<int>("inTransitAfter");
        QTest::newRow("done: the new holder") << u"done"_s << u"b"_s << u"b"_s << 1 << 0 << 0 << 0;
        QTest::newRow("failed: the source") << u"failed"_s << u"a"_s << u"a"_s << 0 << 1 << 0 << 0;
        QTest::newRow("5 s without an answer: the source, the move goes on")
            << u"wait"_s << u"a"_s << u"a"_s << 0 << 0 << 0 << 1;
        QTest::newRow("never answered: ends as failed")
            << u"limit"_s << u"a"_s << u"a"_s << 0 << 1 << 0 << 0;
        // The other room on a counts as lost (its user came: a's room list names it); the
        // moving one goes to its target, and a placement nobody used is not a lost room.
        QTest::newRow("source deregisters: the target")
            << u"source gone"_s << u"b"_s << u"b"_s << 0 << 0 << 1 << 0;
        QTest::newRow("target deregisters: the source")
            << u"target gone"_s << u"a"_s << u"a"_s << 0 << 1 << 0 << 0;
    }

    void howAMoveEnds()
    {
        QFETCH(QString, event);
        QFETCH(QString, answered);
        QFETCH(QString, holderAfter);
        QFETCH(int, moved);
        QFETCH(int, failures);
        QFETCH(int, lost);
        QFETCH(int, inTransitAfter);
        TwoServers s;
        QSignalSpy movedSpy(s.registry.get(), &ServerRegistry::roomMoved);
        QSignalSpy failedSpy(s.registry.get(), &ServerRegistry::moveFailed);
        QSignalSpy lostSpy(s.registry.get(), &ServerRegistry::roomsLost);
        const QString room = QStringLiteral("moving");
        s.placeOn(room, QStringLiteral("a"));
        s.placeOn(QStringLiteral("staying"), QStringLiteral("a"));
        s.placeOn(QStringLiteral("never-opened"), QStringLiteral("a"));
        s.readRoomLists({room, QStringLiteral("staying")});
        QCOMPARE(s.registry->serverOfRoom(QStringLiteral("never-opened")), QStringLiteral("a"));
        ServerInfo target;
        QVERIFY(!s.registry->handoffTarget(QStringLiteral("a"), room, sourceA, &target));
        QCOMPARE(target.id, QStringLiteral("b"));
        QVERIFY(s.registry->inTransit(room));
        const auto waiting = s.place(room);
        s.pass(1000);
        QCOMPARE(*waiting, QString()); // still waiting
        if (event == u"done")
            QVERIFY(
                !s.registry->handoffDone(QStringLiteral("a"), room, QStringLiteral("b"), sourceA));
        else if (event == u"failed")
            QVERIFY(!s.registry->handoffFailed(QStringLiteral("a"), room, sourceA));
        else if (event == u"wait")
            s.pass(maxTransitWaitMs);
        else if (event == u"limit")
            s.pass(transitLimitMs + 1000);
        else if (event == u"source gone")
            QVERIFY(!s.registry->deregister(QStringLiteral("a"), sourceA));
        else if (event == u"target gone")
            QVERIFY(!s.registry->deregister(QStringLiteral("b"), sourceB));
        QCOMPARE(*waiting, answered);
        QCOMPARE(s.registry->serverOfRoom(room), holderAfter);
        QCOMPARE(int(movedSpy.size()), moved);
        QCOMPARE(int(failedSpy.size()), failures);
        int lostRooms = 0;
        for (const auto &arguments : lostSpy)
            lostRooms += arguments.at(0).toInt();
        QCOMPARE(lostRooms, lost);
        QCOMPARE(s.registry->roomsInTransit(), inTransitAfter);
        // A placement now does not wait (unless the move goes on).
        const auto after = s.place(room);
        QCOMPARE(after->isEmpty(), inTransitAfter > 0);
    }

    void callsAreChecked_data()
    {
        QTest::addColumn<QString>("call");
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("room");
        QTest::addColumn<QString>("to");
        QTest::addColumn<int>("status"); // 0 = accepted
        QTest::newRow("target: unknown server")
            << u"target"_s << u"x"_s << sourceA << u"r"_s << u""_s << 404;
        QTest::newRow("target: another address")
            << u"target"_s << u"a"_s << elsewhere << u"r"_s << u""_s << 403;
        QTest::newRow("target: the other server's id")
            << u"target"_s << u"b"_s << sourceA << u"r"_s << u""_s << 403;
        QTest::newRow("target: a room placed on the other server")
            << u"target"_s << u"a"_s << sourceA << u"on-b"_s << u""_s << 409;
        QTest::newRow("target: a room the map does not know")
            << u"target"_s << u"a"_s << sourceA << u"unknown"_s << u""_s << 0;
        QTest::newRow("target: a room of its own")
            << u"target"_s << u"a"_s << sourceA << u"on-a"_s << u""_s << 0;
        QTest::newRow("done: not in transit")
            << u"done"_s << u"a"_s << sourceA << u"on-a"_s << u"b"_s << 409;
        QTest::newRow("done: another address")
            << u"done"_s << u"a"_s << elsewhere << u"moving"_s << u"b"_s << 403;
        QTest::newRow("done: the wrong target")
            << u"done"_s << u"a"_s << sourceA << u"moving"_s << u"a"_s << 409;
        QTest::newRow("done: by the target")
            << u"done"_s << u"b"_s << sourceB << u"moving"_s << u"b"_s << 409;
        QTest::newRow("done") << u"done"_s << u"a"_s << sourceA << u"moving"_s << u"b"_s << 0;
        QTest::newRow("failed: not in transit")
            << u"failed"_s << u"a"_s << sourceA << u"on-a"_s << u""_s << 409;
        QTest::newRow("failed") << u"failed"_s << u"a"_s << sourceA << u"moving"_s << u""_s << 0;
        QTest::newRow("begin: another address")
            << u"begin"_s << u"a"_s << elsewhere << u""_s << u""_s << 403;
        QTest::newRow("begin: unknown server")
            << u"begin"_s << u"x"_s << sourceA << u""_s << u""_s << 404;
        QTest::newRow("begin") << u"begin"_s << u"a"_s << sourceA << u""_s << u""_s << 0;
    }

    void callsAreChecked()
    {
        QFETCH(QString, call);
        QFETCH(QString, id);
        QFETCH(QString, source);
        QFETCH(QString, room);
        QFETCH(QString, to);
        QFETCH(int, status);
        TwoServers s;
        s.placeOn(QStringLiteral("on-a"), QStringLiteral("a"));
        s.placeOn(QStringLiteral("on-b"), QStringLiteral("b"));
        s.placeOn(QStringLiteral("moving"), QStringLiteral("a"));
        ServerInfo target;
        QVERIFY(!s.registry->handoffTarget(QStringLiteral("a"), QStringLiteral("moving"), sourceA,
                                           &target));
        const QString before = s.registry->serverOfRoom(room);
        std::optional<RegistryRefusal> refusal;
        bool handoff = false;
        if (call == u"target")
            refusal = s.registry->handoffTarget(id, room, source, &target);
        else if (call == u"done")
            refusal = s.registry->handoffDone(id, room, to, source);
        else if (call == u"failed")
            refusal = s.registry->handoffFailed(id, room, source);
        else
            refusal = s.registry->beginHandoff(id, source, &handoff);
        QCOMPARE(refusal ? refusal->status : 0, status);
        if (refusal) {
            QVERIFY(!refusal->sentence.isEmpty());
            // A refused call changes nothing.
            QCOMPARE(s.registry->serverOfRoom(room), before);
            QCOMPARE(s.registry->roomsInTransit(), 1);
            QCOMPARE(s.registry->server(QStringLiteral("a"))->drained, false);
        } else if (call == u"target") {
            QCOMPARE(target.id, QStringLiteral("b"));
            QVERIFY(s.registry->inTransit(room));
        } else if (call == u"begin") {
            QVERIFY(handoff);
            QVERIFY(s.registry->server(QStringLiteral("a"))->drained);
        }
    }

    void noTargetWithoutAnotherUndrainedServer()
    {
        TwoServers s;
        s.placeOn(QStringLiteral("r"), QStringLiteral("a"));
        s.registry->setDrained(QStringLiteral("b"), true);
        ServerInfo target;
        const auto refusal =
            s.registry->handoffTarget(QStringLiteral("a"), QStringLiteral("r"), sourceA, &target);
        QVERIFY(refusal);
        QCOMPARE(refusal->status, 503);
        QVERIFY(!s.registry->inTransit(QStringLiteral("r")));
        bool handoff = true;
        QVERIFY(!s.registry->beginHandoff(QStringLiteral("a"), sourceA, &handoff));
        QVERIFY(!handoff);
    }

    void waitingPlacementsAreBounded()
    {
        TwoServers s;
        s.placeOn(QStringLiteral("busy"), QStringLiteral("a"));
        ServerInfo target;
        QVERIFY(!s.registry->handoffTarget(QStringLiteral("a"), QStringLiteral("busy"), sourceA,
                                           &target));
        QList<std::shared_ptr<QString>> waiting;
        for (int i = 0; i < maxTransitWaiters; ++i)
            waiting.append(s.place(QStringLiteral("busy")));
        const auto refused = s.place(QStringLiteral("busy"));
        QCOMPARE(*refused, QStringLiteral("-"));
        for (const auto &w : std::as_const(waiting))
            QVERIFY(w->isEmpty());
        QVERIFY(!s.registry->handoffDone(QStringLiteral("a"), QStringLiteral("busy"),
                                         QStringLiteral("b"), sourceA));
        for (const auto &w : std::as_const(waiting))
            QCOMPARE(*w, QStringLiteral("b"));
        // The bound is free again.
        QVERIFY(!s.registry->handoffTarget(QStringLiteral("b"), QStringLiteral("busy"), sourceB,
                                           &target));
        QVERIFY(s.place(QStringLiteral("busy"))->isEmpty());
        qInfo("%d placements waited for one room; the next one was refused", maxTransitWaiters);
    }

    void heartbeatAnswerAsksForHandoff_data()
    {
        QTest::addColumn<bool>("aDrained");
        QTest::addColumn<bool>("bDrained");
        QTest::addColumn<bool>("bAlive");
        QTest::addColumn<bool>("handoff"); // for a
        QTest::newRow("not drained") << false << false << true << false;
        QTest::newRow("drained, b live") << true << false << true << true;
        QTest::newRow("drained, b drained too") << true << true << true << false;
        QTest::newRow("drained, b gone") << true << false << false << false;
    }

    void heartbeatAnswerAsksForHandoff()
    {
        QFETCH(bool, aDrained);
        QFETCH(bool, bDrained);
        QFETCH(bool, bAlive);
        QFETCH(bool, handoff);
        TwoServers s;
        s.registry->setDrained(QStringLiteral("a"), aDrained);
        s.registry->setDrained(QStringLiteral("b"), bDrained);
        if (!bAlive)
            QVERIFY(!s.registry->deregister(QStringLiteral("b"), sourceB));
        QCOMPARE(s.registry->shouldHandOff(QStringLiteral("a")), handoff);
    }

    void stoppingServerComesBackUndrained_data()
    {
        QTest::addColumn<bool>("adminDrain");
        QTest::addColumn<bool>("drainedAfterRestart");
        QTest::newRow("drained by its own begin") << false << false;
        QTest::newRow("drained by an admin first") << true << true;
    }

    void stoppingServerComesBackUndrained()
    {
        QFETCH(bool, adminDrain);
        QFETCH(bool, drainedAfterRestart);
        TwoServers s;
        if (adminDrain)
            s.registry->setDrained(QStringLiteral("a"), true);
        bool handoff = false;
        QVERIFY(!s.registry->beginHandoff(QStringLiteral("a"), sourceA, &handoff));
        QVERIFY(handoff);
        // It stops without deregistering (killed after begin): missed heartbeats take it out.
        for (int i = 0; i < 40; ++i) {
            s.now += 250;
            if (s.now % 2000 < 250)
                s.beat(QStringLiteral("b"), sourceB);
            s.registry->tick();
        }
        QVERIFY(!s.registry->isLive(QStringLiteral("a")));
        s.beat(QStringLiteral("a"), sourceA);
        QCOMPARE(s.registry->server(QStringLiteral("a"))->drained, drainedAfterRestart);
    }
};

QTEST_GUILESS_MAIN(TestRoomTransit)
#include "tst_roomtransit.moc"
