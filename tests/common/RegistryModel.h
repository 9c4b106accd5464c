#pragma once
// Model-based check of the balancer's ServerRegistry, shared by the seeded unit test
// (tests/unit/balancer/tst_registrymodel.cpp) and the fuzz target (tests/fuzz/fuzz_registry.cpp).
//
// A driver applies steps - heartbeats (from two source addresses, some with negative loads),
// deregistrations, answers to the registry's probes and room-list reads (ok or failed), time
// passing, placements, drains - to the real registry (fake servers, a fake clock) and to a small
// model written from the documented rules, and after every step compares: which servers exist
// and are live, where every room is placed, how many rooms each server has, the status of each
// heartbeat and deregistration, what each placement chose (the live, synced, undrained server
// under the load ceiling with the lowest load, ties to the lowest id; never a dead or drained
// one), and how many rooms were counted lost (roomsLost: rooms whose server went out after its
// room list had named them; a placement whose user never came - never created on the server -
// is dropped uncounted, and leaves the map at a room-list read once older than
// RoomMap::unconfirmedPlacementMs). Each step is four bytes, so a seeded generator and libFuzzer
// drive the same code.

#include "registry/ServerRegistry.h"
#include "registry/UpstreamClient.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMap>
#include <QSet>
#include <QStringList>
#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>

namespace ic::testing::registrymodel {

using namespace ic::balancer;

// Stands in for every room server: the registry's requests wait here until a step answers them.
class FakeUpstream : public UpstreamClient
{
public:
    struct Call
    {
        QString address;
        QString path;
        Callback callback;
    };

    FakeUpstream() : UpstreamClient(QString()) {}
    void get(const QString &address, const QString &pathAndQuery, int, const QObject *,
             Callback callback, const QList<QPair<QByteArray, QByteArray>> &) override
    {
        pending.append(Call{address, pathAndQuery, std::move(callback)});
    }
    void postJson(const QString &address, const QString &path, const QByteArray &, int,
                  const QObject *, Callback callback) override
    {
        pending.append(Call{address, path, std::move(callback)});
    }

    QList<Call> pending;
};

struct Figures
{
    qint64 steps = 0;
    std::array<qint64, 9> ops{};
    qint64 placedNew = 0, placedExisting = 0, placementFailed = 0, placementSkipped = 0;
    qint64 refused409 = 0, refused403 = 0, refused404 = 0, probesFailed = 0, expiries = 0;
    qint64 roomsLost = 0, unusedDropped = 0, unusedExpired = 0;
};

class Driver
{
public:
    static constexpr int heartbeatIntervalSeconds = 2;
    static constexpr qint64 heartbeatLimitMs = heartbeatIntervalSeconds * 3000;
    static constexpr qint64 forgetDeadAfterMs = 20000;
    static constexpr qint64 warmUpMs = 1000;
    static constexpr double loadCeiling = 0.9;
    static constexpr int roomNames = 24;

    Driver()
    {
        QLoggingCategory::setFilterRules(
            QStringLiteral("balancer.info=false\nbalancer.warning=false\nbalancer.debug=false"));
        m_upstream = std::make_unique<FakeUpstream>();
        RegistryOptions options;
        options.staticServers = {staticAddress()};
        options.heartbeatIntervalSeconds = heartbeatIntervalSeconds;
        options.probeIntervalMs = 2000;
        options.loadCeiling = loadCeiling;
        options.warmUpMs = int(warmUpMs);
        options.forgetDeadAfterMs = int(forgetDeadAfterMs);
        options.clock = [this] { return m_now; };
        options.manualTicks = true;
        m_registry = std::make_unique<ServerRegistry>(options, m_upstream.get());
        QObject::connect(m_registry.get(), &ServerRegistry::roomsLost,
                         [this](int count) { m_countedLost += count; });
        Server s;
        s.id = staticId();
        s.address = staticAddress();
        s.isStatic = true;
        m_servers.insert(s.id, s);
        m_registry->start();
    }

    ~Driver()
    {
        // The registry goes first; unanswered calls are dropped without running.
        m_registry.reset();
        m_upstream->pending.clear();
    }

    // One step from four bytes; an empty string when registry and model agree, else what
    // differed (with the step).
    QString step(quint8 op, quint8 a, quint8 b, quint8 c)
    {
        ++m_figures.steps;
        const int kind = op % 9;
        ++m_figures.ops[size_t(kind)];
        QString error;
        switch (kind) {
        case 0:
        case 1:
            error = heartbeat(a, b, c);
            break;
        case 2:
            error = deregister(a, b);
            break;
        case 3:
            answer(QStringLiteral("/hw"), a, b);
            break;
        case 4:
            answer(QStringLiteral("/internal/rooms"), a, b);
            break;
        case 5:
            advance(qint64(a) * 40 + (c & 1) * 3000);
            break;
        case 6:
        case 7:
            error = place(a, b % 4 != 0);
            break;
        case 8:
            if (b & 2)
                m_registry->reportUnreachable(idOf(a));
            else
                drain(a, b & 1);
            break;
        }
        if (error.isEmpty())
            error = compare();
        if (!error.isEmpty())
            error = QStringLiteral("step %1 (op %2, %3, %4, %5) at %6 ms: %7")
                        .arg(m_figures.steps)
                        .arg(op)
                        .arg(a)
                        .arg(b)
                        .arg(c)
                        .arg(m_now)
                        .arg(error);
        return error;
    }

    const Figures &figures() const { return m_figures; }

private:
    struct Server
    {
        QString id;
        QString address;
        bool isStatic = false;
        bool registered = false;
        QString source;
        bool alive = false;
        bool drained = false;
        bool synced = false;
        int failedProbes = 0;
        qint64 lastHeartbeatMs = 0;
        qint64 diedAtMs = 0;
        int connections = 0;
        int maxConnections = 0;
        int reportedRooms = 0;
        QSet<QString> held; // rooms the fake server holds (placed on it)
    };

    static QString staticAddress() { return QStringLiteral("10.9.9.9:8081"); }
    static QString staticId() { return QStringLiteral("10.9.9.9-8081"); }
    static QString poolId(quint8 a) { return QStringLiteral("srv-%1").arg(a % 4); }
    static QString poolAddress(const QString &id)
    {
        return QStringLiteral("10.0.0.%1:8081").arg(id.mid(4).toInt() + 1);
    }
    static QString source(quint8 b)
    {
        return (b & 1) ? QStringLiteral("127.0.0.2") : QStringLiteral("127.0.0.1");
    }
    // Any known id, the static one included.
    static QString idOf(quint8 a) { return a % 5 == 4 ? staticId() : poolId(a); }
    static QString room(quint8 a) { return QStringLiteral("room-%1").arg(a % roomNames); }

    QString idOfAddress(const QString &address) const
    {
        for (const Server &s : m_servers) {
            if (s.address == address)
                return s.id;
        }
        return {};
    }

    void markDead(Server &s)
    {
        s.alive = false;
        s.synced = false;
        s.diedAtMs = m_now;
        for (auto it = m_rooms.begin(); it != m_rooms.end();) {
            if (it.value() == s.id) {
                if (m_confirmed.remove(it.key())) {
                    ++m_expectedLost;
                    ++m_figures.roomsLost;
                } else {
                    ++m_figures.unusedDropped;
                }
                it = m_rooms.erase(it);
            } else {
                ++it;
            }
        }
    }

    void markAlive(Server &s)
    {
        s.alive = true;
        s.synced = false;
    }

    QString heartbeat(quint8 a, quint8 b, quint8 c)
    {
        const QString id = poolId(a);
        const QString from = source(b);
        const int connections = int(c % 120) - 10; // sometimes negative: clamped to 0
        Server *known = m_servers.contains(id) ? &m_servers[id] : nullptr;
        const int held = known ? int(known->held.size()) : 0;
        const QJsonObject body{
            {QStringLiteral("id"), id},
            {QStringLiteral("address"), poolAddress(id)},
            {QStringLiteral("load"), QJsonObject{{QStringLiteral("connections"), connections},
                                                 {QStringLiteral("maxConnections"), 100},
                                                 {QStringLiteral("rooms"), held},
                                                 {QStringLiteral("cpu"), 0}}}};
        const auto refusal = m_registry->heartbeat(body, from);
        const int expected = known && known->registered && known->source != from ? 409 : 200;
        const int got = refusal ? refusal->status : 200;
        if (got != expected)
            return QStringLiteral("heartbeat of %1 from %2: status %3, model %4")
                .arg(id, from)
                .arg(got)
                .arg(expected);
        if (expected == 409) {
            ++m_figures.refused409;
            return {};
        }
        if (!known) {
            Server s;
            s.id = id;
            s.address = poolAddress(id);
            known = &*m_servers.insert(id, s);
        }
        known->registered = true;
        known->source = from;
        known->lastHeartbeatMs = m_now;
        known->connections = std::max(connections, 0);
        known->maxConnections = 100;
        known->reportedRooms = held;
        if (!known->alive) {
            known->failedProbes = 0;
            markAlive(*known);
        }
        return {};
    }

    QString deregister(quint8 a, quint8 b)
    {
        const QString id = idOf(a);
        const QString from = source(b);
        const auto refusal = m_registry->deregister(id, from);
        int expected = 200;
        const auto it = m_servers.find(id);
        if (it == m_servers.end())
            expected = 404;
        else if (!it->registered || it->source != from)
            expected = 403;
        const int got = refusal ? refusal->status : 200;
        if (got != expected)
            return QStringLiteral("deregister of %1 from %2: status %3, model %4")
                .arg(id, from)
                .arg(got)
                .arg(expected);
        if (expected == 403)
            ++m_figures.refused403;
        if (expected == 404)
            ++m_figures.refused404;
        if (expected != 200)
            return {};
        if (it->alive)
            markDead(*it);
        it->registered = false;
        it->source.clear();
        if (!it->isStatic)
            m_servers.erase(it);
        return {};
    }

    // Answers one pending request of the given kind (ok unless b says otherwise).
    void answer(const QString &path, quint8 a, quint8 b)
    {
        QList<qsizetype> matching;
        for (qsizetype i = 0; i < m_upstream->pending.size(); ++i) {
            if (m_upstream->pending.at(i).path == path)
                matching.append(i);
        }
        if (matching.isEmpty())
            return;
        const FakeUpstream::Call call =
            m_upstream->pending.takeAt(matching.at(a % matching.size()));
        const bool ok = b % 4 != 0;
        const QString id = idOfAddress(call.address);
        Server *s = m_servers.contains(id) ? &m_servers[id] : nullptr;
        UpstreamResult result;
        if (ok) {
            result.status = 200;
            if (path == u"/hw") {
                result.body = R"({"cpu":1.5,"ram":20.0,"uo":3,"rf":false})";
            } else {
                QJsonArray rooms;
                if (s) {
                    for (const QString &name : std::as_const(s->held))
                        rooms.append(QJsonObject{{QStringLiteral("name"), name}});
                }
                result.body = QJsonDocument(QJsonObject{{QStringLiteral("rooms"), rooms}})
                                  .toJson(QJsonDocument::Compact);
            }
        }
        // The model's side first, from the state before the registry sees the answer.
        if (s && path == u"/hw") {
            if (ok) {
                s->failedProbes = 0;
                if (!s->alive && (s->isStatic || s->registered))
                    markAlive(*s);
            } else {
                ++m_figures.probesFailed;
                ++s->failedProbes;
                if (s->alive && s->failedProbes >= 3)
                    markDead(*s);
            }
        } else if (s && ok && s->alive) {
            for (const QString &name : std::as_const(s->held)) {
                if (!m_rooms.contains(name)) {
                    m_rooms.insert(name, s->id);
                    m_placedAt.insert(name, m_now);
                }
                if (m_rooms.value(name) == s->id)
                    m_confirmed.insert(name);
            }
            // Placements it does not hold, once old enough: their user never came.
            for (auto it = m_rooms.begin(); it != m_rooms.end();) {
                if (it.value() == s->id && !s->held.contains(it.key()) &&
                    m_now - m_placedAt.value(it.key()) > RoomMap::unconfirmedPlacementMs) {
                    ++m_figures.unusedExpired;
                    m_confirmed.remove(it.key());
                    it = m_rooms.erase(it);
                } else {
                    ++it;
                }
            }
            s->synced = true;
        }
        call.callback(result);
    }

    void advance(qint64 ms)
    {
        m_now += ms;
        for (Server &s : m_servers) {
            if (s.registered && m_now - s.lastHeartbeatMs > heartbeatLimitMs) {
                ++m_figures.expiries;
                s.registered = false;
                s.source.clear();
                if (s.alive && !s.isStatic)
                    markDead(s);
            }
        }
        for (auto it = m_servers.begin(); it != m_servers.end();) {
            if (!it->alive && !it->isStatic && !it->registered &&
                m_now - it->diedAtMs > forgetDeadAfterMs)
                it = m_servers.erase(it);
            else
                ++it;
        }
        m_registry->tick();
    }

    bool eligible(const Server &s) const
    {
        if (!s.alive || s.drained || !s.synced)
            return false;
        const double share = s.maxConnections > 0 ? double(s.connections) / s.maxConnections : 0;
        return share <= loadCeiling;
    }

    int placedOn(const QString &id) const
    {
        return int(std::count(m_rooms.cbegin(), m_rooms.cend(), id));
    }

    double load(const Server &s) const
    {
        const double share = s.maxConnections > 0 ? double(s.connections) / s.maxConnections : 0;
        return share + std::max(s.reportedRooms, placedOn(s.id)) / 1000.0;
    }

    // `created`: the user opens the socket and the server creates the room; else the placement
    // is never used.
    QString place(quint8 a, bool created)
    {
        const QString name = room(a);
        if (!m_registry->readyForNewRooms()) {
            ++m_figures.placementSkipped; // would wait for the warm-up or a room list
            return {};
        }
        std::optional<Placement> got;
        m_registry->place(name, [&got](const Placement &p) { got = p; });
        if (!got)
            return QStringLiteral("place(%1) did not answer although ready").arg(name);
        // The model's choice.
        if (m_rooms.contains(name)) {
            if (got->kind != Placement::Kind::Existing || got->server.id != m_rooms.value(name))
                return QStringLiteral("place(%1): %2, model: existing on %3")
                    .arg(name, got->server.id, m_rooms.value(name));
            ++m_figures.placedExisting;
            // A placement nobody used yet gets its room when this user comes.
            if (created)
                m_servers[m_rooms.value(name)].held.insert(name);
            return {};
        }
        const Server *best = nullptr;
        for (const Server &s : m_servers) {
            if (!eligible(s))
                continue;
            if (!best || load(s) < load(*best) - 1e-12 ||
                (std::abs(load(s) - load(*best)) <= 1e-12 && s.id < best->id))
                best = &s;
        }
        if (!best) {
            if (got->kind != Placement::Kind::Failed)
                return QStringLiteral("place(%1) chose %2, model: no eligible server")
                    .arg(name, got->server.id);
            ++m_figures.placementFailed;
            return {};
        }
        if (got->kind != Placement::Kind::New || got->server.id != best->id)
            return QStringLiteral("place(%1) chose %2 (kind %3), model: %4")
                .arg(name, got->server.id)
                .arg(int(got->kind))
                .arg(best->id);
        const Server chosen = m_servers.value(got->server.id);
        if (!chosen.alive || chosen.drained)
            return QStringLiteral("place(%1) chose a dead or drained server").arg(name);
        m_rooms.insert(name, best->id);
        m_placedAt.insert(name, m_now);
        m_confirmed.remove(name);
        if (created)
            m_servers[best->id].held.insert(name);
        ++m_figures.placedNew;
        return {};
    }

    void drain(quint8 a, bool on)
    {
        const QString id = idOf(a);
        const bool known = m_registry->setDrained(id, on);
        if (known && m_servers.contains(id))
            m_servers[id].drained = on;
    }

    QString compare() const
    {
        if (m_countedLost != m_expectedLost)
            return QStringLiteral("%1 rooms counted lost, the model %2")
                .arg(m_countedLost)
                .arg(m_expectedLost);
        QSet<QString> ids;
        for (const ServerInfo &info : m_registry->servers())
            ids.insert(info.id);
        for (const Server &s : m_servers)
            ids.insert(s.id);
        for (const QString &id : std::as_const(ids)) {
            const bool inModel = m_servers.contains(id);
            const auto info = m_registry->server(id);
            if (info.has_value() != inModel)
                return QStringLiteral("server %1 %2 in the registry, %3 in the model")
                    .arg(id, info ? QStringLiteral("is") : QStringLiteral("is not"),
                         inModel ? QStringLiteral("is") : QStringLiteral("is not"));
            const Server &s = m_servers[id];
            if (info->alive != s.alive)
                return QStringLiteral("server %1 live %2 in the registry, %3 in the model")
                    .arg(id)
                    .arg(info->alive)
                    .arg(s.alive);
            if (info->registered != s.registered || info->registeredFrom != s.source)
                return QStringLiteral("server %1 registration differs").arg(id);
            if (m_registry->roomCount(id) != placedOn(id))
                return QStringLiteral("server %1 holds %2 rooms in the registry, %3 in the model")
                    .arg(id)
                    .arg(m_registry->roomCount(id))
                    .arg(placedOn(id));
            if (info->load.connections < 0 || info->load.cpu < 0)
                return QStringLiteral("server %1 has a negative load").arg(id);
        }
        for (int i = 0; i < roomNames; ++i) {
            const QString name = room(quint8(i));
            const QString expected = m_rooms.value(name);
            if (m_registry->serverOfRoom(name) != expected)
                return QStringLiteral("room %1 is on '%2' in the registry, '%3' in the model")
                    .arg(name, m_registry->serverOfRoom(name), expected);
            if (!expected.isEmpty() && !m_servers.value(expected).alive)
                return QStringLiteral("the model placed %1 on a dead server").arg(name);
        }
        return {};
    }

    qint64 m_now = 0;
    std::unique_ptr<FakeUpstream> m_upstream;
    std::unique_ptr<ServerRegistry> m_registry;
    QMap<QString, Server> m_servers;   // by id
    QMap<QString, QString> m_rooms;    // room -> server id, live placements only
    QHash<QString, qint64> m_placedAt; // room -> when placed (or first listed)
    QSet<QString> m_confirmed;         // rooms of m_rooms their holder's list named
    qint64 m_countedLost = 0;          // roomsLost signals of the registry
    qint64 m_expectedLost = 0;
    Figures m_figures;
};

} // namespace ic::testing::registrymodel
