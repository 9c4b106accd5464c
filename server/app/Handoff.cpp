#include "app/Handoff.h"

#include "app/ClusterRequest.h"
#include "core/ServerContext.h"
#include "protocol/JsonWriter.h"
#include "rooms/RoomDirectory.h"
#include "rooms/RoomHost.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QNetworkReply>
#include <QUrl>
#include <algorithm>
#include <memory>

Q_LOGGING_CATEGORY(lcHandoffRun, "handoff")

namespace ic::server {
namespace {

// Rooms moving at once: enough to hide the round trips, few enough that each room's freeze (its
// members waiting) stays short.
constexpr int roomsInFlight = 4;
// The balancer's calls are quick; the import carries a whole room.
constexpr int balancerTimeoutMs = 3000;

} // namespace

Handoff::Handoff(ServerContext &context, const RoomDirectory &rooms, QObject *parent)
    : QObject(parent), m_context(context), m_rooms(rooms), m_network(this)
{
    useForCluster(m_network);
    m_deadline.setParent(this);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, [this]() {
        qCWarning(lcHandoffRun).noquote()
            << QStringLiteral("--handoff-timeout reached: %1 rooms not moved")
                   .arg(m_queue.size() + m_busy.size());
        finish();
    });
}

void Handoff::setDrained(bool handoff)
{
    if (!handoff) {
        m_ranForDrain = false;
        return;
    }
    if (m_running || m_ranForDrain || m_context.shuttingDown())
        return;
    m_ranForDrain = true;
    run(false, {});
}

void Handoff::runBeforeExit(std::function<void()> done)
{
    if (m_context.settings().balancer.isEmpty()) {
        done();
        return;
    }
    if (m_running) {
        // A drain is moving the rooms already: it finishes, then the stop goes on.
        m_exiting = true;
        m_done = std::move(done);
        return;
    }
    proto::JsonWriter writer(64);
    writer.beginObject();
    writer.member("id", m_context.settings().serverId);
    writer.endObject();
    QNetworkReply *reply = postJson("/internal/handoff/begin", writer.take(), balancerTimeoutMs);
    connect(reply, &QNetworkReply::finished, this, [this, reply, done = std::move(done)]() {
        reply->deleteLater();
        // Peeked, not read: replyProblem below reads the refusal's sentence from the body.
        const QJsonObject answer =
            QJsonDocument::fromJson(reply->peek(reply->bytesAvailable())).object();
        if (replyStatus(reply) != 200 || !answer.value(QLatin1StringView("handoff")).toBool()) {
            qCInfo(lcHandoffRun).noquote()
                << (replyStatus(reply) == 200
                        ? QStringLiteral("no other live server: rooms are not moved")
                        : QStringLiteral("the balancer did not start a handoff (%1): rooms are "
                                         "not moved")
                              .arg(replyProblem(reply)));
            done();
            return;
        }
        run(true, done);
    });
}

void Handoff::run(bool exiting, std::function<void()> done)
{
    m_running = true;
    m_exiting = exiting;
    m_done = std::move(done);
    m_queue.clear();
    m_busy.clear();
    m_moved = 0;
    m_failed = 0;
    m_secondPass = false;
    m_clock.start();
    m_deadline.start(m_context.settings().handoffTimeoutSeconds * 1000);
    collectRooms();
}

void Handoff::collectRooms()
{
    const QList<RoomHost *> &hosts = m_rooms.hosts();
    auto remaining = std::make_shared<int>(int(hosts.size()));
    // Workers stop before this object goes (ServerApp), and events posted to it go with it.
    Handoff *self = this;
    for (RoomHost *host : hosts) {
        QMetaObject::invokeMethod(
            host,
            [self, host, remaining]() {
                const QStringList names = host->roomNames();
                QMetaObject::invokeMethod(
                    self,
                    [self, names, remaining]() {
                        if (!self->m_running)
                            return;
                        self->m_queue.append(names);
                        if (--*remaining == 0) {
                            if (!self->m_secondPass || !self->m_queue.isEmpty())
                                qCInfo(lcHandoffRun).noquote()
                                    << QStringLiteral("moving %1 rooms to other servers")
                                           .arg(self->m_queue.size());
                            self->startMore();
                        }
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    }
    if (hosts.isEmpty())
        finish();
}

void Handoff::startMore()
{
    while (m_running && m_busy.size() < roomsInFlight && !m_queue.isEmpty())
        moveRoom(m_queue.takeFirst());
    if (m_running && m_busy.isEmpty() && m_queue.isEmpty()) {
        // Rooms created while the others moved (a client that was already connected), and
        // rooms that failed and serve here again, get one more pass.
        if (!m_secondPass) {
            m_secondPass = true;
            collectRooms();
            return;
        }
        finish();
    }
}

QNetworkReply *Handoff::postJson(const char *path, const QByteArray &json, int timeoutMs)
{
    return m_network.post(clusterRequest(m_context.settings(),
                                         m_context.settings().balancer + QLatin1StringView(path),
                                         QByteArrayLiteral("application/json"), timeoutMs),
                          json);
}

QByteArray Handoff::roomJson(const QString &room, const QString &to) const
{
    proto::JsonWriter writer(128);
    writer.beginObject();
    writer.member("id", m_context.settings().serverId);
    writer.member("room", room);
    if (!to.isEmpty())
        writer.member("to", to);
    writer.endObject();
    return writer.take();
}

int Handoff::remainingMs() const
{
    return std::max(1, int(m_deadline.remainingTime()));
}

void Handoff::moveRoom(const QString &room)
{
    m_busy.insert(room, 0);
    QNetworkReply *reply = postJson("/internal/handoff/target", roomJson(room),
                                    std::min(balancerTimeoutMs, remainingMs()));
    connect(reply, &QNetworkReply::finished, this, [this, reply, room]() {
        reply->deleteLater();
        if (!m_running || !m_busy.contains(room))
            return;
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        const Target target{answer.value(QLatin1StringView("id")).toString(),
                            answer.value(QLatin1StringView("url")).toString()};
        const QUrl url(target.url);
        if (replyStatus(reply) != 200 || target.id.isEmpty() || !url.isValid() ||
            (url.scheme() != u"http" && url.scheme() != u"https")) {
            roomFailed(room, false,
                       QStringLiteral("no target server (%1)")
                           .arg(replyStatus(reply) == 200 ? QStringLiteral("malformed answer")
                                                          : replyProblem(reply)));
            // No target for one room means none for the others either.
            if (replyStatus(reply) == 503)
                m_queue.clear();
            startMore();
            return;
        }
        RoomHost *owner = m_rooms.hostFor(room);
        Handoff *self = this;
        QMetaObject::invokeMethod(
            owner,
            [self, owner, room, target]() {
                const QByteArray snapshot = owner->freezeAndSnapshot(room);
                QMetaObject::invokeMethod(
                    self,
                    [self, room, target, snapshot]() {
                        self->snapshotTaken(room, target, snapshot);
                    },
                    Qt::QueuedConnection);
            },
            Qt::QueuedConnection);
    });
}

void Handoff::snapshotTaken(const QString &room, const Target &target, const QByteArray &snapshot)
{
    if (!m_running || !m_busy.contains(room)) {
        // The deadline passed meanwhile: a stopping server keeps it frozen (it is lost), a
        // drained one serves it again.
        if (!snapshot.isEmpty() && !m_exiting) {
            RoomHost *owner = m_rooms.hostFor(room);
            QMetaObject::invokeMethod(
                owner, [owner, room]() { owner->unfreeze(room); }, Qt::QueuedConnection);
        }
        return;
    }
    if (snapshot.isEmpty()) {
        roomFailed(room, false, QStringLiteral("the room is gone"));
        startMore();
        return;
    }
    QNetworkReply *reply = m_network.post(
        clusterRequest(m_context.settings(), target.url + QStringLiteral("/internal/rooms/import"),
                       QByteArrayLiteral("application/octet-stream"), remainingMs()),
        snapshot);
    connect(reply, &QNetworkReply::finished, this, [this, reply, room, target]() {
        reply->deleteLater();
        if (!m_running || !m_busy.contains(room))
            return;
        if (replyStatus(reply) != 200) {
            roomFailed(room, true,
                       QStringLiteral("server %1 refused the room (%2)")
                           .arg(target.id, replyProblem(reply)));
            startMore();
            return;
        }
        roomDone(room, target);
    });
}

void Handoff::roomDone(const QString &room, const Target &target)
{
    QNetworkReply *reply =
        postJson("/internal/handoff/done", roomJson(room, target.id), balancerTimeoutMs);
    connect(reply, &QNetworkReply::finished, this, [this, reply, room, target]() {
        reply->deleteLater();
        if (replyStatus(reply) != 200)
            qCWarning(lcHandoffRun).noquote()
                << QStringLiteral("room moved to %1, but the balancer did not take note (%2)")
                       .arg(target.id, replyProblem(reply));
        // The target holds the room now in any case: this copy goes.
        RoomHost *owner = m_rooms.hostFor(room);
        QMetaObject::invokeMethod(
            owner, [owner, room]() { owner->dropMoved(room); }, Qt::QueuedConnection);
        m_context.metrics().roomsHandedOff.Increment();
        ++m_moved;
        if (m_busy.remove(room))
            startMore();
    });
}

void Handoff::roomFailed(const QString &room, bool frozen, const QString &why)
{
    qCWarning(lcHandoffRun).noquote() << "a room could not be moved:" << why;
    m_context.metrics().handoffFailures.Increment();
    ++m_failed;
    m_busy.remove(room);
    // The balancer releases clients waiting for the room to the source again.
    QNetworkReply *reply = postJson("/internal/handoff/failed", roomJson(room), balancerTimeoutMs);
    connect(reply, &QNetworkReply::finished, reply, &QObject::deleteLater);
    if (frozen && !m_exiting) {
        RoomHost *owner = m_rooms.hostFor(room);
        QMetaObject::invokeMethod(
            owner, [owner, room]() { owner->unfreeze(room); }, Qt::QueuedConnection);
    }
}

void Handoff::finish()
{
    if (!m_running)
        return;
    m_deadline.stop();
    // Rooms still in flight when the deadline passed: failed, released at the balancer.
    const QStringList unfinished = m_busy.keys();
    for (const QString &room : unfinished)
        roomFailed(room, true, QStringLiteral("--handoff-timeout reached"));
    m_failed += int(m_queue.size());
    m_queue.clear();
    m_running = false;
    const double seconds = double(m_clock.elapsed()) / 1000.0;
    m_context.metrics().handoffLastDuration.Set(seconds);
    qCInfo(lcHandoffRun).noquote() << QStringLiteral("handoff finished in %1 s: %2 rooms moved, "
                                                     "%3 not")
                                          .arg(seconds, 0, 'f', 3)
                                          .arg(m_moved)
                                          .arg(m_failed);
    if (m_done)
        std::exchange(m_done, {})();
}

} // namespace ic::server
