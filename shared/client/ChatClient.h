#pragma once
// A client connection to instantchat, for the desktop app, the load tester and the tests:
// cookie (GET /), /pick_backend, WebSocket with cookie and Origin, init frame, every command
// with a request id and one completion signal per request, keep-alive, reconnect with capped
// exponential backoff and jitter, clean shutdown. Rooms joined before are joined again with
// join-only (R_J), the same session and name: a room that is gone is reported
// (rejoinRefused), never re-created behind the user's back. A close 1012 ("the room moved or
// the server restarts") is followed by a reconnect within 0–300 ms.

#include "protocol/ClientFrame.h"
#include "protocol/ServerFrame.h"

#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QTimer>
#include <QUrl>
#include <functional>
#include <optional>
#include <utility>

class QNetworkAccessManager;
class QNetworkReply;
class QWebSocket;

namespace ic::client {

class ChatClient : public QObject
{
    Q_OBJECT
public:
    enum class State {
        Disconnected, // not connected and not trying
        Resolving,    // fetching the cookie and the room's server
        Connecting,   // WebSocket handshake under way
        Connected,    // init frame sent; commands can be sent
        Waiting,      // connection lost, next attempt scheduled (see reconnectIn())
    };
    Q_ENUM(State)

    struct Options
    {
        QUrl balancerUrl{QStringLiteral("http://localhost:8080")};
        // Connect straight to this WebSocket URL (ws://host:port/ws_entry) instead of asking
        // /pick_backend; the cookie still comes from the balancer unless sessionCookie is set.
        QUrl serverUrl;
        QString origin;           // Origin header; default: the balancer URL's origin
        QByteArray sessionCookie; // value of the `session` cookie; empty: fetched from GET /
        QString platform = QStringLiteral("cp");
        int protocolVersion = 1; // 2 opts in to extensions (`pv`)
        int keepAliveMs = 5000;
        bool autoReconnect = true;
        int reconnectMinMs = 500;
        int reconnectMaxMs = 30000;
        // Text and drawing messages that got no RP before the connection dropped are sent again
        // (once, same request id) right after the rejoin instead of failing with ER 102; one
        // that got its RP is never sent again.
        bool resendUnacknowledged = false;
    };

    explicit ChatClient(Options options, QObject *parent = nullptr);
    ~ChatClient() override;

    // Resolves the cookie and the server that holds `roomName` (canonicalised), then connects.
    // With Options::serverUrl set, roomName may be empty.
    void open(const QString &roomName = {});
    // Closes with a normal close frame; no reconnect follows.
    void close();

    State state() const { return m_state; }
    QByteArray sessionCookie() const { return m_options.sessionCookie; }
    QUrl webSocketUrl() const { return m_webSocketUrl; }
    int reconnectIn() const; // ms until the next attempt while Waiting, else -1
    void reconnectNow();     // skip the wait

    // Commands. Each returns its request id; requestFinished() follows with the RP or ER.
    // Texts are given plain and URL-encoded here, as every v1 client does.
    QString createAndJoin(const QString &room, const QString &password = {},
                          const QString &userName = {}); // R_C_J
    QString authorise(const QString &room, const QString &password = {},
                      const QString &userName = {}); // R_C_J_AU
    QString create(const QString &room, const QString &password = {},
                   const QString &userName = {}); // R_C
    QString join(const QString &room, const QString &password = {},
                 const QString &userName = {}); // R_J
    QString sendText(const QString &room, const QString &text,
                     const std::optional<QString> &replyUser = {},
                     const std::optional<qint64> &replyMessage = {}); // TM
    QString sendDrawing(const QString &room, const QString &fileName,
                        const QString &groupPrefix); // DM
    QString editText(const QString &room, qint64 id, const QString &text,
                     const std::optional<QString> &replyUser = {},
                     const std::optional<qint64> &replyMessage = {});    // TM_E
    QString deleteMessage(const QString &room, qint64 id);               // TM_D
    QString vote(const QString &room, qint64 id, bool support);          // TM_S_R
    QString rename(const QString &room, const QString &userName);        // R_CH_UN
    QString changeDescription(const QString &room, const QString &text); // R_CH_D
    // pv >= 2: "I am typing" (TY) for a joined room. No request id and no answer; the server
    // passes on at most one every few seconds, so callers may send it on every key press
    // (this client itself sends at most one a second). False when not sent.
    bool sendTyping(const QString &room);

    // The member list (R_M_CH) of the room this connection joined last, kept up to date with
    // member deltas for pv >= 2; a delta that skips a version makes this client ask for the full
    // list (R_M_G) and ignore deltas until it arrives. Member frames name no room, so a
    // connection in several rooms cannot tell their lists apart (as in v1).
    const QList<proto::WireUser> &members() const { return m_members; }
    qint64 memberVersion() const { return m_memberVersion; } // -1: no versioned list yet
    int fullListRequests() const { return m_fullListRequests; }

    // Any frame; a request id is assigned when the frame has none. Returns the request id.
    QString send(proto::ClientFrame frame);
    // Raw text frame, exactly as given (tests of bad input).
    void sendRawText(const QByteArray &text);
    void sendRawBinary(const QByteArray &data);

    // Plain HTTP helpers against the balancer (drawings, §10). Results arrive as signals.
    void uploadDrawing(const QString &fileName, const QString &groupPrefix, const QByteArray &png);
    void fetchDrawing(const QString &fileName, const QString &groupPrefix);

signals:
    void stateChanged(ic::client::ChatClient::State state);
    void connected(); // after every (re)connect, init frame sent
    void disconnected(int closeCode, const QString &reason);
    void frameReceived(const ic::proto::ServerFrame &frame);
    // The RP or ER that answers a request.
    void requestFinished(const QString &requestId, const ic::proto::ServerFrame &reply);
    // /pick_backend answered with an error (e.g. room name invalid, no server).
    void pickFailed(const QString &error, const QStringList &alternatives);
    void httpFailed(const QString &what, int status, const QString &sentence);
    void drawingUploaded(const QString &fileName, const QString &groupPrefix);
    void drawingFetched(const QString &fileName, const QString &groupPrefix, const QByteArray &png);
    // A full member list replaced members().
    void membersReset();
    // A member delta changed one entry of members(); `action` is an R_M_D `mA` code.
    void memberChanged(const ic::proto::WireUser &user, const QString &action);
    // Another member (by user id) is typing (TY); show it for a few seconds.
    void typing(const QString &userId);
    // The server refused the automatic rejoin of `room` (canonical) after a reconnect; `reply`
    // is its ER (202: the room is gone). The room is no longer rejoined.
    void rejoinRefused(const QString &room, const ic::proto::ServerFrame &reply);

private:
    // Implementation detail; see ChatClient.cpp.
    void setState(State state);
    void resolveCookie();
    void pickBackend();
    void connectWebSocket();
    // closeCode 1012: at once (0–300 ms jitter, no backoff growth); otherwise backoff.
    void scheduleReconnect(int closeCode = 0);
    void onTextMessage(const QString &text);
    void onMemberFrame(const proto::ServerFrame &frame);
    void onSocketDisconnected();
    void rejoinRooms();
    QString nextRequestId();
    QString sendRoomCommand(proto::Command command, const QString &room, const QString &password,
                            const QString &userName);
    void startAttempt(); // cookie → backend → WebSocket, whichever steps are still needed
    void tearDown();     // drop the current attempt without signals for it
    // Synthetic ER 102 for requests the server can no longer answer; with keepResendable,
    // unacknowledged messages not resent before go back to the outbox instead.
    void failInFlight(bool keepResendable = false);
    void failOutbox(); // ER 102 for queued resends that will now never go out
    void fetchCookie(std::function<void(bool ok)> done);
    void withCookie(std::function<void()> action);

    Options m_options;
    QString m_roomName;
    QUrl m_webSocketUrl;
    State m_state = State::Disconnected;
    QNetworkAccessManager *m_http = nullptr;
    QWebSocket *m_socket = nullptr;
    QTimer m_keepAlive;
    QTimer m_reconnectTimer;
    int m_attempt = 0;
    quint64 m_requestCounter = 0;
    bool m_closing = false;
    // Rooms this client joined (name → password, name), joined again after a reconnect.
    struct JoinedRoom
    {
        QString password;
        QString userName;
    };
    QHash<QString, JoinedRoom> m_joinedRooms;
    struct PendingJoin
    {
        QString room; // canonical
        QString password;
        QString userName;
        bool rejoin = false;
    };
    QHash<QString, PendingJoin> m_pendingJoins;                   // request id → join
    QHash<QString, std::pair<QString, QString>> m_pendingRenames; // request id → (room, name)
    QSet<QString> m_inFlight;                                     // sent, not yet answered
    QList<std::pair<QString, QByteArray>> m_outbox;               // commands given before Connected
    // TM/DM sent and not answered yet (request id, frame), in send order: resent once after a
    // reconnect when resendUnacknowledged is set.
    QList<std::pair<QString, QByteArray>> m_unacknowledged;
    QSet<QString> m_resent;                // request ids already queued or sent a second time
    QPointer<QNetworkReply> m_pendingHttp; // cookie or /pick_backend call under way
    QString m_requestPrefix;
    bool m_replaced = false;      // got ER 209: another connection of this session took over
    bool m_everConnected = false; // since open(): decides whether a refused pick is retried
    QList<proto::WireUser> m_members;
    qint64 m_memberVersion = -1;
    QString m_memberRoom;            // room of the last accepted join: where R_M_G goes
    bool m_awaitingFullList = false; // R_M_G sent: deltas are ignored until R_M_CH
    int m_fullListRequests = 0;
    qint64 m_lastTypingMs = 0;
};

} // namespace ic::client
