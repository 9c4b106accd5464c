// instantchat-loadtest: drives protocol v1 through the real entry points (balancer GET /,
// /pick_backend, WebSocket, init frame, R_C_J) and reports throughput, latency, loss and the
// server's CPU and memory. One thread, one epoll set: see Engine.h for why.

#include "Engine.h"
#include "Stats.h"

#include "system/ProcessStats.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTimer>
#include <csignal>
#include <cstdio>
#include <deque>
#include <functional>
#include <sys/resource.h>

using namespace ic::load;

namespace {

struct Settings
{
    QString scenario;
    int rooms = 10;
    int users = 100;
    double interval = 1;
    double duration = 20;
    int connections = 10000;
    int joins = 5000;
    double rampStart = 1, rampStep = 1, rampMax = 10;
    double p99BoundMs = 50;
    double drainSeconds = 5;
    qint64 serverPid = 0;
    QList<qint64> peerPids; // --server-pid's further pids: their CPU is summed with the first's
    bool jsonOnly = false;
    bool fullParse = false;
    double churnPerSecond = 50;  // bigroom: joins per second, and as many leaves
    double churnStaySeconds = 2; // bigroom: how long a churn user stays before it leaves
    int protocolVersion = 1;
    double passwordRooms = 0.2; // handoff: share of rooms with a password
    double v1Share = 0.5;       // handoff: share of sessions without `pv`
    QString stopFile;           // handoff: sending stops early once this file exists
    double dropEvery = 0;       // handoff: seconds between dropped client connections; 0 = none
    QString killFile;           // failover: SIGKILL the pid written here once the file exists
};

// Runs the event loop for `ms` milliseconds.
// Precise: a coarse timer may fire 5 % late, which would stretch a 20 s sending window by 1 s.
void runFor(int ms)
{
    QEventLoop loop;
    QTimer timer;
    timer.setTimerType(Qt::PreciseTimer);
    timer.setSingleShot(true);
    QObject::connect(&timer, &QTimer::timeout, &loop, &QEventLoop::quit);
    timer.start(ms);
    loop.exec();
}

// Runs the sending window and returns its real length in seconds (rates divide by it).
double sendFor(Engine &engine, double intervalSeconds, double durationSeconds)
{
    const qint64 start = monotonicNs();
    engine.startSending(intervalSeconds);
    runFor(int(durationSeconds * 1000));
    engine.stopSending();
    return double(monotonicNs() - start) / 1e9;
}

// Runs the event loop until `done` holds (checked every 10 ms) or `timeoutMs` passed.
bool runUntil(const std::function<bool()> &done, int timeoutMs)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    check.start(10);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

double round2(double value)
{
    return std::round(value * 100) / 100;
}

// Generator CPU over a window: a saturated generator measures itself, not the server.
struct GeneratorCpu
{
    double cpuBegin = 0, waitBegin = 0;
    qint64 beginNs = 0;
    double percent = 0;
    double cpuSeconds = 0;
    double waitPercent = 0; // of the window spent runnable but without a CPU
    void begin()
    {
        cpuBegin = ic::sys::processCpuSeconds();
        waitBegin = runQueueWaitSeconds();
        beginNs = monotonicNs();
    }
    void end()
    {
        const double wall = double(monotonicNs() - beginNs) / 1e9;
        cpuSeconds = ic::sys::processCpuSeconds() - cpuBegin;
        percent = wall > 0 ? cpuSeconds / wall * 100 : 0;
        waitPercent = wall > 0 ? (runQueueWaitSeconds() - waitBegin) / wall * 100 : 0;
    }
};

QString ms(const QJsonObject &latency)
{
    return QStringLiteral("p50 %1 ms, p90 %2 ms, p99 %3 ms, max %4 ms")
        .arg(latency.value(QStringLiteral("p50")).toDouble())
        .arg(latency.value(QStringLiteral("p90")).toDouble())
        .arg(latency.value(QStringLiteral("p99")).toDouble())
        .arg(latency.value(QStringLiteral("max")).toDouble());
}

QString counts(const QJsonObject &map)
{
    if (map.isEmpty())
        return QStringLiteral("none");
    QStringList parts;
    for (auto it = map.begin(); it != map.end(); ++it)
        parts << QStringLiteral("%1 x%2").arg(it.key()).arg(it.value().toInteger());
    return parts.join(QStringLiteral(", "));
}

QString mib(qint64 bytes)
{
    return QStringLiteral("%1 MiB").arg(double(bytes) / 1048576.0, 0, 'f', 1);
}

void line(const char *label, const QString &text)
{
    std::printf("  %-12s %s\n", label, qPrintable(text));
}

void printDeliveries(const QJsonObject &d)
{
    line("messages", QStringLiteral("sent %1; deliveries expected %2, received %3, lost %4 "
                                    "(id gaps %5 in %6 rooms, reordered %7, late %8)")
                         .arg(d.value(QStringLiteral("messages_sent")).toInteger())
                         .arg(d.value(QStringLiteral("expected")).toInteger())
                         .arg(d.value(QStringLiteral("received")).toInteger())
                         .arg(d.value(QStringLiteral("lost")).toInteger())
                         .arg(d.value(QStringLiteral("id_gaps")).toInteger())
                         .arg(d.value(QStringLiteral("rooms_with_gaps")).toInteger())
                         .arg(d.value(QStringLiteral("reordered")).toInteger())
                         .arg(d.value(QStringLiteral("late")).toInteger()));
    line("throughput", QStringLiteral("%1 deliveries/s")
                           .arg(d.value(QStringLiteral("per_second")).toDouble(), 0, 'f', 0));
    line("latency", ms(d.value(QStringLiteral("latency_ms")).toObject()));
}

// The handoff scenario's table: what survived the moves, and the gap each client saw.
void printHandoff(const QJsonObject &h)
{
    auto n = [&](const char *key) { return h.value(QString::fromLatin1(key)).toInteger(); };
    const QJsonObject gap = h.value(QStringLiteral("gap_ms")).toObject();
    line("population", QStringLiteral("%1 rooms (%2 with a password), %3 users (%4 v1, %5 pv 2)")
                           .arg(n("rooms"))
                           .arg(n("password_rooms"))
                           .arg(n("users"))
                           .arg(n("v1_users"))
                           .arg(n("pv2_users")));
    line("messages", QStringLiteral("sent %1, acknowledged %2, resent after a rejoin %3, refused "
                                    "%4, unacknowledged at the end %5")
                         .arg(n("messages_sent"))
                         .arg(n("acknowledged"))
                         .arg(n("resent"))
                         .arg(n("refused"))
                         .arg(n("unacknowledged_at_end")));
    line("moves", QStringLiteral("closes %1; rejoins %2 (failed attempts: %3); users whose room "
                                 "was gone (ER 202) %4, gave up %5")
                      .arg(counts(h.value(QStringLiteral("closes")).toObject()))
                      .arg(n("rejoins"))
                      .arg(counts(h.value(QStringLiteral("rejoin_failures")).toObject()))
                      .arg(n("users_room_gone"))
                      .arg(n("users_gave_up")));
    line("gap", QStringLiteral("close to the rejoin's RP: %1 samples, p50 %2 ms, p99 %3 ms, max %4 "
                               "ms")
                    .arg(gap.value(QStringLiteral("count")).toInteger())
                    .arg(gap.value(QStringLiteral("p50")).toDouble())
                    .arg(gap.value(QStringLiteral("p99")).toDouble())
                    .arg(gap.value(QStringLiteral("max")).toDouble()));
    std::printf("  %-44s %8s\n", "check", "count");
    const std::pair<const char *, const char *> rows[] = {
        {"acknowledged messages lost", "acknowledged_lost"},
        {"acknowledged, not in the rejoin's history", "acknowledged_missing_at_rejoin"},
        {"duplicates in the final histories", "duplicates"},
        {"duplicate live deliveries", "delivery_duplicates"},
        {"name changes", "name_changes"},
        {"own name not in the member list", "names_not_listed"},
        {"user id changes", "user_id_changes"},
        {"authorisations lost (rejoin refused w/o pw)", "authorisations_lost"},
        {"creator changes", "creator_changes"},
        {"password rooms that opened", "password_rooms_opened"},
        {"password rooms refusing a stranger", "password_rooms_refusing_strangers"},
        {"rooms missing at the end", "rooms_missing_at_end"},
        {"rooms truncated by the message cap", "rooms_truncated_by_cap"},
        {"ER 202 (room missing)", "er_202"},
    };
    for (const auto &[label, key] : rows)
        std::printf("  %-44s %8lld\n", label, qlonglong(n(key)));
    for (const QJsonValue &event : h.value(QStringLiteral("events")).toArray())
        line("event", event.toString());
}

// The failover scenario's part: the users whose server was killed, and when they were back.
void printFailover(const QJsonObject &f)
{
    const QJsonObject back = f.value(QStringLiteral("kill_to_back_ms")).toObject();
    if (!f.value(QStringLiteral("killed")).toBool()) {
        line("failover", QStringLiteral("NO SERVER WAS KILLED (no --kill-file appeared)"));
        return;
    }
    line("failover",
         QStringLiteral("pid %1 killed; %2 users lost their connection, %3 back in their room, "
                        "%4 not")
             .arg(f.value(QStringLiteral("pid")).toInteger())
             .arg(f.value(QStringLiteral("affected_users")).toInteger())
             .arg(f.value(QStringLiteral("back_in_room")).toInteger())
             .arg(f.value(QStringLiteral("not_back")).toInteger()));
    line("back", QStringLiteral("kill to the rejoin's RP: p50 %1 ms, p99 %2 ms, max %3 ms")
                     .arg(back.value(QStringLiteral("p50")).toDouble())
                     .arg(back.value(QStringLiteral("p99")).toDouble())
                     .arg(back.value(QStringLiteral("max")).toDouble()));
}

void printServer(const QJsonObject &server)
{
    if (server.isEmpty())
        return;
    QString text = QStringLiteral("pid %1: CPU %2 s in %3 s (%4% of a core, waited for a CPU %5 s)")
                       .arg(server.value(QStringLiteral("pid")).toInteger())
                       .arg(server.value(QStringLiteral("cpu_seconds")).toDouble())
                       .arg(server.value(QStringLiteral("window_s")).toDouble())
                       .arg(server.value(QStringLiteral("cpu_percent")).toDouble())
                       .arg(server.value(QStringLiteral("cpu_wait_seconds")).toDouble());
    if (server.contains(QStringLiteral("cpu_us_per_delivery")))
        text += QStringLiteral(", %1 us CPU per delivery")
                    .arg(server.value(QStringLiteral("cpu_us_per_delivery")).toDouble());
    line("server", text);
    QString memory = QStringLiteral("peak RSS %1 (baseline %2)")
                         .arg(mib(server.value(QStringLiteral("peak_rss_bytes")).toInteger()),
                              mib(server.value(QStringLiteral("baseline_rss_bytes")).toInteger()));
    if (server.contains(QStringLiteral("rss_per_connection_bytes")))
        memory +=
            QStringLiteral(", %1 KiB per connection")
                .arg(double(server.value(QStringLiteral("rss_per_connection_bytes")).toInteger()) /
                         1024,
                     0, 'f', 1);
    line("", memory);
    QStringList threads;
    for (const QJsonValue &value : server.value(QStringLiteral("threads")).toArray()) {
        const QJsonObject thread = value.toObject();
        if (threads.size() < 8)
            threads << QStringLiteral("%1(%2) %3%")
                           .arg(thread.value(QStringLiteral("name")).toString())
                           .arg(thread.value(QStringLiteral("tid")).toInteger())
                           .arg(thread.value(QStringLiteral("cpu_percent")).toDouble());
    }
    if (!threads.isEmpty())
        line("", QStringLiteral("threads: ") + threads.join(QStringLiteral(", ")));
}

void printSummary(const QJsonObject &result)
{
    std::printf("=== instantchat-loadtest %s: %s ===\n",
                qPrintable(result.value(QStringLiteral("scenario")).toString()),
                result.value(QStringLiteral("ok")).toBool() ? "OK" : "PROBLEMS");
    line("parameters",
         QString::fromUtf8(QJsonDocument(result.value(QStringLiteral("params")).toObject())
                               .toJson(QJsonDocument::Compact)));
    const QJsonObject c = result.value(QStringLiteral("connections")).toObject();
    const QJsonObject join = c.value(QStringLiteral("join_latency_ms")).toObject();
    line("connections", QStringLiteral("%1 of %2 ok, %3 failed (%4), %5 disconnects")
                            .arg(c.value(QStringLiteral("ok")).toInteger())
                            .arg(c.value(QStringLiteral("requested")).toInteger())
                            .arg(c.value(QStringLiteral("failed")).toInteger())
                            .arg(counts(c.value(QStringLiteral("failures")).toObject()))
                            .arg(c.value(QStringLiteral("disconnects")).toInteger()));
    line("join", QStringLiteral("latency p50 %1 ms, p99 %2 ms, max %3 ms (GET / to RP)")
                     .arg(join.value(QStringLiteral("p50")).toDouble())
                     .arg(join.value(QStringLiteral("p99")).toDouble())
                     .arg(join.value(QStringLiteral("max")).toDouble()));
    if (result.contains(QStringLiteral("joins_per_s")))
        line("join rate",
             QStringLiteral("%1 joins/s")
                 .arg(result.value(QStringLiteral("joins_per_s")).toDouble(), 0, 'f', 0));
    if (result.contains(QStringLiteral("churn"))) {
        const QJsonObject churn = result.value(QStringLiteral("churn")).toObject();
        const QJsonObject list = result.value(QStringLiteral("member_list")).toObject();
        const QJsonObject server = result.value(QStringLiteral("server")).toObject();
        line("churn", QStringLiteral("%1 joins (%2/s), %3 leaves, %4 join failures")
                          .arg(churn.value(QStringLiteral("joins")).toInteger())
                          .arg(churn.value(QStringLiteral("per_second")).toDouble())
                          .arg(churn.value(QStringLiteral("leaves")).toInteger())
                          .arg(churn.value(QStringLiteral("join_failures")).toInteger()));
        line("member list",
             QStringLiteral("%1 bytes per join, %2 per join or leave (%3 full lists, %4; %5 "
                            "deltas, %6); server CPU %7 ms per join")
                 .arg(list.value(QStringLiteral("bytes_per_join")).toDouble(), 0, 'f', 0)
                 .arg(list.value(QStringLiteral("bytes_per_change")).toDouble(), 0, 'f', 0)
                 .arg(list.value(QStringLiteral("full_lists")).toInteger())
                 .arg(mib(list.value(QStringLiteral("full_list_bytes")).toInteger()))
                 .arg(list.value(QStringLiteral("deltas")).toInteger())
                 .arg(mib(list.value(QStringLiteral("delta_bytes")).toInteger()))
                 .arg(server.value(QStringLiteral("cpu_ms_per_join")).toDouble()));
    }
    if (result.contains(QStringLiteral("handoff")))
        printHandoff(result.value(QStringLiteral("handoff")).toObject());
    if (result.contains(QStringLiteral("failover")))
        printFailover(result.value(QStringLiteral("failover")).toObject());
    if (result.contains(QStringLiteral("deliveries")))
        printDeliveries(result.value(QStringLiteral("deliveries")).toObject());
    for (const QJsonValue &value : result.value(QStringLiteral("steps")).toArray()) {
        const QJsonObject step = value.toObject();
        const QJsonObject d = step.value(QStringLiteral("deliveries")).toObject();
        const QJsonObject latency = d.value(QStringLiteral("latency_ms")).toObject();
        line("ramp step",
             QStringLiteral("%1 msg/s per user: %2 deliveries/s (target %3), p99 %4 ms, lost %5, "
                            "server %6 us/delivery, gen CPU %7% -> %8")
                 .arg(step.value(QStringLiteral("rate_per_user")).toDouble())
                 .arg(d.value(QStringLiteral("per_second")).toDouble(), 0, 'f', 0)
                 .arg(step.value(QStringLiteral("target_deliveries_per_s")).toDouble(), 0, 'f', 0)
                 .arg(latency.value(QStringLiteral("p99")).toDouble())
                 .arg(d.value(QStringLiteral("lost")).toInteger())
                 .arg(step.value(QStringLiteral("server"))
                          .toObject()
                          .value(QStringLiteral("cpu_us_per_delivery"))
                          .toDouble())
                 .arg(step.value(QStringLiteral("generator_cpu_percent")).toDouble())
                 .arg(step.value(QStringLiteral("good")).toBool() ? QStringLiteral("good")
                                                                  : QStringLiteral("BAD")));
    }
    if (result.contains(QStringLiteral("last_good"))) {
        const QJsonObject good = result.value(QStringLiteral("last_good")).toObject();
        line("last good", good.isEmpty()
                              ? QStringLiteral("none (the first step already failed)")
                              : QStringLiteral("%1 msg/s per user, %2 deliveries/s")
                                    .arg(good.value(QStringLiteral("rate_per_user")).toDouble())
                                    .arg(good.value(QStringLiteral("deliveries"))
                                             .toObject()
                                             .value(QStringLiteral("per_second"))
                                             .toDouble(),
                                         0, 'f', 0));
    }
    line("errors", counts(result.value(QStringLiteral("errors")).toObject()));
    const QJsonObject generator = result.value(QStringLiteral("generator")).toObject();
    line(
        "generator",
        QStringLiteral(
            "CPU %1% of a core (%2 us per delivery, %3 parser), waited for a CPU %4% of the time%5")
            .arg(generator.value(QStringLiteral("cpu_percent")).toDouble())
            .arg(generator.value(QStringLiteral("cpu_us_per_delivery")).toDouble())
            .arg(generator.value(QStringLiteral("parse")).toString())
            .arg(generator.value(QStringLiteral("cpu_wait_percent")).toDouble())
            .arg(generator.value(QStringLiteral("saturated")).toBool()
                     ? QStringLiteral(" — SATURATED, results invalid")
                     : QString()));
    printServer(result.value(QStringLiteral("server")).toObject());
}

class Runner
{
public:
    Runner(Engine &engine, const Settings &settings, ServerProbe &probe)
        : m_engine(engine), m_settings(settings), m_probe(probe)
    {
        m_progress.setInterval(1000);
        QObject::connect(&m_progress, &QTimer::timeout, [this] { progress(); });
        if (!settings.jsonOnly)
            m_progress.start();
        m_progressStartNs = monotonicNs();
        m_progressCpu.sample();
    }

    int run();

private:
    void progress();
    void setupUsers(int count, int perRoom, int timeoutMs);
    QJsonObject connectionsJson();
    QJsonObject errorsJson();
    QJsonObject deliveriesJson(double windowSeconds, bool withLatency);
    QJsonObject serverJson(qint64 deliveries, qint64 connections, qint64 baselineRss);
    void drain();
    int finish(QJsonObject result, bool ok);

    int fanout();
    int idle();
    int joinstorm();
    int ramp();
    int bigroom();
    int handoff();

    Engine &m_engine;
    const Settings &m_settings;
    ServerProbe &m_probe;
    QTimer m_progress;
    QString m_phase = QStringLiteral("setup");
    qint64 m_progressStartNs = 0;
    qint64 m_lastReceived = 0;
    ic::sys::CpuSampler m_progressCpu;
    GeneratorCpu m_generator;
    qint64 m_generatorDeliveries =
        -1; // deliveries m_generator's CPU paid for, when not the window's
};

void Runner::progress()
{
    m_progressCpu.sample();
    m_probe.sample();
    const qint64 received = m_engine.totalReceivedEver();
    const WindowCounters &window = m_engine.window();
    std::fprintf(
        stderr,
        "[%s %4.0fs] joined %lld/%lld failed %lld in-setup %lld | sent %lld recv %lld (%lld/s) | "
        "gen cpu %.0f%%%s\n",
        qPrintable(m_phase), double(monotonicNs() - m_progressStartNs) / 1e9,
        qlonglong(m_engine.joined()), qlonglong(m_engine.users()), qlonglong(m_engine.failed()),
        qlonglong(m_engine.inSetup()), qlonglong(window.sent), qlonglong(window.received),
        qlonglong(received - m_lastReceived), m_progressCpu.processPercent(),
        m_progressCpu.processPercent() >= 90 ? " SATURATED" : "");
    if (m_settings.scenario == QLatin1StringView("handoff") ||
        m_settings.scenario == QLatin1StringView("failover"))
        std::fprintf(stderr, "    %s\n", qPrintable(m_engine.handoffProgress()));
    m_lastReceived = received;
}

void Runner::setupUsers(int count, int perRoom, int timeoutMs)
{
    m_phase = QStringLiteral("setup");
    m_engine.addUsers(count, perRoom);
    m_engine.startSetup();
    runUntil([this] { return m_engine.setupSettled(); }, timeoutMs);
}

QJsonObject Runner::connectionsJson()
{
    QJsonObject failures;
    for (auto it = m_engine.failures().begin(); it != m_engine.failures().end(); ++it)
        failures.insert(it.key(), it.value());
    LatencySamples &join = m_engine.joinLatency();
    return QJsonObject{
        {QStringLiteral("requested"), m_engine.users()},
        {QStringLiteral("ok"), m_engine.joined()},
        {QStringLiteral("failed"), m_engine.users() - m_engine.joined()},
        {QStringLiteral("failures"), failures},
        {QStringLiteral("disconnects"), m_engine.disconnects()},
        {QStringLiteral("join_latency_ms"),
         QJsonObject{{QStringLiteral("p50"), round2(join.percentileMs(50))},
                     {QStringLiteral("p99"), round2(join.percentileMs(99))},
                     {QStringLiteral("max"), round2(join.maxMs())}}},
    };
}

QJsonObject Runner::errorsJson()
{
    QJsonObject errors;
    for (auto it = m_engine.errorCodes().begin(); it != m_engine.errorCodes().end(); ++it)
        errors.insert(QString::number(it.key()), it.value());
    return errors;
}

QJsonObject Runner::deliveriesJson(double windowSeconds, bool withLatency)
{
    WindowCounters &window = m_engine.window();
    QJsonObject result{
        {QStringLiteral("messages_sent"), window.sent},
        {QStringLiteral("expected"), window.expected},
        {QStringLiteral("received"), window.received},
        {QStringLiteral("lost"), qMax<qint64>(0, window.expected - window.received)},
        {QStringLiteral("id_gaps"), window.idGaps},
        {QStringLiteral("rooms_with_gaps"), m_engine.roomsWithGaps()},
        {QStringLiteral("reordered"), window.reordered},
        {QStringLiteral("late"), window.late},
        {QStringLiteral("per_second"),
         round2(windowSeconds > 0 ? double(window.received) / windowSeconds : 0)},
    };
    if (withLatency) {
        result.insert(QStringLiteral("latency_ms"),
                      QJsonObject{{QStringLiteral("p50"), round2(window.latency.percentileMs(50))},
                                  {QStringLiteral("p90"), round2(window.latency.percentileMs(90))},
                                  {QStringLiteral("p99"), round2(window.latency.percentileMs(99))},
                                  {QStringLiteral("max"), round2(window.latency.maxMs())}});
    }
    return result;
}

QJsonObject Runner::serverJson(qint64 deliveries, qint64 connections, qint64 baselineRss)
{
    if (!m_probe.enabled())
        return {};
    const double seconds = m_probe.windowSeconds();
    QJsonArray threads;
    for (const ThreadCpu &thread : m_probe.threads()) {
        if (thread.seconds <= 0)
            continue;
        threads.append(QJsonObject{{QStringLiteral("tid"), thread.tid},
                                   {QStringLiteral("name"), thread.name},
                                   {QStringLiteral("cpu_seconds"), round2(thread.seconds)},
                                   {QStringLiteral("cpu_percent"),
                                    round2(seconds > 0 ? thread.seconds / seconds * 100 : 0)}});
    }
    QJsonArray peers;
    for (const qint64 peer : m_probe.peers())
        peers.append(peer);
    QJsonObject result{
        {QStringLiteral("pid"), m_probe.pid()},
        // CPU (and CPU per delivery) below is summed over pid and these.
        {QStringLiteral("peer_pids"), peers},
        {QStringLiteral("window_s"), round2(seconds)},
        {QStringLiteral("cpu_seconds"), round2(m_probe.cpuSeconds())},
        // Runnable but not running: the host's other load, not the server, made it wait.
        {QStringLiteral("cpu_wait_seconds"), round2(m_probe.waitSeconds())},
        {QStringLiteral("cpu_percent"),
         round2(seconds > 0 ? m_probe.cpuSeconds() / seconds * 100 : 0)},
        {QStringLiteral("peak_rss_bytes"), m_probe.peakRss()},
        {QStringLiteral("baseline_rss_bytes"), baselineRss},
        {QStringLiteral("threads"), threads},
    };
    if (deliveries > 0)
        result.insert(QStringLiteral("cpu_us_per_delivery"),
                      round2(m_probe.cpuSeconds() * 1e6 / double(deliveries)));
    if (connections > 0 && baselineRss > 0)
        result.insert(QStringLiteral("rss_per_connection_bytes"),
                      qint64((m_probe.peakRss() - baselineRss) / connections));
    return result;
}

void Runner::drain()
{
    m_phase = QStringLiteral("drain");
    WindowCounters &window = m_engine.window();
    runUntil([&] { return window.received >= window.expected; },
             int(m_settings.drainSeconds * 1000));
}

int Runner::finish(QJsonObject result, bool ok)
{
    m_progress.stop();
    result.insert(QStringLiteral("scenario"), m_settings.scenario);
    result.insert(QStringLiteral("ok"), ok);
    const qint64 delivered =
        m_generatorDeliveries >= 0 ? m_generatorDeliveries : m_engine.window().received;
    result.insert(
        QStringLiteral("generator"),
        QJsonObject{
            {QStringLiteral("cpu_percent"), round2(m_generator.percent)},
            {QStringLiteral("parse"),
             m_settings.fullParse ? QStringLiteral("full") : QStringLiteral("scan")},
            // What one delivery costs the generator: compare with the server's figure.
            {QStringLiteral("cpu_us_per_delivery"),
             delivered > 0 ? round2(m_generator.cpuSeconds * 1e6 / double(delivered)) : 0.0},
            {QStringLiteral("saturated"), m_generator.percent >= 90},
            {QStringLiteral("cpu_wait_percent"), round2(m_generator.waitPercent)},
            {QStringLiteral("frames_seen"), m_engine.framesSeen()}});
    if (m_generator.percent >= 90)
        std::fprintf(stderr,
                     "WARNING: the generator used %.0f%% of a core in the measured window: it is "
                     "saturated and the figures describe it, not the server\n",
                     m_generator.percent);
    const double serverWait = m_probe.enabled() && m_probe.windowSeconds() > 0
                                  ? m_probe.waitSeconds() / m_probe.windowSeconds() * 100
                                  : 0;
    if (serverWait >= 10 || m_generator.waitPercent >= 10)
        std::fprintf(
            stderr,
            "WARNING: the host is oversubscribed: the server waited for a CPU %.0f%% and the "
            "generator %.0f%% of the window; latency and throughput describe the host, not "
            "the server (CPU per delivery and RSS stay valid)\n",
            serverWait, m_generator.waitPercent);
    if (!m_settings.jsonOnly)
        printSummary(result);
    std::printf("RESULT %s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
    std::fflush(stdout);
    m_engine.closeAll();
    return ok ? 0 : 1;
}

int Runner::run()
{
    if (m_settings.scenario == QLatin1StringView("fanout"))
        return fanout();
    if (m_settings.scenario == QLatin1StringView("idle"))
        return idle();
    if (m_settings.scenario == QLatin1StringView("joinstorm"))
        return joinstorm();
    if (m_settings.scenario == QLatin1StringView("bigroom"))
        return bigroom();
    if (m_settings.scenario == QLatin1StringView("handoff") ||
        m_settings.scenario == QLatin1StringView("failover"))
        return handoff();
    return ramp();
}

// R rooms x U users chatting (every user sends a TM every I s, each with a unique token) while
// the operator (tests/load/rolling_restart.sh) restarts or drains servers. Users reconnect and
// rejoin as real clients do; at the end a fresh session per room reads the final history and
// member list. Reports what was acknowledged and lost or duplicated, name, user id, creator and
// password changes, and the gap each client saw from a close to its rejoin.
int Runner::handoff()
{
    m_engine.addUsers(m_settings.rooms * m_settings.users, m_settings.users);
    m_engine.configureHandoff();
    m_engine.startSetup();
    runUntil([this] { return m_engine.setupSettled(); }, 120000);
    m_phase = QStringLiteral("settle");
    runFor(1000);

    m_phase = QStringLiteral("handoff");
    m_engine.beginWindow();
    m_probe.begin();
    m_generator.begin();
    // The marker rolling_restart.sh waits for before it restarts the first server.
    std::fprintf(stderr, "SENDING: every user joined or failed, messages flow\n");
    const qint64 start = monotonicNs();
    m_engine.startSending(m_settings.interval);
    QTimer drops;
    QObject::connect(&drops, &QTimer::timeout, [this] { m_engine.dropRandomUser(); });
    if (m_settings.dropEvery > 0)
        drops.start(qMax(1, int(m_settings.dropEvery * 1000)));
    // failover: the operator (tests/load/failover.sh) names the server to crash in the kill
    // file; the kill is sent from here so that it and every rejoin share one clock.
    QTimer killPoll;
    qint64 killedPid = 0;
    QObject::connect(&killPoll, &QTimer::timeout, [&] {
        QFile file(m_settings.killFile);
        if (!file.open(QIODevice::ReadOnly))
            return;
        const qint64 pid = file.readAll().trimmed().toLongLong();
        if (pid <= 1)
            return; // not completely written yet
        killPoll.stop();
        m_engine.markKill(monotonicNs());
        const int rc = ::kill(pid_t(pid), SIGKILL);
        killedPid = rc == 0 ? pid : 0;
        std::fprintf(stderr, "KILLED %lld%s\n", qlonglong(pid), rc == 0 ? "" : " (kill failed)");
    });
    if (!m_settings.killFile.isEmpty())
        killPoll.start(10);
    const QString stopFile = m_settings.stopFile;
    runUntil([&] { return !stopFile.isEmpty() && QFileInfo::exists(stopFile); },
             int(m_settings.duration * 1000));
    drops.stop();
    killPoll.stop();
    m_engine.stopSending();
    const double sendSeconds = double(monotonicNs() - start) / 1e9;
    // Every TM answered and every rejoin done before the final state is read.
    m_phase = QStringLiteral("acks");
    // (At least 20 s: a user may be in the middle of a reconnect when sending stops.)
    runUntil([this] { return m_engine.handoffSettled(); },
             int(qMax(m_settings.drainSeconds, 20.0) * 1000));
    m_generator.end();
    m_probe.end();
    m_phase = QStringLiteral("observe");
    m_engine.startObservers();
    runUntil([this] { return m_engine.setupSettled(); }, 30000);

    bool clean = false;
    const QJsonObject report = m_engine.handoffReport(&clean);
    bool failoverClean = true;
    QJsonObject failover;
    if (m_settings.scenario == QLatin1StringView("failover")) {
        failover = m_engine.failoverReport(&failoverClean);
        failover.insert(QStringLiteral("pid"), killedPid);
        failoverClean = failoverClean && killedPid != 0;
    }
    QJsonObject result{
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("rooms"), m_settings.rooms},
                     {QStringLiteral("users"), m_settings.users},
                     {QStringLiteral("interval_s"), m_settings.interval},
                     {QStringLiteral("duration_s"), round2(sendSeconds)},
                     {QStringLiteral("password_rooms"), m_settings.passwordRooms},
                     {QStringLiteral("v1_share"), m_settings.v1Share},
                     {QStringLiteral("drop_every_s"), m_settings.dropEvery}}},
        {QStringLiteral("connections"), connectionsJson()},
        {QStringLiteral("handoff"), report},
        {QStringLiteral("errors"), errorsJson()},
    };
    if (!failover.isEmpty())
        result.insert(QStringLiteral("failover"), failover);
    m_generatorDeliveries = m_engine.window().received;
    return finish(result, clean && failoverClean);
}

// One room of U members chatting (each sends every I s), with churn on top: C users a second
// join it and, once they have stayed S s, leave it again (the oldest first), so the room stays
// near U + C*S members. Measures what a membership change costs: member-list bytes at the
// receivers and server CPU per join, and whether the chat lost or delayed anything meanwhile.
// Only the U steady members' deliveries are expected: a churn user may leave before a message
// reaches it.
int Runner::bigroom()
{
    const qint64 baselineRss = m_probe.rssNow();
    setupUsers(m_settings.users, m_settings.users, 120000);
    m_phase = QStringLiteral("settle");
    runFor(1000);
    const qint64 steadyJoined = m_engine.joined();
    const qint64 failedBefore = m_engine.failed();

    m_phase = QStringLiteral("bigroom");
    m_engine.beginWindow();
    m_probe.begin();
    m_generator.begin();
    std::deque<int> staying; // churn users in join order
    qint64 started = 0;
    const qint64 startNs = monotonicNs();
    const qint64 stayNs = qint64(m_settings.churnStaySeconds * 1e9);
    std::deque<qint64> joinedAt; // start times of `staying`, for the leave schedule
    QTimer churn;
    churn.setTimerType(Qt::PreciseTimer);
    churn.setInterval(5);
    QObject::connect(&churn, &QTimer::timeout, [&] {
        const qint64 now = monotonicNs();
        const qint64 due = qint64(double(now - startNs) / 1e9 * m_settings.churnPerSecond) + 1;
        for (; started < due; ++started) {
            staying.push_back(m_engine.addUserToRoom(0, false));
            joinedAt.push_back(now);
        }
        m_engine.startSetup();
        // Leave in join order once a user has stayed long enough (a user still joining is
        // skipped until it has joined).
        while (!joinedAt.empty() && now - joinedAt.front() >= stayNs &&
               m_engine.isJoined(staying.front())) {
            m_engine.leaveUser(staying.front());
            staying.pop_front();
            joinedAt.pop_front();
        }
    });
    churn.start();
    m_engine.startSending(m_settings.interval);
    runFor(int(m_settings.duration * 1000));
    churn.stop();
    m_engine.stopSending();
    const double sendSeconds = double(monotonicNs() - startNs) / 1e9;
    // Joins still under way finish (their lists count), then the deliveries drain.
    runUntil([this] { return m_engine.setupSettled(); }, 30000);
    drain();
    m_generator.end();
    m_probe.end();

    const WindowCounters &window = m_engine.window();
    const qint64 joins = m_engine.joined() - steadyJoined;
    const qint64 leaves = m_engine.left();
    const qint64 memberBytes = window.memberListBytes + window.memberDeltaBytes;
    auto perJoin = [joins](double value) {
        return joins > 0 ? round2(value / double(joins)) : 0.0;
    };
    QJsonObject churnJson{
        {QStringLiteral("joins"), joins},
        {QStringLiteral("leaves"), leaves},
        {QStringLiteral("join_failures"), m_engine.failed() - failedBefore},
        {QStringLiteral("per_second"), round2(sendSeconds > 0 ? double(joins) / sendSeconds : 0)},
    };
    // Every join here comes with a leave, so "per join" is the cost of one join and one leave.
    QJsonObject members{
        {QStringLiteral("full_lists"), window.memberListFrames},
        {QStringLiteral("full_list_bytes"), window.memberListBytes},
        {QStringLiteral("deltas"), window.memberDeltaFrames},
        {QStringLiteral("delta_bytes"), window.memberDeltaBytes},
        {QStringLiteral("bytes_per_join"), perJoin(double(memberBytes))},
        // Per join or leave: fair when a loaded host let fewer leaves happen in one run.
        {QStringLiteral("bytes_per_change"),
         joins + leaves > 0 ? round2(double(memberBytes) / double(joins + leaves)) : 0.0},
    };
    QJsonObject result{
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("users"), m_settings.users},
                     {QStringLiteral("churn_per_s"), m_settings.churnPerSecond},
                     {QStringLiteral("stay_s"), m_settings.churnStaySeconds},
                     {QStringLiteral("interval_s"), m_settings.interval},
                     {QStringLiteral("duration_s"), m_settings.duration},
                     {QStringLiteral("protocol_version"), m_settings.protocolVersion}}},
        {QStringLiteral("connections"), connectionsJson()},
        {QStringLiteral("churn"), churnJson},
        {QStringLiteral("member_list"), members},
        {QStringLiteral("deliveries"), deliveriesJson(sendSeconds, true)},
        {QStringLiteral("errors"), errorsJson()},
    };
    if (m_probe.enabled()) {
        QJsonObject server = serverJson(window.received, m_engine.joined(), baselineRss);
        server.insert(QStringLiteral("cpu_ms_per_join"), perJoin(m_probe.cpuSeconds() * 1000));
        result.insert(QStringLiteral("server"), server);
    }
    const bool ok = steadyJoined == m_settings.users && m_engine.joined() == m_engine.users() &&
                    joins > 0 && window.received == window.expected && window.idGaps == 0 &&
                    m_engine.errorCodes().isEmpty() && m_engine.disconnects() == 0;
    return finish(result, ok);
}

int Runner::fanout()
{
    const qint64 baselineRss = m_probe.rssNow();
    setupUsers(m_settings.rooms * m_settings.users, m_settings.users, 120000);
    // Let the join broadcasts (R_M_CH to every member per join) finish before measuring.
    m_phase = QStringLiteral("settle");
    runFor(1000);

    m_phase = QStringLiteral("fanout");
    m_engine.beginWindow();
    m_probe.begin();
    m_generator.begin();
    const double sendSeconds = sendFor(m_engine, m_settings.interval, m_settings.duration);
    drain();
    m_generator.end();
    m_probe.end();

    const WindowCounters &window = m_engine.window();
    QJsonObject result{
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("rooms"), m_settings.rooms},
                     {QStringLiteral("users"), m_settings.users},
                     {QStringLiteral("interval_s"), m_settings.interval},
                     {QStringLiteral("duration_s"), m_settings.duration}}},
        {QStringLiteral("connections"), connectionsJson()},
        {QStringLiteral("deliveries"), deliveriesJson(sendSeconds, true)},
        {QStringLiteral("errors"), errorsJson()},
    };
    if (m_probe.enabled())
        result.insert(QStringLiteral("server"),
                      serverJson(window.received, m_engine.joined(), baselineRss));
    const bool ok = m_engine.joined() == m_engine.users() && window.received == window.expected &&
                    window.idGaps == 0 && m_engine.errorCodes().isEmpty() &&
                    m_engine.disconnects() == 0;
    return finish(result, ok);
}

int Runner::idle()
{
    const qint64 baselineRss = m_probe.rssNow();
    setupUsers(m_settings.connections, m_settings.users, 300000);
    m_phase = QStringLiteral("settle");
    runFor(2000);
    // RSS growth per connection is read once the joins have settled, before the idle window.
    const qint64 settledRss = m_probe.rssNow();

    m_phase = QStringLiteral("idle");
    m_engine.beginWindow();
    m_probe.begin();
    m_generator.begin();
    runFor(int(m_settings.duration * 1000));
    m_generator.end();
    m_probe.end();

    QJsonObject server = serverJson(0, 0, baselineRss);
    if (m_probe.enabled() && m_engine.joined() > 0) {
        server.insert(QStringLiteral("settled_rss_bytes"), settledRss);
        server.insert(QStringLiteral("rss_per_connection_bytes"),
                      (settledRss - baselineRss) / m_engine.joined());
        server.insert(QStringLiteral("idle_cpu_percent"),
                      server.value(QStringLiteral("cpu_percent")));
    }
    QJsonObject result{
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("connections"), m_settings.connections},
                     {QStringLiteral("users"), m_settings.users},
                     {QStringLiteral("duration_s"), m_settings.duration}}},
        {QStringLiteral("connections"), connectionsJson()},
        {QStringLiteral("errors"), errorsJson()},
    };
    if (m_probe.enabled())
        result.insert(QStringLiteral("server"), server);
    const bool ok = m_engine.joined() == m_engine.users() && m_engine.errorCodes().isEmpty() &&
                    m_engine.disconnects() == 0;
    return finish(result, ok);
}

int Runner::joinstorm()
{
    const qint64 baselineRss = m_probe.rssNow();
    m_probe.begin();
    m_generator.begin();
    setupUsers(m_settings.joins, m_settings.users, 300000);
    m_generator.end();
    m_probe.end();
    const double seconds = double(m_engine.lastJoinNs() - m_engine.firstStartNs()) / 1e9;
    QJsonObject result{
        {QStringLiteral("params"), QJsonObject{{QStringLiteral("joins"), m_settings.joins},
                                               {QStringLiteral("users"), m_settings.users}}},
        {QStringLiteral("connections"), connectionsJson()},
        {QStringLiteral("joins_per_s"),
         round2(seconds > 0 ? double(m_engine.joined()) / seconds : 0)},
        {QStringLiteral("errors"), errorsJson()},
    };
    if (m_probe.enabled())
        result.insert(QStringLiteral("server"), serverJson(0, m_engine.joined(), baselineRss));
    const bool ok = m_engine.joined() == m_engine.users() && m_engine.errorCodes().isEmpty();
    return finish(result, ok);
}

int Runner::ramp()
{
    setupUsers(m_settings.rooms * m_settings.users, m_settings.users, 120000);
    m_phase = QStringLiteral("settle");
    runFor(1000);
    QJsonArray steps;
    QJsonObject lastGood;
    const qint64 perRoom = m_settings.users;
    GeneratorCpu busiest;
    qint64 busiestDeliveries = 0;
    int step = 0;
    for (double rate = m_settings.rampStart; rate <= m_settings.rampMax + 1e-9;
         rate += m_settings.rampStep, ++step) {
        m_phase = QStringLiteral("ramp %1/s").arg(rate);
        const qint64 errorsBefore = [&] {
            qint64 sum = 0;
            for (qint64 n : m_engine.errorCodes())
                sum += n;
            return sum;
        }();
        const qint64 disconnectsBefore = m_engine.disconnects();
        GeneratorCpu generator;
        m_engine.beginWindow();
        m_probe.begin();
        generator.begin();
        const double sendSeconds = sendFor(m_engine, 1.0 / rate, m_settings.duration);
        drain();
        generator.end();
        m_probe.end();
        if (generator.percent >= busiest.percent) {
            busiest = generator;
            busiestDeliveries = m_engine.window().received;
        }
        WindowCounters &window = m_engine.window();
        qint64 errorsAfter = 0;
        for (qint64 n : m_engine.errorCodes())
            errorsAfter += n;
        const double p99 = window.latency.percentileMs(99);
        const bool good = window.received == window.expected && window.idGaps == 0 &&
                          p99 <= m_settings.p99BoundMs && errorsAfter == errorsBefore &&
                          m_engine.disconnects() == disconnectsBefore;
        QJsonObject entry{
            {QStringLiteral("step"), step},
            {QStringLiteral("rate_per_user"), rate},
            {QStringLiteral("target_deliveries_per_s"),
             round2(rate * double(m_engine.joined()) * double(perRoom))},
            {QStringLiteral("deliveries"), deliveriesJson(sendSeconds, true)},
            {QStringLiteral("generator_cpu_percent"), round2(generator.percent)},
            {QStringLiteral("generator_cpu_us_per_delivery"),
             window.received > 0 ? round2(generator.cpuSeconds * 1e6 / double(window.received))
                                 : 0.0},
            {QStringLiteral("good"), good},
        };
        if (m_probe.enabled())
            entry.insert(QStringLiteral("server"), serverJson(window.received, 0, 0));
        steps.append(entry);
        if (!m_settings.jsonOnly)
            std::fprintf(stderr,
                         "ramp step %d: %.2f msg/s per user → %.0f deliveries/s, p99 %.2f ms, lost "
                         "%lld: %s\n",
                         step, rate, double(window.received) / sendSeconds, p99,
                         qlonglong(qMax<qint64>(0, window.expected - window.received)),
                         good ? "good" : "BAD");
        if (!good)
            break;
        lastGood = entry;
    }
    m_generator = busiest; // the busiest step is the one that may invalidate the run
    m_generatorDeliveries = busiestDeliveries;
    QJsonObject result{
        {QStringLiteral("params"),
         QJsonObject{{QStringLiteral("rooms"), m_settings.rooms},
                     {QStringLiteral("users"), m_settings.users},
                     {QStringLiteral("step_duration_s"), m_settings.duration},
                     {QStringLiteral("p99_bound_ms"), m_settings.p99BoundMs}}},
        {QStringLiteral("connections"), connectionsJson()},
        {QStringLiteral("steps"), steps},
        {QStringLiteral("last_good"), lastGood},
        {QStringLiteral("errors"), errorsJson()},
    };
    const bool ok = m_engine.joined() == m_engine.users();
    return finish(result, ok);
}

void raiseFileLimit()
{
    // Every simulated user is a socket; 10,000 users need more than the usual soft limit.
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("instantchat-loadtest"));
    QCoreApplication::setApplicationVersion(QStringLiteral(INSTANTCHAT_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Load generator for instantchat (protocol v1 through the balancer and the room "
        "servers).\n\n"
        "Scenarios:\n"
        "  fanout     R rooms x U users; each user sends a TM every I s (random phase) for D s;\n"
        "             end-to-end latency, deliveries expected vs received, loss by id gaps.\n"
        "             Defaults: --rooms 10 --users 100 --interval 1 --duration 20.\n"
        "  idle       C connections in rooms of U users, keep-alives only; server RSS per\n"
        "             connection and idle CPU. Defaults: --connections 10000 --users 50 --duration "
        "10.\n"
        "  joinstorm  N users join (GET / -> /pick_backend -> WebSocket -> R_C_J) as fast as the\n"
        "             concurrency allows, U per room; joins/s and join latency. Defaults: --joins "
        "5000 --users 50.\n"
        "  bigroom    one room of U members, each sending every I s (default 20: 1 msg/s per 20\n"
        "             members), plus --churn-per-s joins/s and as many leaves; member-list bytes\n"
        "             and server CPU per join, loss and p99 of the steady members' deliveries;\n"
        "             compare --protocol-version 1 and 2. Defaults: --users 2000 --duration 20.\n"
        "  ramp       fan-out whose per-user send rate rises from --ramp-start by --ramp-step "
        "(msg/s)\n"
        "             up to --ramp-max, D s per step (default 5), until p99 > --p99-bound-ms or a "
        "loss.\n"
        "  handoff    R rooms x U users (some password rooms, some v1, some pv 2 sessions), each\n"
        "             sending a TM with a unique token every I s while servers restart or move\n"
        "             rooms; users reconnect as real clients do (R_J, same session and name,\n"
        "             resend what got no RP). Reports acknowledged messages lost, duplicates,\n"
        "             name/creator/password changes, ER 202 and the reconnect gap. Defaults:\n"
        "             --rooms 30 --users 10 --interval 1 --duration 60 --password-rooms 0.2\n"
        "             --v1-share 0.5 (tests/load/rolling_restart.sh runs it).\n"
        "  failover   the handoff scenario, and once --kill-file exists the server whose pid it\n"
        "             holds is killed (SIGKILL); also reports the users that lost their\n"
        "             connection and the time from the kill to each one's rejoin (p50/p99/max);\n"
        "             fails unless a server was killed and every affected user is back\n"
        "             (tests/load/failover.sh runs it).\n\n"
        "Output: a progress line per second on stderr, a human summary, and one line\n"
        "`RESULT {json}` on stdout. Exit status 0 when counts are clean (every connection joined,\n"
        "nothing lost, no ER, no disconnect), 1 otherwise, 2 on bad arguments."));
    parser.addHelpOption();
    parser.addVersionOption();
    auto option = [&](const char *name, const char *description, const char *valueName = nullptr,
                      const char *defaultValue = nullptr) {
        QCommandLineOption result(QString::fromLatin1(name), QString::fromLatin1(description));
        if (valueName) {
            result.setValueName(QString::fromLatin1(valueName));
            if (defaultValue)
                result.setDefaultValue(QString::fromLatin1(defaultValue));
        }
        parser.addOption(result);
        return result;
    };
    const auto balancerOption =
        option("balancer", "Balancer base URL (http only).", "URL", "http://127.0.0.1:8080");
    const auto originOption = option(
        "origin", "Origin header for the WebSocket handshake (default: the balancer URL's origin).",
        "ORIGIN");
    const auto scenarioOption =
        option("scenario", "fanout | idle | joinstorm | ramp | bigroom | handoff | failover.",
               "NAME", "fanout");
    const auto roomsOption =
        option("rooms", "Rooms (fanout, ramp, handoff; handoff default 30).", "R");
    const auto usersOption =
        option("users", "Users per room (all scenarios; idle/joinstorm default 50).", "U");
    const auto intervalOption =
        option("interval", "Seconds between two sends of one user (fanout).", "SECONDS", "1");
    const auto durationOption = option(
        "duration", "Seconds of sending (fanout), idling (idle) or per ramp step.", "SECONDS");
    const auto textOption = option("text-bytes", "Bytes of message text.", "N", "160");
    const auto connectionsOption = option("connections", "Connections (idle).", "C", "10000");
    const auto joinsOption = option("joins", "Users that join (joinstorm).", "N", "5000");
    const auto rampStartOption =
        option("ramp-start", "First ramp rate, messages/s per user.", "RATE", "1");
    const auto rampStepOption =
        option("ramp-step", "Ramp rate increment, messages/s per user.", "RATE", "1");
    const auto rampMaxOption =
        option("ramp-max", "Highest ramp rate, messages/s per user.", "RATE", "10");
    const auto boundOption = option(
        "p99-bound-ms", "Ramp: a step is good while delivery p99 stays within this.", "MS", "50");
    const auto pidOption = option(
        "server-pid",
        "Server process to measure via /proc (CPU, RSS, per-thread CPU); more pids after commas "
        "(other servers of the cluster) add their CPU to the server's CPU figures.",
        "PID[,PID...]");
    const auto jsonOption =
        option("json-only", "No progress lines and no human summary: only the RESULT line.");
    const auto rateOption = option(
        "connect-rate",
        "Users started per second during setup (0 = unlimited; joinstorm default 0, others 2000).",
        "N");
    const auto concurrencyOption =
        option("concurrency", "Users in setup at the same time.", "N", "256");
    const auto parseOption =
        option("parse", "How deliveries are read: scan (byte scanner) or full (shared JSON codec).",
               "MODE", "scan");
    const auto drainOption =
        option("drain-seconds", "How long to wait for outstanding deliveries after sending stops.",
               "SECONDS", "5");
    const auto timeoutOption =
        option("setup-timeout", "Seconds one user may take to join before it counts as failed.",
               "SECONDS", "30");
    const auto churnOption =
        option("churn-per-s", "bigroom: users joining per second (as many leave).", "N", "50");
    const auto stayOption =
        option("churn-stay", "bigroom: seconds a churn user stays before leaving.", "SECONDS", "2");
    const auto passwordRoomsOption =
        option("password-rooms", "handoff: share of rooms created with a password (0..1).", "SHARE",
               "0.2");
    const auto v1ShareOption =
        option("v1-share", "handoff: share of sessions without `pv` (0..1); the others send pv 2.",
               "SHARE", "0.5");
    const auto stopFileOption =
        option("stop-file",
               "handoff: stop sending early once this file exists (checked every 10 ms).", "PATH");
    const auto dropOption =
        option("drop-every",
               "handoff: drop a random idle user's connection every SECONDS (as a network failure "
               "would), so users rejoin without any server restart; 0 = never.",
               "SECONDS", "0");
    const auto killFileOption =
        option("kill-file",
               "failover (required): once this file holds a pid, send that process SIGKILL "
               "(checked every 10 ms).",
               "PATH");
    const auto versionOption =
        option("protocol-version", "`pv` of every user's init frame: 1 (v1) or 2 (extensions).",
               "PV", "1");
    parser.process(app);

    auto fail = [](const QString &message) {
        std::fprintf(stderr, "instantchat-loadtest: %s\n", qPrintable(message));
        return 2;
    };
    Settings settings;
    settings.scenario = parser.value(scenarioOption);
    const QStringList scenarios{QStringLiteral("fanout"),    QStringLiteral("idle"),
                                QStringLiteral("joinstorm"), QStringLiteral("ramp"),
                                QStringLiteral("bigroom"),   QStringLiteral("handoff"),
                                QStringLiteral("failover")};
    if (!scenarios.contains(settings.scenario))
        return fail(QStringLiteral("unknown scenario %1").arg(settings.scenario));
    const bool manyUsers = settings.scenario == QLatin1StringView("idle") ||
                           settings.scenario == QLatin1StringView("joinstorm");
    const bool bigroom = settings.scenario == QLatin1StringView("bigroom");
    // failover is the handoff scenario with a server killed during it.
    const bool handoff = settings.scenario == QLatin1StringView("handoff") ||
                         settings.scenario == QLatin1StringView("failover");
    settings.rooms = parser.isSet(roomsOption) ? parser.value(roomsOption).toInt()
                     : handoff                 ? 30
                                               : 10;
    settings.users = parser.isSet(usersOption) ? parser.value(usersOption).toInt()
                     : bigroom                 ? 2000
                     : handoff                 ? 10
                                               : (manyUsers ? 50 : 100);
    settings.passwordRooms = parser.value(passwordRoomsOption).toDouble();
    settings.v1Share = parser.value(v1ShareOption).toDouble();
    settings.stopFile = parser.value(stopFileOption);
    settings.dropEvery = parser.value(dropOption).toDouble();
    settings.killFile = parser.value(killFileOption);
    if (settings.scenario == QLatin1StringView("failover") && settings.killFile.isEmpty())
        return fail(QStringLiteral("the failover scenario needs --kill-file"));
    if (settings.passwordRooms < 0 || settings.passwordRooms > 1 || settings.v1Share < 0 ||
        settings.v1Share > 1)
        return fail(QStringLiteral("--password-rooms and --v1-share must be between 0 and 1"));
    settings.interval =
        parser.isSet(intervalOption) || !bigroom ? parser.value(intervalOption).toDouble() : 20;
    settings.churnPerSecond = parser.value(churnOption).toDouble();
    settings.churnStaySeconds = parser.value(stayOption).toDouble();
    settings.protocolVersion = parser.value(versionOption).toInt();
    if (settings.protocolVersion != 1 && settings.protocolVersion != 2)
        return fail(QStringLiteral("--protocol-version must be 1 or 2"));
    if (settings.churnPerSecond <= 0 || settings.churnStaySeconds < 0)
        return fail(QStringLiteral("--churn-per-s must be positive, --churn-stay not negative"));
    settings.duration = parser.isSet(durationOption) ? parser.value(durationOption).toDouble()
                        : settings.scenario == QLatin1StringView("fanout") ||
                                settings.scenario == QLatin1StringView("bigroom")
                            ? 20
                        : settings.scenario == QLatin1StringView("ramp") ? 5
                        : handoff                                        ? 60
                                                                         : 10;
    settings.connections = parser.value(connectionsOption).toInt();
    settings.joins = parser.value(joinsOption).toInt();
    settings.rampStart = parser.value(rampStartOption).toDouble();
    settings.rampStep = parser.value(rampStepOption).toDouble();
    settings.rampMax = parser.value(rampMaxOption).toDouble();
    settings.p99BoundMs = parser.value(boundOption).toDouble();
    settings.drainSeconds = parser.value(drainOption).toDouble();
    const QStringList pids = parser.value(pidOption).split(QLatin1Char(','), Qt::SkipEmptyParts);
    for (qsizetype i = 0; i < pids.size(); ++i) {
        bool ok = false;
        const qint64 pid = pids.at(i).trimmed().toLongLong(&ok);
        if (!ok || pid <= 0)
            return fail(QStringLiteral("--server-pid takes process ids separated by commas"));
        if (i == 0)
            settings.serverPid = pid;
        else
            settings.peerPids.append(pid);
    }
    settings.jsonOnly = parser.isSet(jsonOption);
    // The handoff scenario reads every frame with the shared codec (its users need the member
    // list, creator and history; at one message a second per user speed does not matter).
    settings.fullParse = parser.value(parseOption) == QLatin1StringView("full") || handoff;
    if (settings.rooms < 1 || settings.users < 1 || settings.interval <= 0 ||
        settings.duration <= 0 || settings.connections < 1 || settings.joins < 1 ||
        settings.rampStart <= 0 || settings.rampStep <= 0)
        return fail(QStringLiteral("counts, rates and durations must be positive"));

    EngineOptions options;
    options.balancer = QUrl(parser.value(balancerOption));
    options.origin = parser.isSet(originOption)
                         ? parser.value(originOption).toUtf8()
                         : options.balancer
                               .adjusted(QUrl::RemovePath | QUrl::RemoveQuery |
                                         QUrl::RemoveFragment | QUrl::RemoveUserInfo)
                               .toString()
                               .toUtf8();
    options.textBytes = qBound(20, parser.value(textOption).toInt(), 10000);
    options.concurrency = qMax(1, parser.value(concurrencyOption).toInt());
    options.connectRate = parser.isSet(rateOption) ? parser.value(rateOption).toDouble()
                          : settings.scenario == QLatin1StringView("joinstorm") ? 0
                                                                                : 2000;
    options.fullParse = settings.fullParse;
    options.protocolVersion = settings.protocolVersion;
    options.handoff = handoff;
    options.passwordRoomShare = settings.passwordRooms;
    options.v1Share = settings.v1Share;
    options.setupTimeoutMs = int(parser.value(timeoutOption).toDouble() * 1000);
    // A fresh room prefix per run: rooms outlive the run in the server's RAM for hours, and a
    // reused room would hand every joiner its old messages.
    options.roomPrefix = QStringLiteral("lt%1").arg(
        QRandomGenerator::system()->generate() & 0xFFFFFF, 6, 16, QLatin1Char('0'));

    raiseFileLimit();
    Engine engine(options);
    QString error;
    if (!engine.resolveBalancer(&error))
        return fail(error);
    ServerProbe probe(settings.serverPid);
    for (const qint64 pid : std::as_const(settings.peerPids)) {
        if (ic::sys::processCpuSeconds(pid) < 0)
            return fail(QStringLiteral("cannot read /proc/%1").arg(pid));
        probe.addPeer(pid);
    }
    if (probe.enabled() && probe.rssNow() <= 0)
        return fail(QStringLiteral("cannot read /proc/%1").arg(settings.serverPid));
    Runner runner(engine, settings, probe);
    return runner.run();
}
