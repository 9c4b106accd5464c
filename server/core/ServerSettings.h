#pragma once
// Every setting of instantchat-server (docs/interfaces.md); read from the flags by
// app/ServerFlags, read-only once the workers run.

#include "core/RoomSettings.h"
#include "net/TrustedProxies.h"

#include <QHostAddress>
#include <QString>
#include <QStringList>

namespace ic::server {

using TrustedProxies = ic::net::TrustedProxies;

struct ServerSettings
{
    QString bind = QStringLiteral("127.0.0.1");
    quint16 port = 8081;
    QStringList allowedOrigins;
    int workers = 1;
    QString serverId;
    QString advertise;
    QString balancer;
    QString clusterToken;
    bool rateLimits = true;
    int idleTimeoutSeconds = 60;
    qint64 roomLifetimeSeconds = 43200;
    int maxConnections = 20000;
    qint64 outboundLimit = 4 * 1024 * 1024;
    // All sockets' queues together; past it a socket that is behind is dropped as slow.
    qint64 queueMemory = 1024LL * 1024 * 1024;
    int shutdownTimeoutSeconds = 5;
    // Bound of moving every room to other servers (drain, SIGTERM); app/Handoff.
    int handoffTimeoutSeconds = 20;
    // Room replicas on another server (app/ReplicaLinks): on only with a balancer to name them.
    bool replication = true;
    int replicaTimeoutMs = 2000; // a batch not acknowledged by then leaves the room unreplicated
    QString logLevel = QStringLiteral("info");
    QString tlsCert;
    QString tlsKey;
    int handshakeTimeoutSeconds = 10; // HTTP request head, and after the upgrade the init frame
    int maxConnectionsPerAddress = 64;
    int maxRooms = 100000;
    int newRoomsPerSecond = 20; // all addresses together; 0 = no bound
    int writeHoldMs = 20;       // see FlushPolicy
    QString trustedProxiesList; // none: direct peers are who they are
    TrustedProxies trustedProxies;
    TrustedProxies internalPeers; // without a cluster token, who may call the internal routes
    RoomSettings room;
};

} // namespace ic::server
