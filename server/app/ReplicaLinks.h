#pragma once
// The primary side of room replicas (docs/interfaces.md "Replicas"): one per worker thread, the
// ReplicaChannel of that worker's RoomHost. Per room it asks the balancer once for the server
// that keeps the copy (POST /internal/replica/target, cached), then posts each batch to that
// server's /internal/replica/apply and turns the answer into exactly one RoomHost callback:
// 200 → replicaAcked, 409 → replicaResync, 410 → replicaFenced, anything else (503 from the
// balancer, no answer within --replica-timeout, a refused connection, 400/413) → replicaLost,
// which also forgets the target so the next Init asks the balancer again. Lives on the worker's
// thread; the rare calls (targets, instance checks, drops) go through a QNetworkAccessManager.
// An idle room sends no batch, so it would not notice its copy's server dying or restarting:
// every copyCheckMs each copy server is asked for its instance (GET /internal/replica/instance);
// no answer makes its idle rooms replicaLost (a new copy elsewhere), another instance than the
// one that acknowledged a room's last batch makes that room replicaResync (the whole room again).

#include "app/PeerClient.h"
#include "rooms/ReplicaChannel.h"

#include <QElapsedTimer>
#include <QHash>
#include <QNetworkAccessManager>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>

class QNetworkReply;

namespace ic::server {

class RoomHost;
class ServerContext;

class ReplicaLinks : public QObject, public ReplicaChannel
{
    Q_OBJECT

public:
    ReplicaLinks(ServerContext &context, RoomHost &rooms, QObject *parent = nullptr);
    ~ReplicaLinks() override;

    void ship(const QString &room, QByteArray batch, quint64 lastSeq) override;
    void drop(const QString &room) override;

private:
    struct Target
    {
        QString id;
        QString url; // http(s)://host:port of the server holding the copy
    };
    // One room's link. Exists while the room has a target or a batch in flight.
    struct Link
    {
        Target target;
        QNetworkReply *asking = nullptr; // the target question in flight
        quint64 applying = 0;            // the id of the apply in flight, 0 when none
        qint64 shippedNs = 0;            // when the batch in flight was shipped
        bool acked = false;              // the copy acknowledged the last batch
        bool dropAfter = false;          // drop() came while a batch was in flight
        QString instance;                // the copy server's instance that acked last
    };
    enum class Answer { Acked, Resync, Fenced, Lost };

    void askTarget(const QString &room, QByteArray batch, quint64 lastSeq);
    void apply(const QString &room, QByteArray batch, quint64 lastSeq);
    void applied(const QString &room, quint64 id, const PeerClient::Answer &answer,
                 quint64 lastSeq);
    PeerClient &peer(const QString &url);
    static bool busy(const Link &link) { return link.asking || link.applying; }
    // Ends the batch in flight: the RoomHost callback, metrics, the link's state.
    void finish(const QString &room, Answer answer, quint64 ackedSeq, const QString &why);
    void setAcked(Link &link, bool acked);
    void queueDrop(const Target &target, const QString &room);
    void sendDrops();
    int remainingMs(const Link &link) const;
    void checkCopies();
    void copyServerAnswered(const QString &url, QNetworkReply *reply);

    ServerContext &m_context;
    RoomHost &m_rooms;
    QNetworkAccessManager m_network;
    QHash<QString, Link> m_links;
    QHash<QString, PeerClient *> m_peers; // copy server URL → its connections (children)
    quint64 m_lastApplyId = 0;
    QHash<QString, QStringList> m_drops; // copy server URL → rooms to drop there
    bool m_dropsQueued = false;
    QTimer m_copyCheck;
    QSet<QString> m_checking; // copy server URLs asked and not answered yet
    QString m_lastWarning;    // one log line per kind of failure in a row, not one per batch
};

} // namespace ic::server
