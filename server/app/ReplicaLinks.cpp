#include "app/ReplicaLinks.h"

#include "app/ClusterRequest.h"
#include "core/ServerContext.h"
#include "protocol/JsonWriter.h"
#include "rooms/RoomHost.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QTimer>
#include <QUrl>

#include <algorithm>
#include <chrono>

Q_LOGGING_CATEGORY(lcReplica, "replica")

namespace ic::server {
namespace {

qint64 monotonicNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Room names per drop request: keeps one request's body small.
constexpr qsizetype dropsPerRequest = 500;
// How often the servers holding copies of idle rooms are checked (see the header).
constexpr int copyCheckMs = 2000;
// Connections from this process to one server keeping copies, shared out over the workers: one
// batch per room is in flight, and batches of more rooms than a worker's share wait their turn
// (a few hundred microseconds each). The peer counts them against --max-connections-per-address
// (64 by default), so they stay well under it.
constexpr int connectionsPerPeerProcess = 16;

} // namespace

ReplicaLinks::ReplicaLinks(ServerContext &context, RoomHost &rooms, QObject *parent)
    : QObject(parent), m_context(context), m_rooms(rooms), m_network(this)
{
    useForCluster(m_network);
    m_copyCheck.setInterval(copyCheckMs);
    connect(&m_copyCheck, &QTimer::timeout, this, &ReplicaLinks::checkCopies);
    m_copyCheck.start();
}

void ReplicaLinks::checkCopies()
{
    QSet<QString> urls;
    for (const Link &link : std::as_const(m_links)) {
        if (link.acked && !busy(link) && !link.target.url.isEmpty())
            urls.insert(link.target.url);
    }
    for (const QString &url : std::as_const(urls)) {
        if (m_checking.contains(url))
            continue;
        m_checking.insert(url);
        QNetworkReply *reply = m_network.get(
            clusterRequest(m_context.settings(), url + QStringLiteral("/internal/replica/instance"),
                           {}, m_context.settings().replicaTimeoutMs));
        connect(reply, &QNetworkReply::finished, this,
                [this, url, reply]() { copyServerAnswered(url, reply); });
    }
}

void ReplicaLinks::copyServerAnswered(const QString &url, QNetworkReply *reply)
{
    reply->deleteLater();
    m_checking.remove(url);
    const bool answered = replyStatus(reply) == 200;
    const QString instance = answered ? QString::fromUtf8(reply->readAll()).trimmed() : QString();
    QStringList lost;
    QStringList restarted;
    for (auto it = m_links.cbegin(); it != m_links.cend(); ++it) {
        // A room with a batch in flight learns the same from that batch's answer.
        if (it->target.url != url || busy(*it) || !it->acked)
            continue;
        if (!answered)
            lost.append(it.key());
        else if (!it->instance.isEmpty() && it->instance != instance)
            restarted.append(it.key());
    }
    const QString why =
        QStringLiteral("the server keeping the copy does not answer (%1)").arg(replyProblem(reply));
    for (const QString &room : std::as_const(lost))
        finish(room, Answer::Lost, 0, why);
    for (const QString &room : std::as_const(restarted))
        finish(room, Answer::Resync, 0, {});
}

ReplicaLinks::~ReplicaLinks()
{
    // Replies finishing while the manager goes must not call back into a half-destroyed object.
    for (Link &link : m_links) {
        if (link.asking)
            QObject::disconnect(link.asking, nullptr, this, nullptr);
        setAcked(link, false);
    }
    // The peers go with this object (children) and call nobody back.
}

int ReplicaLinks::remainingMs(const Link &link) const
{
    const qint64 elapsedMs = (monotonicNs() - link.shippedNs) / 1'000'000;
    return int(std::max<qint64>(1, m_context.settings().replicaTimeoutMs - elapsedMs));
}

void ReplicaLinks::ship(const QString &room, QByteArray batch, quint64 lastSeq)
{
    Link &link = m_links[room];
    if (busy(link)) {
        // Only after drop() of a room of the same name (a new room now): the old batch's answer
        // does not matter any more, and this batch starts with Init anyway.
        if (QNetworkReply *old = std::exchange(link.asking, nullptr))
            old->abort();
        link.applying = 0;
        link.dropAfter = false;
    }
    link.shippedNs = monotonicNs();
    if (link.target.url.isEmpty())
        askTarget(room, std::move(batch), lastSeq);
    else
        apply(room, std::move(batch), lastSeq);
}

void ReplicaLinks::askTarget(const QString &room, QByteArray batch, quint64 lastSeq)
{
    const ServerSettings &settings = m_context.settings();
    proto::JsonWriter writer(96);
    writer.beginObject();
    writer.member("id", settings.serverId);
    writer.member("room", room);
    writer.endObject();
    Link &link = m_links[room];
    QNetworkReply *reply = m_network.post(
        clusterRequest(settings, settings.balancer + QStringLiteral("/internal/replica/target"),
                       QByteArrayLiteral("application/json"), remainingMs(link)),
        writer.take());
    link.asking = reply;
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, room, batch = std::move(batch), lastSeq]() mutable {
            reply->deleteLater();
            const auto it = m_links.find(room);
            if (it == m_links.end() || it->asking != reply)
                return;
            it->asking = nullptr;
            if (it->dropAfter) {
                m_links.erase(it); // no copy was made: nothing to drop
                return;
            }
            const int status = replyStatus(reply);
            const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
            const Target target{answer.value(QLatin1StringView("id")).toString(),
                                answer.value(QLatin1StringView("url")).toString()};
            const QUrl url(target.url);
            if (status == 200 && !target.id.isEmpty() && url.isValid() &&
                (url.scheme() == u"http" || url.scheme() == u"https")) {
                it->target = target;
                apply(room, std::move(batch), lastSeq);
                return;
            }
            // 409 (the room is mapped to another live server) is no reason to step down: a room
            // just imported by a handoff asks before the source has reported the move.
            finish(
                room, Answer::Lost, 0,
                status == 503   ? QStringLiteral("no other live server can keep a copy")
                : status == 409 ? QStringLiteral("the balancer maps the room elsewhere")
                : status == 200
                    ? QStringLiteral("the balancer's target answer is malformed")
                    : QStringLiteral("the balancer named no target (%1)").arg(replyProblem(reply)));
        });
}

void ReplicaLinks::apply(const QString &room, QByteArray batch, quint64 lastSeq)
{
    Link &link = m_links[room];
    const quint64 id = ++m_lastApplyId;
    link.applying = id;
    peer(link.target.url)
        .post(QByteArrayLiteral("/internal/replica/apply"),
              QByteArrayLiteral("application/octet-stream"), std::move(batch), remainingMs(link),
              [this, room, id, lastSeq](const PeerClient::Answer &answer) {
                  applied(room, id, answer, lastSeq);
              });
}

PeerClient &ReplicaLinks::peer(const QString &url)
{
    PeerClient *&client = m_peers[url];
    if (!client)
        client = new PeerClient(
            QUrl(url), m_context.settings().clusterToken.toUtf8(),
            std::max(2, connectionsPerPeerProcess / m_context.settings().workers), this);
    return *client;
}

void ReplicaLinks::applied(const QString &room, quint64 id, const PeerClient::Answer &answer,
                           quint64 lastSeq)
{
    const auto it = m_links.find(room);
    if (it == m_links.end() || it->applying != id)
        return;
    it->applying = 0;
    if (it->dropAfter) {
        queueDrop(it->target, room);
        setAcked(*it, false);
        m_links.erase(it);
        return;
    }
    const int status = answer.status;
    const QString target = it->target.id;
    if (status == 200) {
        const QJsonObject object = QJsonDocument::fromJson(answer.body).object();
        const qint64 seq = object.value(QLatin1StringView("acked")).toInteger(-1);
        if (seq >= 0 && quint64(seq) <= lastSeq) {
            it->instance = object.value(QLatin1StringView("instance")).toString();
            finish(room, Answer::Acked, quint64(seq), {});
            return;
        }
        finish(
            room, Answer::Lost, 0,
            QStringLiteral("server %1 acknowledged a batch with a malformed answer").arg(target));
        return;
    }
    if (status == 409) {
        finish(room, Answer::Resync, 0, {});
        return;
    }
    if (status == 410) {
        finish(room, Answer::Fenced, 0,
               QStringLiteral("server %1 holds the room as a live room now").arg(target));
        return;
    }
    const QString problem =
        status == 0 ? answer.problem
                    : QStringLiteral("%1 %2").arg(status).arg(
                          QString::fromUtf8(answer.body.left(300)).section(u'\n', 0, 0).trimmed());
    finish(room, Answer::Lost, 0,
           QStringLiteral("server %1 did not take the batch (%2)").arg(target, problem));
}

void ReplicaLinks::finish(const QString &room, Answer answer, quint64 ackedSeq, const QString &why)
{
    const auto it = m_links.find(room);
    if (it == m_links.end())
        return;
    ServerMetrics &metrics = m_context.metrics();
    // All bookkeeping first: a callback may ship the room's next batch at once.
    switch (answer) {
    case Answer::Acked:
        metrics.replicaLag.Observe(double(monotonicNs() - it->shippedNs) / 1e9);
        setAcked(*it, true);
        m_lastWarning.clear();
        m_rooms.replicaAcked(room, ackedSeq);
        return;
    case Answer::Resync:
        metrics.replicaResyncs.Increment();
        setAcked(*it, false);
        m_rooms.replicaResync(room);
        return;
    case Answer::Fenced:
        // The copy's server serves the room now; ours must go (its members reconnect there).
        qCWarning(lcReplica).noquote() << "room stepped down:" << why;
        setAcked(*it, false);
        m_links.erase(it);
        m_rooms.replicaFenced(room);
        return;
    case Answer::Lost:
        metrics.replicaFailures.Increment();
        if (why != m_lastWarning)
            qCWarning(lcReplica).noquote() << "a room goes on without a copy:" << why;
        m_lastWarning = why;
        // The copy may be stale now: it goes (best effort), and the next Init asks the
        // balancer for a target again (the old one may have died).
        if (!it->target.url.isEmpty())
            queueDrop(it->target, room);
        setAcked(*it, false);
        m_links.erase(it);
        m_rooms.replicaLost(room);
        return;
    }
}

void ReplicaLinks::setAcked(Link &link, bool acked)
{
    if (link.acked == acked)
        return;
    link.acked = acked;
    m_context.metrics().replicatedRooms.fetch_add(acked ? 1 : -1, std::memory_order_relaxed);
}

void ReplicaLinks::drop(const QString &room)
{
    const auto it = m_links.find(room);
    if (it == m_links.end())
        return;
    if (busy(*it)) {
        // After the answer: a drop overtaking its batch would leave a copy behind.
        it->dropAfter = true;
        return;
    }
    if (!it->target.url.isEmpty())
        queueDrop(it->target, room);
    setAcked(*it, false);
    m_links.erase(it);
}

void ReplicaLinks::queueDrop(const Target &target, const QString &room)
{
    m_drops[target.url].append(room);
    if (m_dropsQueued)
        return;
    // Rooms dropped in one pass of the event loop (a stop, an expiry sweep) share a request.
    m_dropsQueued = true;
    QTimer::singleShot(0, this, &ReplicaLinks::sendDrops);
}

void ReplicaLinks::sendDrops()
{
    m_dropsQueued = false;
    const QHash<QString, QStringList> drops = std::exchange(m_drops, {});
    for (auto it = drops.begin(); it != drops.end(); ++it) {
        for (qsizetype from = 0; from < it->size(); from += dropsPerRequest) {
            proto::JsonWriter writer(64 + dropsPerRequest * 32);
            writer.beginObject();
            writer.key("rooms");
            writer.beginArray();
            for (const QString &room : it->mid(from, dropsPerRequest))
                writer.value(room);
            writer.endArray();
            writer.endObject();
            QNetworkReply *reply =
                m_network.post(clusterRequest(m_context.settings(),
                                              it.key() + QStringLiteral("/internal/replica/drop"),
                                              QByteArrayLiteral("application/json"),
                                              m_context.settings().replicaTimeoutMs),
                               writer.take());
            connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
        }
    }
}

} // namespace ic::server
