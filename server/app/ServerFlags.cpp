#include "app/ServerFlags.h"

#include "config/CommonSettings.h"
#include "config/Configuration.h"
#include "rooms/Room.h"
#include "system/BuildId.h"

#include <QThread>

namespace ic::server {

void declareServerSettings(config::Configuration &c)
{
    using S = config::Setting;
    c.add(S{QStringLiteral("port"), QStringLiteral("PORT"),
            QStringLiteral("TCP port for WebSocket and HTTP (0 = any free port)."),
            QStringLiteral("8081")});
    config::declareCommonSettings(c); // --bind, --log-level, --cluster-token-file, ...
    c.add(S{QStringLiteral("allowed-origins"), QStringLiteral("URLS"),
            QStringLiteral("Comma list of Origin values allowed to open WebSockets (exact match)."),
            QStringLiteral("http://localhost:8080,http://127.0.0.1:8080")});
    c.add(S{QStringLiteral("workers"), QStringLiteral("N"),
            QStringLiteral("Room worker threads (0 = number of cores)."), QStringLiteral("0")});
    c.add(S{QStringLiteral("server-id"), QStringLiteral("ID"),
            QStringLiteral(
                "Id used in gateway routes /b/<id>/ (default <advertise host>-<advertise port>)."),
            QString()});
    c.add(S{QStringLiteral("advertise"), QStringLiteral("HOST:PORT"),
            QStringLiteral("Address the balancer hands to clients (default <bind>:<port>, "
                           "127.0.0.1 for 0.0.0.0)."),
            QString()});
    c.add(S{QStringLiteral("balancer"), QStringLiteral("URL"),
            QStringLiteral("Balancer base URL to register with, e.g. http://127.0.0.1:8080."),
            QString()});
    c.add(S{QStringLiteral("idle-timeout"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds without any frame or pong before a socket is closed."),
            QStringLiteral("60")});
    c.add(S{QStringLiteral("room-lifetime"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds an empty room is kept after its last activity."),
            QStringLiteral("43200")});
    c.add(S{QStringLiteral("max-messages"), QStringLiteral("N"),
            QStringLiteral("Messages kept per room."), QStringLiteral("1000")});
    c.add(S{QStringLiteral("max-users"), QStringLiteral("N"),
            QStringLiteral("Users per room, joined or only authorised."), QStringLiteral("1000")});
    c.add(S{QStringLiteral("room-memory"), QStringLiteral("BYTES"),
            QStringLiteral("Stored messages per room, counted in bytes (the larger of memory and "
                           "ALL_TM size); past it the oldest are dropped. 0 = derived: half of "
                           "--outbound-limit, less if the largest member list needs the room."),
            QStringLiteral("0")});
    c.add(S{QStringLiteral("message-memory"), QStringLiteral("BYTES"),
            QStringLiteral("Stored messages of all rooms, counted like --room-memory; past it new "
                           "messages, growing edits and votes get ER 101 (HTTP /s/ 503)."),
            QStringLiteral("1073741824")});
    c.add(S{QStringLiteral("user-expiry"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds an offline user stays in a room's member list."),
            QStringLiteral("3600")});
    c.add(S{QStringLiteral("authorisation-expiry"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds an authorisation (R_C_J_AU) that never joined stays in a "
                           "room's member list."),
            QStringLiteral("120")});
    c.add(S{QStringLiteral("max-connections"), QStringLiteral("N"),
            QStringLiteral("Total WebSocket connections."), QStringLiteral("20000")});
    c.add(S{
        QStringLiteral("renames-per-minute"), QStringLiteral("N"),
        QStringLiteral("User-name changes per user and room (burst 5); over it ER 429 (v1: 103)."),
        QStringLiteral("30")});
    c.add(S{QStringLiteral("description-changes-per-minute"), QStringLiteral("N"),
            QStringLiteral(
                "Room description changes per user and room (burst 3); over it ER 429 (v1: 103)."),
            QStringLiteral("12")});
    c.add(S{QStringLiteral("votes-per-minute"), QStringLiteral("N"),
            QStringLiteral("Votes per user and room (burst 20); over it ER 429 (v1: 103)."),
            QStringLiteral("120")});
    c.add(S{QStringLiteral("max-connections-per-address"), QStringLiteral("N"),
            QStringLiteral("Open connections (WebSocket or not yet upgraded) per client address; "
                           "more get HTTP 429."),
            QStringLiteral("64")});
    c.add(S{QStringLiteral("handshake-timeout"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds a connection may take to send a complete HTTP request, and "
                           "after the upgrade its init frame."),
            QStringLiteral("10")});
    c.add(S{QStringLiteral("write-hold-ms"), QStringLiteral("MS"),
            QStringLiteral(
                "While a worker thread is busy (over 60 % of its time), outgoing frames are held "
                "up to this long so each socket's frames leave in one send(); 0 = never hold."),
            QStringLiteral("20")});
    c.add(S{QStringLiteral("max-rooms"), QStringLiteral("N"),
            QStringLiteral("Rooms per server; creating one more answers ER 208 (room full)."),
            QStringLiteral("100000")});
    c.add(S{QStringLiteral("new-rooms-per-second"), QStringLiteral("N"),
            QStringLiteral("New rooms per second on this server from all addresses together "
                           "(burst 10 s worth); 0 = no bound. Lifted by --rate-limits off."),
            QStringLiteral("20")});
    c.add(S{QStringLiteral("outbound-limit"), QStringLiteral("BYTES"),
            QStringLiteral("Bytes queued per socket before the client is dropped as slow."),
            QStringLiteral("4194304")});
    c.add(S{QStringLiteral("queue-memory"), QStringLiteral("BYTES"),
            QStringLiteral("Bytes queued to all sockets together; past it, a client with more than "
                           "64 KiB waiting is dropped as slow at its next write."),
            QStringLiteral("1073741824")});
    c.add(S{QStringLiteral("shutdown-timeout"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds a graceful stop may take."), QStringLiteral("5")});
    c.add(S{QStringLiteral("handoff-timeout"), QStringLiteral("SECONDS"),
            QStringLiteral("Seconds moving every room to other servers may take (drain, SIGTERM); "
                           "rooms not moved by then are lost."),
            QStringLiteral("20")});
    c.add(S{QStringLiteral("replication"), QStringLiteral("on|off"),
            QStringLiteral("Keep a live copy of every room on another server (named by --balancer) "
                           "and answer a change only once the copy has it; off = rooms live on "
                           "this server alone."),
            QStringLiteral("on")});
    c.add(S{QStringLiteral("replica-timeout"), QStringLiteral("MS"),
            QStringLiteral("Milliseconds a room's copy may take to acknowledge a change; past it "
                           "the room goes on without a copy and asks for a new one a second "
                           "later."),
            QStringLiteral("2000")});
}

bool sizeRoomBudget(ServerSettings &s, qint64 requested, QString *error)
{
    // A joiner receives R_M_CH, ALL_TM and R_CH_D at once; they must fit in its outbound queue
    // with room to spare for the broadcasts that arrive while it reads them.
    constexpr qint64 headroom = 64 * 1024;
    const qint64 members = Room::membersFrameBound(s.room.limits);
    const qint64 minimum = Room::minimumRoomBytes(s.room.limits);
    qint64 budget = requested;
    if (budget == 0)
        budget = std::min(s.outboundLimit / 2, s.outboundLimit - members - headroom);
    if (budget < minimum || budget + members + headroom > s.outboundLimit) {
        *error = QStringLiteral("--outbound-limit %1 cannot hold a join: the largest member list "
                                "(--max-users %2) takes %3 bytes, --room-memory %4 (at least %5) "
                                "and %6 bytes of headroom; raise --outbound-limit or lower the "
                                "others")
                     .arg(s.outboundLimit)
                     .arg(s.room.limits.activeUsersMax)
                     .arg(members)
                     .arg(budget)
                     .arg(minimum)
                     .arg(headroom);
        return false;
    }
    s.room.roomBytesMax = budget;
    return true;
}

bool readServerSettings(const config::Configuration &c, ServerSettings &s, QString *error)
{
    qint64 v = 0;
    if (!c.integerValue(QStringLiteral("port"), 0, 65535, &v, error))
        return false;
    s.port = quint16(v);
    s.bind = c.value(QStringLiteral("bind")).trimmed();
    if (QHostAddress(s.bind).isNull()) {
        *error = QStringLiteral("--bind must be an IP address");
        return false;
    }
    s.allowedOrigins = c.listValue(QStringLiteral("allowed-origins"));
    if (!c.integerValue(QStringLiteral("workers"), 0, 256, &v, error))
        return false;
    s.workers = v > 0 ? int(v) : std::max(1, QThread::idealThreadCount());
    s.serverId = c.value(QStringLiteral("server-id")).trimmed();
    s.advertise = c.value(QStringLiteral("advertise")).trimmed();
    s.balancer = c.value(QStringLiteral("balancer")).trimmed();
    while (s.balancer.endsWith(u'/'))
        s.balancer.chop(1);
    s.clusterToken = c.secret(QStringLiteral("cluster-token-file"),
                              QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN"), error);
    if (!error->isEmpty())
        return false;
    if (!c.switchValue(QStringLiteral("rate-limits"), &s.rateLimits, error))
        return false;
    if (!c.integerValue(QStringLiteral("idle-timeout"), 1, 86400, &v, error))
        return false;
    s.idleTimeoutSeconds = int(v);
    if (!c.integerValue(QStringLiteral("room-lifetime"), 1, 365LL * 86400, &v, error))
        return false;
    s.roomLifetimeSeconds = v;
    if (!c.integerValue(QStringLiteral("max-messages"), 1, 1000000, &v, error))
        return false;
    s.room.limits.messagesKept = int(v);
    if (!c.integerValue(QStringLiteral("max-users"), 1, 1000000, &v, error))
        return false;
    s.room.limits.activeUsersMax = int(v);
    if (!c.integerValue(QStringLiteral("max-connections"), 1, 10000000, &v, error))
        return false;
    s.maxConnections = int(v);
    if (!c.integerValue(QStringLiteral("max-connections-per-address"), 1, 10000000, &v, error))
        return false;
    s.maxConnectionsPerAddress = int(v);
    if (!c.integerValue(QStringLiteral("handshake-timeout"), 1, 3600, &v, error))
        return false;
    s.handshakeTimeoutSeconds = int(v);
    if (!c.integerValue(QStringLiteral("write-hold-ms"), 0, 1000, &v, error))
        return false;
    s.writeHoldMs = int(v);
    if (!c.integerValue(QStringLiteral("max-rooms"), 1, 100000000, &v, error))
        return false;
    s.maxRooms = int(v);
    if (!c.integerValue(QStringLiteral("new-rooms-per-second"), 0, 1000000, &v, error))
        return false;
    s.newRoomsPerSecond = int(v);
    if (!c.integerValue(QStringLiteral("renames-per-minute"), 1, 1000000, &v, error))
        return false;
    s.room.renamesPerMinute = double(v);
    if (!c.integerValue(QStringLiteral("description-changes-per-minute"), 1, 1000000, &v, error))
        return false;
    s.room.descriptionChangesPerMinute = double(v);
    if (!c.integerValue(QStringLiteral("votes-per-minute"), 1, 1000000, &v, error))
        return false;
    s.room.votesPerMinute = double(v);
    s.trustedProxiesList = c.value(QStringLiteral("trusted-proxies")).trimmed();
    if (!s.trustedProxies.parse(s.trustedProxiesList, error))
        return false;
    if (!s.internalPeers.parse(c.value(QStringLiteral("internal-peers")), error,
                               QStringLiteral("internal-peers")))
        return false;
    if (!c.integerValue(QStringLiteral("outbound-limit"), 1024, 1LL << 32, &v, error))
        return false;
    s.outboundLimit = v;
    s.room.limits.outboundQueueMaxBytes = v;
    if (!c.integerValue(QStringLiteral("queue-memory"), 1024 * 1024, 1LL << 50, &v, error))
        return false;
    s.queueMemory = v;
    if (!c.integerValue(QStringLiteral("user-expiry"), 1, 365LL * 86400, &v, error))
        return false;
    s.room.userExpirySeconds = v;
    if (!c.integerValue(QStringLiteral("authorisation-expiry"), 1, 365LL * 86400, &v, error))
        return false;
    s.room.authorisationExpirySeconds = v;
    if (!c.integerValue(QStringLiteral("message-memory"), 1024 * 1024, 1LL << 50, &v, error))
        return false;
    s.room.serverBytesMax = v;
    if (!c.integerValue(QStringLiteral("room-memory"), 0, 1LL << 40, &v, error))
        return false;
    if (!sizeRoomBudget(s, v, error))
        return false;
    if (!c.integerValue(QStringLiteral("shutdown-timeout"), 1, 3600, &v, error))
        return false;
    s.shutdownTimeoutSeconds = int(v);
    if (!c.integerValue(QStringLiteral("handoff-timeout"), 1, 3600, &v, error))
        return false;
    s.handoffTimeoutSeconds = int(v);
    if (!c.switchValue(QStringLiteral("replication"), &s.replication, error))
        return false;
    if (!c.integerValue(QStringLiteral("replica-timeout"), 50, 60000, &v, error))
        return false;
    s.replicaTimeoutMs = int(v);
    s.logLevel = c.value(QStringLiteral("log-level")).trimmed();
    s.tlsCert = c.value(QStringLiteral("tls-cert")).trimmed();
    s.tlsKey = c.value(QStringLiteral("tls-key")).trimmed();
    if (s.tlsCert.isEmpty() != s.tlsKey.isEmpty()) {
        *error = QStringLiteral("--tls-cert and --tls-key must be given together");
        return false;
    }
    s.room.rateLimits = s.rateLimits;
    s.room.build = QString::fromLatin1(ic::sys::buildId());
    return true;
}

void completeAddresses(ServerSettings &s, quint16 actualPort)
{
    s.port = actualPort;
    if (s.advertise.isEmpty()) {
        const QString host =
            (s.bind == u"0.0.0.0" || s.bind == u"::") ? QStringLiteral("127.0.0.1") : s.bind;
        s.advertise = QStringLiteral("%1:%2").arg(host).arg(actualPort);
    }
    if (s.serverId.isEmpty()) {
        QString id = s.advertise;
        const qsizetype colon = id.lastIndexOf(u':');
        if (colon > 0)
            id[colon] = u'-';
        s.serverId = id;
    }
}

} // namespace ic::server
