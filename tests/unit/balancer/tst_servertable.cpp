// ServerTable: registration and its binding to the source address, load clamping, liveness by
// heartbeats and probes, drains and the stop drain, forgetting. A fake clock.

#include "registry/ServerTable.h"

#include <QLoggingCategory>
#include <QtTest>

using namespace ic::balancer;
using namespace Qt::StringLiterals;

namespace {

QJsonObject beat(const QString &id, const QString &address, const QJsonObject &load = {})
{
    return {{u"id"_s, id}, {u"address"_s, address}, {u"load"_s, load}};
}

struct Fixture
{
    Fixture()
    {
        QLoggingCategory::setFilterRules(u"balancer.info=false\nbalancer.warning=false"_s);
    }
    qint64 now = 0;
    ServerTable table{[this] { return now; }};
    int status(const QJsonObject &body, const QString &source)
    {
        ServerTable::HeartbeatOutcome outcome;
        const auto refusal = table.heartbeat(body, source, &outcome);
        return refusal ? refusal->status : 0;
    }
};

} // namespace

class TestServerTable : public QObject
{
    Q_OBJECT

private slots:
    void heartbeatIsChecked_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("status");      // 0 = accepted
        QTest::addColumn<QStringList>("ids"); // known afterwards
        const QStringList onlyA{u"a"_s};
        QTest::newRow("a second server")
            << u"s1"_s << u"10.0.0.2:8081"_s << u"10.0.0.2"_s << 0 << QStringList{u"a"_s, u"s1"_s};
        QTest::newRow("same id, same source")
            << u"a"_s << u"10.0.0.1:8081"_s << u"10.0.0.1"_s << 0 << onlyA;
        QTest::newRow("a new id for the same address and source takes the entry")
            << u"a2"_s << u"10.0.0.1:8081"_s << u"10.0.0.1"_s << 0 << QStringList{u"a2"_s};
        QTest::newRow("same id, another source")
            << u"a"_s << u"10.0.0.9:8081"_s << u"10.0.0.9"_s << 409 << onlyA;
        QTest::newRow("another id, the same address from another source")
            << u"b"_s << u"10.0.0.1:8081"_s << u"10.0.0.9"_s << 409 << onlyA;
        QTest::newRow("id with a space")
            << u"a b"_s << u"10.0.0.1:1"_s << u"10.0.0.1"_s << 400 << onlyA;
        QTest::newRow("empty id") << QString() << u"10.0.0.1:1"_s << u"10.0.0.1"_s << 400 << onlyA;
        QTest::newRow("id of 129 characters")
            << QString(129, u'x') << u"10.0.0.1:1"_s << u"10.0.0.1"_s << 400 << onlyA;
        QTest::newRow("address without port")
            << u"c"_s << u"10.0.0.1"_s << u"10.0.0.1"_s << 400 << onlyA;
        QTest::newRow("port 0") << u"c"_s << u"10.0.0.1:0"_s << u"10.0.0.1"_s << 400 << onlyA;
        QTest::newRow("port 65536")
            << u"c"_s << u"10.0.0.1:65536"_s << u"10.0.0.1"_s << 400 << onlyA;
    }

    void heartbeatIsChecked()
    {
        QFETCH(QString, id);
        QFETCH(QString, address);
        QFETCH(QString, source);
        QFETCH(int, status);
        QFETCH(QStringList, ids);
        Fixture f;
        QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s), u"10.0.0.1"_s), 0);
        QCOMPARE(f.status(beat(id, address, {}), source), status);
        if (status != 0) // a refused heartbeat changes nothing
            QCOMPARE(f.table.find(u"a"_s)->address, u"10.0.0.1:8081"_s);
        QStringList known = f.table.ids();
        known.sort();
        QCOMPARE(known, ids);
    }

    void loadsAreClamped_data()
    {
        QTest::addColumn<QString>("key");
        QTest::addColumn<double>("reported");
        QTest::addColumn<double>("kept");
        QTest::newRow("connections") << u"connections"_s << 42.0 << 42.0;
        QTest::newRow("negative connections") << u"connections"_s << -5.0 << 0.0;
        QTest::newRow("absurd rooms") << u"rooms"_s << 1e12 << 1e7;
        QTest::newRow("cpu of many cores") << u"cpu"_s << 350.0 << 350.0;
        QTest::newRow("cpu beyond 1024 cores") << u"cpu"_s << 1e9 << 102400.0;
        QTest::newRow("host cpu above 100 %") << u"hostCpu"_s << 180.0 << 100.0;
    }

    void loadsAreClamped()
    {
        QFETCH(QString, key);
        QFETCH(double, reported);
        QFETCH(double, kept);
        Fixture f;
        QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s, {{key, reported}}), u"10.0.0.1"_s), 0);
        const LoadReport &load = f.table.find(u"a"_s)->load;
        const QHash<QString, double> values{{u"connections"_s, load.connections},
                                            {u"rooms"_s, load.rooms},
                                            {u"cpu"_s, load.cpu},
                                            {u"hostCpu"_s, load.hostCpu}};
        QCOMPARE(values.value(key), kept);
    }

    void liveness_data()
    {
        QTest::addColumn<QString>("events"); // b = heartbeat, p/f = probe ok/failed, +N = N ms
        QTest::addColumn<bool>("alive");
        QTest::addColumn<bool>("registered");
        QTest::newRow("registered") << u"b"_s << true << true;
        QTest::newRow("heartbeats every 2 s") << u"b +2000 b +2000 b +2000 b"_s << true << true;
        QTest::newRow("3 intervals without heartbeat") << u"b +6001"_s << false << false;
        QTest::newRow("just within 3 intervals") << u"b +6000"_s << true << true;
        QTest::newRow("2 failed probes") << u"b f f"_s << true << true;
        QTest::newRow("3 failed probes") << u"b f f f"_s << false << true;
        QTest::newRow("a good probe resets the count") << u"b f f p f f"_s << true << true;
        QTest::newRow("back with a heartbeat") << u"b f f f b"_s << true << true;
        QTest::newRow("expired, then a heartbeat") << u"b +7000 b"_s << true << true;
    }

    void liveness()
    {
        QFETCH(QString, events);
        QFETCH(bool, alive);
        QFETCH(bool, registered);
        Fixture f;
        for (const QString &event : events.split(u' ')) {
            if (event == u"b")
                QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s), u"10.0.0.1"_s), 0);
            else if (event == u"p" || event == u"f")
                f.table.probeFinished(u"a"_s, event == u"p", {}, 2000);
            else
                f.now += event.mid(1).toInt();
            f.table.due(6000, 0);
        }
        QCOMPARE(f.table.isLive(u"a"_s), alive);
        QCOMPARE(f.table.find(u"a"_s)->registered, registered);
    }

    void deregistration_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<QString>("source");
        QTest::addColumn<int>("status");
        QTest::newRow("its own source") << u"a"_s << u"10.0.0.1"_s << 0;
        QTest::newRow("another source") << u"a"_s << u"10.0.0.2"_s << 403;
        QTest::newRow("unknown id") << u"x"_s << u"10.0.0.1"_s << 404;
        QTest::newRow("a static server") << u"10.0.0.5-8081"_s << u"10.0.0.5"_s << 403;
    }

    void deregistration()
    {
        QFETCH(QString, id);
        QFETCH(QString, source);
        QFETCH(int, status);
        Fixture f;
        f.table.addStatic(u"10.0.0.5:8081"_s);
        QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s), u"10.0.0.1"_s), 0);
        const auto refusal = f.table.checkDeregister(id, source);
        QCOMPARE(refusal ? refusal->status : 0, status);
        if (!refusal) {
            f.table.endRegistration(id);
            QVERIFY(!f.table.find(id)); // self-registered: gone
        }
    }

    void drains_data()
    {
        QTest::addColumn<bool>("adminDrain");
        QTest::addColumn<bool>("stop");
        QTest::addColumn<bool>("otherLive");
        QTest::addColumn<bool>("handoff");           // shouldHandOff while drained
        QTest::addColumn<bool>("drainedAfterDeath"); // after it went out
        QTest::newRow("admin drain") << true << false << true << true << true;
        QTest::newRow("stop") << false << true << true << true << false;
        QTest::newRow("admin drain, then stop") << true << true << true << true << true;
        QTest::newRow("stop, nobody else") << false << true << false << false << false;
        QTest::newRow("neither") << false << false << true << false << false;
    }

    void drains()
    {
        QFETCH(bool, adminDrain);
        QFETCH(bool, stop);
        QFETCH(bool, otherLive);
        QFETCH(bool, handoff);
        QFETCH(bool, drainedAfterDeath);
        Fixture f;
        QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s), u"10.0.0.1"_s), 0);
        if (otherLive)
            QCOMPARE(f.status(beat(u"b"_s, u"10.0.0.2:8081"_s), u"10.0.0.2"_s), 0);
        if (adminDrain)
            f.table.setDrained(u"a"_s, true);
        if (stop)
            QCOMPARE(f.table.markStopping(u"a"_s), otherLive);
        QCOMPARE(f.table.shouldHandOff(u"a"_s), handoff);
        QVERIFY(!f.table.shouldHandOff(u"b"_s));
        f.table.setDead(u"a"_s);
        QCOMPARE(f.table.find(u"a"_s)->drained, drainedAfterDeath);
    }

    void forgetting_data()
    {
        QTest::addColumn<QString>("id");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("dead, self-registered") << u"dead"_s << true;
        QTest::newRow("alive") << u"a"_s << false;
        QTest::newRow("static") << u"10.0.0.5-8081"_s << false;
        QTest::newRow("unknown") << u"nobody"_s << false;
    }

    void forgetting()
    {
        QFETCH(QString, id);
        QFETCH(bool, allowed);
        Fixture f;
        f.table.addStatic(u"10.0.0.5:8081"_s);
        QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s), u"10.0.0.1"_s), 0);
        QCOMPARE(f.status(beat(u"dead"_s, u"10.0.0.3:8081"_s), u"10.0.0.3"_s), 0);
        f.now += 3000;
        QCOMPARE(f.status(beat(u"a"_s, u"10.0.0.1:8081"_s), u"10.0.0.1"_s), 0);
        f.now += 3500;
        const ServerTable::Due due = f.table.due(6000, 0);
        QCOMPARE(due.died, QStringList{u"dead"_s});
        QCOMPARE(!f.table.checkForget(id).has_value(), allowed);
        // With --forget-dead-after, the dead one goes by itself.
        f.now += 10001;
        QCOMPARE(f.table.due(60000, 10000).forget, QStringList{u"dead"_s});
    }
};

QTEST_GUILESS_MAIN(TestServerTable)
#include "tst_servertable.moc"
