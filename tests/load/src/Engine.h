#pragma once
// The connection engine: every simulated user is a raw non-blocking socket in ONE epoll set,
// and Qt only sees the epoll descriptor (one QSocketNotifier) plus three timers. A Qt socket
// object per user would cost a QObject, signal dispatch and extra buffer copies per delivery,
// and with 10,000 users the glib dispatcher would poll() all of them on every wakeup.
//
// A user's life: GET / on the balancer (session cookie) → GET /pick_backend?roomName= (same
// keep-alive connection when the balancer allows) → TCP to `bA` → WebSocket handshake with
// Cookie and Origin → init frame → R_C_J → joined on its RP. Frames are built with the shared
// codec (ic::proto, ic::ws); deliveries are read with the scanner in FrameScan.h.

#include "FrameScan.h"
#include "HandoffTrack.h"
#include "Http.h"
#include "Stats.h"

#include <QHash>
#include <QJsonObject>
#include <QMap>
#include <QObject>
#include <QTimer>
#include <QUrl>
#include <memory>
#include <queue>
#include <vector>

class QSocketNotifier;

namespace ic::load {

struct EngineOptions
{
    QUrl balancer;
    QByteArray origin;
    QString roomPrefix; // unique per run: rooms live for hours in the server's RAM
    int textBytes = 160;
    int concurrency = 256;  // users in setup at the same time
    double connectRate = 0; // users started per second while setting up; 0 = unlimited
    int setupTimeoutMs = 30000;
    bool fullParse = false;  // decode every frame with the shared codec instead of scanning
    int protocolVersion = 1; // `pv` of the init frame: 2 gets member deltas instead of lists
    // The handoff scenario: users behave as real clients do across a room move (HandoffMode.cpp).
    bool handoff = false;
    double passwordRoomShare = 0; // of the rooms, created with a password by their first user
    double v1Share = 1;           // of the users, sessions without `pv` (the others send pv 2)
};

// Figures of one measurement window (reset between ramp steps).
struct WindowCounters
{
    qint64 startNs = 0;
    qint64 sent = 0;
    qint64 expected = 0; // deliveries: sum over sends of the room's joined members at send time
    qint64 received = 0;
    qint64 late = 0;      // deliveries of messages sent before this window began
    qint64 idGaps = 0;    // ids a receiver never saw: per-room loss detected by id gaps
    qint64 reordered = 0; // an id not above the previous one a receiver saw
    qint64 replies = 0;   // RP frames for our messages
    // Member-list traffic at the receivers (WebSocket payload bytes): full lists (R_M_CH) and,
    // for pv 2, deltas (R_M_D).
    qint64 memberListFrames = 0, memberListBytes = 0;
    qint64 memberDeltaFrames = 0, memberDeltaBytes = 0;
    LatencySamples latency;
};

class Engine : public QObject
{
    Q_OBJECT
public:
    explicit Engine(EngineOptions options, QObject *parent = nullptr);
    ~Engine() override;

    bool resolveBalancer(QString *error);

    // Adds `count` users, `usersPerRoom` to a room (rooms numbered from the current count).
    void addUsers(int count, int usersPerRoom);
    // Adds one user to an existing room; an uncounted user's deliveries are not expected (it
    // may leave before a message reaches it), so churn does not look like loss.
    int addUserToRoom(int room, bool counted);
    // Closes a joined user's socket on purpose (a leave, not a disconnect). False if not joined.
    bool leaveUser(int index);
    bool isJoined(int index) const;
    // Starts setting up every user not started yet (rate- and concurrency-limited).
    void startSetup();
    bool setupSettled() const { return m_joined + m_failed >= qint64(m_users.size()); }

    // Every joined user sends a TM every `intervalSeconds`, starting at a random phase.
    void startSending(double intervalSeconds);
    void stopSending();
    bool sending() const { return m_sendTimer.isActive(); }

    void beginWindow(); // resets the window counters; deliveries of older sends count as late
    WindowCounters &window() { return m_window; }

    // Closes every socket (close frame first for WebSocket sessions).
    void closeAll();

    qint64 users() const { return qint64(m_users.size()); }
    qint64 joined() const { return m_joined; }
    qint64 failed() const { return m_failed; }
    qint64 inSetup() const { return m_inSetup; }
    qint64 connectedNow() const { return m_connected; }
    qint64 disconnects() const { return m_disconnects; }
    qint64 left() const { return m_left; }
    qint64 firstStartNs() const { return m_firstStartNs; }
    qint64 lastJoinNs() const { return m_lastJoinNs; }
    LatencySamples &joinLatency() { return m_joinLatency; }
    const QMap<QString, qint64> &failures() const { return m_failures; }
    const QMap<int, qint64> &errorCodes() const { return m_errorCodes; }
    qint64 roomsWithGaps() const;
    qint64 totalReceivedEver() const { return m_receivedEver; }
    qint64 framesSeen() const { return m_framesSeen; }

    // The handoff scenario (HandoffMode.cpp). After addUsers: passwords, names, `pv`.
    void configureHandoff();
    // Sending stopped: true once no user has a TM without RP or a rejoin under way.
    bool handoffSettled() const;
    // Adds and starts one observer per room: a fresh session that tries a join without the
    // password (password rooms), then joins with it and reads the final history and members.
    void startObservers();
    QJsonObject handoffReport(bool *clean);
    // The failover scenario's part: users affected by the kill, back in their room, kill → back.
    QJsonObject failoverReport(bool *clean);
    QString handoffProgress() const;
    // Drops the connection of a random joined user that has no TM waiting for its RP, as a
    // network failure would (no close frame): the rejoin path without a server restart.
    void dropRandomUser();
    // The failover scenario: a server was killed at `ns` (monotonic); from then on, users whose
    // connection ends are counted as affected and timed from `ns` to their rejoin.
    void markKill(qint64 ns) { m_killNs = ns; }

private:
    struct User;
    struct Room
    {
        QString name;
        int members = 0; // joined and still connected
        int counted = 0; // of those, the ones whose deliveries are expected
        qint64 idGaps = 0;
        RoomTrack track; // handoff scenario
    };
    enum class Phase : quint8;

    void onEpollReady();
    void handleEvent(User &user, quint32 events);
    void onReadable(User &user);
    void onData(User &user, const char *data, qsizetype size);
    void onPeerClosed(User &user);
    void onConnected(User &user);
    bool connectTo(User &user, const Endpoint &endpoint);
    void sendBytes(User &user, QByteArrayView data);
    void flush(User &user);
    void setWantWrite(User &user, bool want);
    void closeSocket(User &user);

    void startUser(User &user);
    void sendHttpRequest(User &user);
    void onHttpResponse(User &user, const HttpResponse &response);
    void onHandshakeData(User &user);
    void processFrames(User &user);
    void onPayload(User &user, const QByteArray &payload);
    void onJoined(User &user);
    void fail(User &user, const QString &reason);
    void lose(User &user); // a joined user's connection ended

    void pumpSetup();
    void checkSetupTimeouts();
    void sendTick();
    void keepAliveTick();
    void sendMessage(User &user);

    // Handoff scenario (HandoffMode.cpp).
    QByteArray handoffJoinFrame(User &user);
    void onHandoffPayload(User &user, const QByteArray &payload);
    void onHandoffJoined(User &user, const QString &userId);
    bool retryRejoin(User &user, const QString &reason); // fail() of a joined-before user
    void scheduleRejoin(User &user, qint64 delayNs);
    void startRejoin(User &user);
    void rejoinTick();
    void sendHandoffMessage(User &user, qint64 seq, const QString &token);

    EngineOptions m_options;
    Endpoint m_balancer;
    QHash<QString, Endpoint> m_backends; // bA → resolved address
    int m_epoll = -1;
    QSocketNotifier *m_notifier = nullptr;
    std::vector<std::unique_ptr<User>> m_users;
    std::vector<Room> m_rooms;
    std::vector<char> m_readBuffer;

    // Setup
    size_t m_nextToStart = 0;
    qint64 m_started = 0;
    qint64 m_setupStartNs = 0;
    qint64 m_inSetup = 0, m_joined = 0, m_failed = 0, m_connected = 0, m_disconnects = 0;
    qint64 m_left = 0;
    qint64 m_firstStartNs = 0, m_lastJoinNs = 0;
    QTimer m_pumpTimer;
    int m_pumpTicks = 0;
    LatencySamples m_joinLatency;
    QMap<QString, qint64> m_failures;
    QMap<int, qint64> m_errorCodes;

    // Sending
    using Due = std::pair<qint64, int>; // (due time ns, user index)
    std::priority_queue<Due, std::vector<Due>, std::greater<Due>> m_schedule;
    qint64 m_intervalNs = 0;
    QTimer m_sendTimer;
    QTimer m_keepAliveTimer;
    int m_keepAliveSlot = 0;
    WindowCounters m_window;
    qint64 m_receivedEver = 0;
    qint64 m_framesSeen = 0;

    // Handoff scenario
    HandoffCounters m_handoff;
    QTimer m_rejoinTimer;
    int m_rejoinTicks = 0;
    bool m_stopping = false; // closeAll() ran: closes are ours, no reconnect
    qint64 m_killNs = 0;     // failover: when the server was killed; 0 = not (yet)
};

} // namespace ic::load
