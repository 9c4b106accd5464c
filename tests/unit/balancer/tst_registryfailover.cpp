// The registry's side of replicas and failover, with fake servers and a fake clock: the
// /internal/replica/target call (its refusals, the target never the caller, the map records it),
// fast failure detection wired to the rooms with replicas, and what a server's death does - rooms
// with a live replica wait in transit for one promote call per replica server and then map to
// it, the rest are lost and counted (only rooms the server had confirmed: a placement nobody
// used is dropped uncounted), copies on the dead server are cleared - and the replicas read back
// from the servers' room lists after a balancer restart.

#include "registry/ServerRegistry.h"
#include "registry/UpstreamClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QtTest>

using namespace ic::balancer;
using namespace Qt::StringLiterals;

namespace {

// Stands in for the room servers: calls wait here until the test answers them.
class Upstream : public UpstreamClient
{
public:
    struct Call
    {
        QString address;
        QString path;
        QByteArray body;
        int timeoutMs = 0;
        Callback callback;
    };
    Upstream() : UpstreamClient(QString()) {}
    void get(const QString &address, const QString &path, int timeoutMs, const QObject *,
             Callback callback, const QList<QPair<QByteArray, QByteArray>> &) override
    {
        pending.append(Call{address, path, {}, timeoutMs, std::move(callback)});
    }
    void postJson(const QString &address, const QString &path, const QByteArray &json,
                  int timeoutMs, const QObject *, Callback callback) override
    {
        pending.append(Call{address, path, json, timeoutMs, std::move(callback)});
    }
    // Takes the pending calls matching `path` (and `address` when given).
    QList<Call> take(const QString &path, const QString &address = {})
    {
        QList<Call> taken;
        for (auto it = pending.begin(); it != pending.end();) {
            if (it->path == path && (address.isEmpty() || it->address == address)) {
                taken.append(std::move(*it));
                it = pending.erase(it);
            } else {
                ++it;
            }
        }
        return taken;
    }
    QList<Call> pending;
};

QString sourceOf(const QString &id)
{
    return u"10.0.0.%1"_s.arg(id.at(0).unicode() - u'a' + 1);
}

QString addressOf(const QString &id)
{
    return sourceOf(id) + u":8081"_s;
}

UpstreamResult ok(const QByteArray &body)
{
    return UpstreamResult{200, body, "application/json", {}};
}

const UpstreamResult refused{0, {}, {}, u"Connection refused"_s};

// Servers "a", "b", "c" registered from 10.0.0.1-3, live, room lists read; time moved by hand.
class Cluster
{
public:
    Cluster()
    {
        QLoggingCategory::setFilterRules(u"balancer.info=false\nbalancer.warning=false"_s);
        RegistryOptions options;
        options.heartbeatIntervalSeconds = 2;
        options.warmUpMs = 0;
        options.clock = [this] { return now; };
        options.manualTicks = true;
        registry = std::make_unique<ServerRegistry>(options, &upstream);
        registry->start();
        for (const QString &id : {u"a"_s, u"b"_s, u"c"_s})
            beat(id);
        answerRoomLists();
        registry->tick();
    }
    ~Cluster() { registry.reset(); }

    void beat(const QString &id)
    {
        registry->heartbeat(QJsonObject{{u"id"_s, id}, {u"address"_s, addressOf(id)}},
                            sourceOf(id));
    }
    // Answers the pending room-list reads: each server lists the rooms in `held` (none when
    // not given there).
    void answerRoomLists()
    {
        for (const Upstream::Call &call : upstream.take(u"/internal/rooms"_s)) {
            QJsonArray rooms;
            for (auto it = held.constBegin(); it != held.constEnd(); ++it) {
                if (addressOf(it.value()) == call.address)
                    rooms.append(QJsonObject{{u"name"_s, it.key()}});
            }
            call.callback(ok(QJsonDocument(QJsonObject{{u"rooms"_s, rooms}}).toJson()));
        }
    }
    // The resync interval passes (every server beats meanwhile): every room list is read again.
    void readRoomLists()
    {
        now += 31000;
        for (const QString &id : {u"a"_s, u"b"_s, u"c"_s})
            beat(id);
        registry->tick();
        answerRoomLists();
    }
    // Time passes in 250 ms ticks; the servers in `beating` send a heartbeat every 2 s, /hw
    // probes of the servers in `answering` are answered (others wait), room lists are empty.
    void pass(qint64 ms, const QStringList &beating, const QStringList &answering)
    {
        for (qint64 end = now + ms; now < end;) {
            now = qMin(end, now + 250);
            if (now % 2000 < 250) {
                for (const QString &id : beating)
                    beat(id);
            }
            registry->tick();
            answerRoomLists();
            for (const QString &id : answering) {
                for (const Upstream::Call &call : upstream.take(u"/hw"_s, addressOf(id)))
                    call.callback(ok("{}"));
            }
        }
    }
    std::shared_ptr<QString> place(const QString &room)
    {
        auto answer = std::make_shared<QString>();
        registry->place(room, [answer](const Placement &p) {
            *answer = p.kind == Placement::Kind::Failed ? u"-"_s : p.server.id;
        });
        return answer;
    }
    // Places `room` on `id` (the others drained meanwhile) with its replica on `replica` (none
    // when empty). `created`: the room was created there (its first user came), so the
    // server's room list names it from now on.
    void placeOn(const QString &room, const QString &id, const QString &replica = {},
                 bool created = true)
    {
        if (created)
            held.insert(room, id);
        for (const QString &other : {u"a"_s, u"b"_s, u"c"_s})
            registry->setDrained(other, other != id);
        const auto answer = place(room);
        QCOMPARE(*answer, id);
        for (const QString &other : {u"a"_s, u"b"_s, u"c"_s})
            registry->setDrained(other, other != replica && other != id);
        if (!replica.isEmpty()) {
            ServerInfo target;
            QVERIFY(!registry->replicaTarget(id, room, sourceOf(id), &target));
            QCOMPARE(target.id, replica);
        }
        for (const QString &other : {u"a"_s, u"b"_s, u"c"_s})
            registry->setDrained(other, false);
    }
    QString holder(const QString &room) const { return registry->serverOfRoom(room); }

    qint64 now = 0;
    QHash<QString, QString> held; // room -> the server that has it
    Upstream upstream;
    std::unique_ptr<ServerRegistry> registry;
};

QStringList roomsIn(const QByteArray &promoteBody)
{
    QStringList rooms;
    for (const QJsonValue &v :
         QJsonDocument::fromJson(promoteBody).object().value(u"rooms"_s).toArray())
        rooms.append(v.toString());
    rooms.sort();
    return rooms;
}

} // namespace

class TestFailover : public QObject
{
    Q_OBJECT

private slots:
    void replicaTarget_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("room");
        QTest::addColumn<QString>("drained"); // servers drained first
        QTest::addColumn<int>("status");      // 0 = accepted
        QTest::addColumn<QString>("target");
        QTest::newRow("unknown server")
            << u"x"_s << u"10.0.0.1"_s << u"on-a"_s << QString() << 404 << QString();
        QTest::newRow("another address")
            << u"a"_s << u"10.9.9.9"_s << u"on-a"_s << QString() << 403 << QString();
        QTest::newRow("another server's id")
            << u"b"_s << u"10.0.0.1"_s << u"on-a"_s << QString() << 403 << QString();
        QTest::newRow("a room placed on another live server")
            << u"b"_s << u"10.0.0.2"_s << u"on-a"_s << QString() << 409 << QString();
        QTest::newRow("nobody else undrained")
            << u"a"_s << u"10.0.0.1"_s << u"on-a"_s << u"b c"_s << 503 << QString();
        QTest::newRow("own room: least loaded other server")
            << u"a"_s << u"10.0.0.1"_s << u"on-a"_s << QString() << 0 << u"c"_s;
        QTest::newRow("own room, the least loaded drained")
            << u"a"_s << u"10.0.0.1"_s << u"on-a"_s << u"c"_s << 0 << u"b"_s;
        QTest::newRow("a room the map does not know yet: placed on the caller")
            << u"a"_s << u"10.0.0.1"_s << u"new-room"_s << QString() << 0 << u"c"_s;
    }

    void replicaTarget()
    {
        QFETCH(QString, id);
        QFETCH(QString, source);
        QFETCH(QString, room);
        QFETCH(QString, drained);
        QFETCH(int, status);
        QFETCH(QString, target);
        Cluster s;
        s.placeOn(u"on-a"_s, u"a"_s);
        s.placeOn(u"on-b"_s, u"b"_s); // b holds a room: c is less loaded
        for (const QString &d : drained.split(u' ', Qt::SkipEmptyParts))
            s.registry->setDrained(d, true);
        const QString holderBefore = s.holder(room);
        ServerInfo chosen;
        const auto refusal = s.registry->replicaTarget(id, room, source, &chosen);
        QCOMPARE(refusal ? refusal->status : 0, status);
        if (refusal) {
            QVERIFY(!refusal->sentence.isEmpty());
            QCOMPARE(s.holder(room), holderBefore); // nothing changed
            QCOMPARE(s.registry->replicaOf(room), QString());
            return;
        }
        QCOMPARE(chosen.id, target);
        QVERIFY(chosen.id != id);
        QCOMPARE(s.holder(room), id);
        QCOMPARE(s.registry->replicaOf(room), target);
        QCOMPARE(s.registry->replicaCount(target), 1);
    }

    // "a" holds r1 (copy on b), r2 (copy on c) and r3 (no copy); b holds r4 (copy on a). "a"
    // dies; how b and c answer their promote calls decides where r1 and r2 end.
    void failover_data()
    {
        QTest::addColumn<QString>("death");   // "deregister" or "probe" (fast detection)
        QTest::addColumn<bool>("r3Created");  // r3's user came (else a placement nobody used)
        QTest::addColumn<QString>("answerB"); // promote answer body, "refused", "dies"
        QTest::addColumn<QString>("answerC");
        QTest::addColumn<QString>("r1"); // holder afterwards ("" = lost)
        QTest::addColumn<QString>("r2");
        QTest::addColumn<int>("lost");
        QTest::addColumn<int>("promoted");
        const QString promotedR1 = uR"({"promoted":["r1"],"missing":[]})"_s;
        const QString promotedR2 = uR"({"promoted":["r2"],"missing":[]})"_s;
        QTest::newRow("both promoted")
            << u"deregister"_s << true << promotedR1 << promotedR2 << u"b"_s << u"c"_s << 1 << 2;
        QTest::newRow("killed, noticed by the fast probe")
            << u"probe"_s << true << promotedR1 << promotedR2 << u"b"_s << u"c"_s << 1 << 2;
        QTest::newRow("c has no copy")
            << u"deregister"_s << true << promotedR1 << uR"({"promoted":[],"missing":["r2"]})"_s
            << u"b"_s << QString() << 2 << 1;
        QTest::newRow("c does not answer") << u"deregister"_s << true << promotedR1 << u"refused"_s
                                           << u"b"_s << QString() << 2 << 1;
        QTest::newRow("c dies during the failover")
            << u"deregister"_s << true << promotedR1 << u"dies"_s << u"b"_s << QString() << 2 << 1;
        // r3 was placed for a user who never came: dropped with a, not a lost room.
        QTest::newRow("r3 never created: nothing lost")
            << u"deregister"_s << false << promotedR1 << promotedR2 << u"b"_s << u"c"_s << 0 << 2;
        QTest::newRow("r3 never created, c has no copy")
            << u"deregister"_s << false << promotedR1 << uR"({"promoted":[],"missing":["r2"]})"_s
            << u"b"_s << QString() << 1 << 1;
    }

    void failover()
    {
        QFETCH(QString, death);
        QFETCH(bool, r3Created);
        QFETCH(QString, answerB);
        QFETCH(QString, answerC);
        QFETCH(QString, r1);
        QFETCH(QString, r2);
        QFETCH(int, lost);
        QFETCH(int, promoted);
        Cluster s;
        QSignalSpy lostSpy(s.registry.get(), &ServerRegistry::roomsLost);
        QSignalSpy failoverSpy(s.registry.get(), &ServerRegistry::failoverFinished);
        s.placeOn(u"r1"_s, u"a"_s, u"b"_s);
        s.placeOn(u"r2"_s, u"a"_s, u"c"_s);
        s.placeOn(u"r3"_s, u"a"_s, {}, r3Created);
        s.placeOn(u"r4"_s, u"b"_s, u"a"_s);
        QCOMPARE(s.registry->replicaOf(u"r4"_s), u"a"_s);
        s.readRoomLists();                   // r3 is confirmed by a's list when its user came
        QCOMPARE(s.holder(u"r3"_s), u"a"_s); // kept either way: placed 31 s ago

        if (death == u"deregister") {
            QVERIFY(!s.registry->deregister(u"a"_s, sourceOf(u"a"_s)));
        } else {
            // a stops: no heartbeat, its /hw is not answered; b and c go on.
            s.pass(2750, {u"b"_s, u"c"_s}, {u"b"_s, u"c"_s});
            QVERIFY(s.registry->isLive(u"a"_s));
            const QList<Upstream::Call> probes = s.upstream.take(u"/hw"_s, addressOf(u"a"_s));
            QVERIFY(!probes.isEmpty());
            bool fast = false;
            for (const Upstream::Call &probe : probes) {
                fast = fast || probe.timeoutMs == fastProbeTimeoutMs;
                probe.callback(refused);
            }
            QVERIFY(fast);
            QVERIFY(!s.registry->isLive(u"a"_s)); // at 2.75 s, not after 3 missed heartbeats
        }
        // Right away: r3 (no copy) is lost, the copy of r4 on a is gone, r1 and r2 wait.
        QCOMPARE(s.registry->replicaOf(u"r4"_s), QString());
        QCOMPARE(s.holder(u"r4"_s), u"b"_s);
        QVERIFY(!s.registry->inTransit(u"r3"_s));
        QVERIFY(s.registry->inTransit(u"r1"_s));
        QVERIFY(s.registry->inTransit(u"r2"_s));
        const auto waiting1 = s.place(u"r1"_s);
        const auto waiting2 = s.place(u"r2"_s);
        QCOMPARE(*waiting1, QString());
        QCOMPARE(*waiting2, QString());
        const QList<Upstream::Call> toB =
            s.upstream.take(u"/internal/replica/promote"_s, addressOf(u"b"_s));
        const QList<Upstream::Call> toC =
            s.upstream.take(u"/internal/replica/promote"_s, addressOf(u"c"_s));
        QCOMPARE(toB.size(), 1); // one call per replica server
        QCOMPARE(toC.size(), 1);
        QCOMPARE(roomsIn(toB.first().body), QStringList{u"r1"_s});
        QCOMPARE(roomsIn(toC.first().body), QStringList{u"r2"_s});
        QCOMPARE(toB.first().timeoutMs, 2000);
        QVERIFY(s.upstream.take(u"/internal/replica/promote"_s).isEmpty());

        toB.first().callback(ok(answerB.toUtf8()));
        QCOMPARE(*waiting1, r1); // answered as soon as its promotion is
        QCOMPARE(*waiting2, QString());
        QCOMPARE(failoverSpy.size(), 0); // not over until c answered
        if (answerC == u"refused") {
            toC.first().callback(refused);
        } else if (answerC == u"dies") {
            QVERIFY(!s.registry->deregister(u"c"_s, sourceOf(u"c"_s)));
            toC.first().callback(refused); // its call then fails too
        } else {
            toC.first().callback(ok(answerC.toUtf8()));
        }
        QCOMPARE(s.holder(u"r1"_s), r1);
        QCOMPARE(s.holder(u"r3"_s), QString());
        if (r2.isEmpty()) {
            // Lost: the placement that waited for it opened it anew on a live server.
            QVERIFY(!waiting2->isEmpty() && *waiting2 != u"a"_s && *waiting2 != u"-"_s);
            QCOMPARE(s.holder(u"r2"_s), *waiting2);
        } else {
            QCOMPARE(s.holder(u"r2"_s), r2);
            QCOMPARE(*waiting2, r2);
        }
        // Promoted rooms have no replica until their new holder asks for one.
        QCOMPARE(s.registry->replicaOf(u"r1"_s), QString());
        QCOMPARE(s.registry->roomsInTransit(), 0);
        int lostRooms = 0;
        for (const auto &arguments : lostSpy)
            lostRooms += arguments.at(0).toInt();
        QCOMPARE(lostRooms, lost);
        if (answerC == u"dies") {
            QCOMPARE(failoverSpy.size(), 1);
        } else {
            QCOMPARE(failoverSpy.size(), 1);
            QCOMPARE(failoverSpy.first().at(0).toInt(), promoted);
            QCOMPARE(failoverSpy.first().at(1).toInt(), lost);
        }
    }

    // Fast detection watches only servers holding rooms with a replica; a slow server that
    // answers the probe stays, and the 3-missed-heartbeats rule still ends every silent server.
    // A silent server here is a host gone: its probes fail only when their timeout passes.
    void detection_data()
    {
        QTest::addColumn<bool>("replicated");
        QTest::addColumn<bool>("answers");
        QTest::addColumn<qint64>("deadAtMs"); // after its last heartbeat
        QTest::newRow("replicated, silent: 2.5 s late + 1 s probe timeout")
            << true << false << qint64(3750);
        QTest::newRow("replicated, slow but answering: 3 missed heartbeats")
            << true << true << qint64(6250);
        QTest::newRow("not replicated, silent: 3 missed heartbeats")
            << false << false << qint64(6250);
    }

    void detection()
    {
        QFETCH(bool, replicated);
        QFETCH(bool, answers);
        QFETCH(qint64, deadAtMs);
        Cluster s;
        s.placeOn(u"r1"_s, u"a"_s, replicated ? u"b"_s : QString());
        const qint64 lastBeat = s.now;
        QList<std::pair<qint64, Upstream::Callback>> hanging; // probes of a, failing at
        qint64 died = -1;
        while (s.now - lastBeat < 8000) {
            s.pass(250, {u"b"_s, u"c"_s}, {u"b"_s, u"c"_s});
            for (const Upstream::Call &probe : s.upstream.take(u"/hw"_s, addressOf(u"a"_s))) {
                if (answers)
                    probe.callback(ok("{}"));
                else
                    hanging.append({s.now + probe.timeoutMs, probe.callback});
            }
            for (auto it = hanging.begin(); it != hanging.end();) {
                if (s.now >= it->first) {
                    const Upstream::Callback callback = it->second;
                    it = hanging.erase(it);
                    callback(UpstreamResult{0, {}, {}, u"timed out"_s});
                } else {
                    ++it;
                }
            }
            if (died < 0 && !s.registry->isLive(u"a"_s))
                died = s.now - lastBeat;
        }
        qInfo("dead %lld ms after its last heartbeat", died);
        QCOMPARE(died, deadAtMs);
        // The rooms of a server out by either rule fail over.
        QCOMPARE(s.upstream.take(u"/internal/replica/promote"_s).size(), replicated ? 1 : 0);
    }

    // After a balancer restart the map learns each room's replica from the servers' room lists
    // ("replicas"), whichever list is read first; a list without "replicas" changes nothing.
    void replicasAfterRestart_data()
    {
        QTest::addColumn<bool>("copyListFirst");
        QTest::addColumn<bool>("withReplicas");
        QTest::newRow("holder first") << false << true;
        QTest::newRow("copy holder first") << true << true;
        QTest::newRow("older servers: no replicas array") << false << false;
    }

    void replicasAfterRestart()
    {
        QFETCH(bool, copyListFirst);
        QFETCH(bool, withReplicas);
        Cluster s;
        // A fresh read of every list (the resync interval passed).
        s.now += 31000;
        for (const QString &id : {u"a"_s, u"b"_s, u"c"_s})
            s.beat(id);
        s.registry->tick();
        const QByteArray listA = R"({"rooms":[{"name":"Kept"}],"replicas":[]})";
        const QByteArray listB =
            withReplicas ? R"({"rooms":[],"replicas":["kept","gone"]})" : R"({"rooms":[]})";
        QList<Upstream::Call> calls = s.upstream.take(u"/internal/rooms"_s);
        QCOMPARE(calls.size(), 3);
        std::sort(calls.begin(), calls.end(), [copyListFirst](const auto &x, const auto &y) {
            return copyListFirst ? x.address > y.address : x.address < y.address;
        });
        for (const Upstream::Call &call : calls)
            call.callback(ok(call.address == addressOf(u"a"_s)   ? listA
                             : call.address == addressOf(u"b"_s) ? listB
                                                                 : R"({"rooms":[]})"));
        QCOMPARE(s.holder(u"kept"_s), u"a"_s);
        QCOMPARE(s.registry->replicaOf(u"kept"_s), withReplicas ? u"b"_s : QString());
        QCOMPARE(s.holder(u"gone"_s), QString());
    }
};

QTEST_GUILESS_MAIN(TestFailover)
#include "tst_registryfailover.moc"
