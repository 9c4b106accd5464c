#pragma once
// Support for the integration tests (static library `instantchat-test-support`): start the real
// programs on ephemeral loopback ports, make blocking-for-tests HTTP calls, speak raw WebSocket
// for handshake-level tests, and record what a ChatClient receives.
//
// Everything here spins a local event loop while it waits, so the other sockets and processes
// of a test keep working; none of it may be called from inside a slot that must return quickly.

#include "client/ChatClient.h"
#include "net/WebSocketFrame.h"
#include "protocol/ServerFrame.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPair>
#include <QProcess>
#include <QStringList>
#include <QTcpSocket>
#include <QUrl>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace ic::testing {

using Headers = QList<QPair<QByteArray, QByteArray>>;

// build/bin of the build tree the tests belong to (compile definition INSTANTCHAT_BIN_DIR).
QString binDir();

// Runs the event loop until `condition` holds or `timeoutMs` passes; true when it held.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs = 5000);
// Runs the event loop for `ms` (to prove that something does NOT happen).
void settle(int ms);

// ---------------------------------------------------------------------------------------------
// A program from build/bin, started with `--port 0 --bind 127.0.0.1` unless the arguments name
// --port / --bind themselves. start() waits for `listening on <addr>:<port>` on stderr.
class TestProcess : public QObject
{
    Q_OBJECT
public:
    explicit TestProcess(const QString &program, const QStringList &arguments = {},
                         QObject *parent = nullptr);
    ~TestProcess() override; // kills the process if it still runs

    // Extra environment (KEY=VALUE) for the child; call before start().
    void setEnvironment(const QStringList &keyValues);

    bool start(int timeoutMs = 15000); // false: errorString() says why (output included)
    QString errorString() const { return m_error; }

    quint16 port() const { return m_port; }
    QString address() const { return m_address; }                  // as printed, e.g. 127.0.0.1
    QString hostPort() const;                                      // "127.0.0.1:12345"
    QUrl httpUrl(const QString &path = QStringLiteral("/")) const; // http://addr:port<path>
    QUrl wsUrl(const QString &path = QStringLiteral("/ws_entry")) const;
    qint64 pid() const;
    bool isRunning() const;

    // SIGTERM, then wait up to timeoutMs; returns the exit code, or -1 when it crashed or had to
    // be killed after the timeout.
    int terminate(int timeoutMs = 10000);
    void kill();
    // Waits for the process to end by itself; the exit code, or -1 on crash/timeout.
    int waitForExit(int timeoutMs);

    QByteArray standardError() const { return m_stderr; } // everything captured so far
    QByteArray standardOutput() const { return m_stdout; }
    QByteArray output() const { return m_stdout + m_stderr; }
    // Waits until stdout or stderr contains `needle`.
    bool waitForOutput(const QByteArray &needle, int timeoutMs = 5000);

    QProcess *process() { return &m_process; }

private:
    void readOutput();

    QProcess m_process;
    QString m_program;
    QStringList m_arguments;
    QByteArray m_stdout;
    QByteArray m_stderr;
    QString m_address;
    quint16 m_port = 0;
    QString m_error;
};

// ---------------------------------------------------------------------------------------------
// Blocking-for-tests HTTP (a fresh QNetworkAccessManager and a local event loop per call).
struct HttpResult
{
    int status = 0;  // 0: no HTTP answer (see error)
    Headers headers; // raw response headers, names as received
    QByteArray body;
    QString error; // network error text, empty when the server answered
    bool timedOut = false;

    QByteArray header(QByteArrayView name) const; // first header of that name (case-insensitive)
    QList<QByteArray> headerValues(QByteArrayView name) const;
};

HttpResult httpGet(const QUrl &url, const Headers &headers = {}, int timeoutMs = 10000);
HttpResult httpPost(const QUrl &url, const QByteArray &body,
                    const QByteArray &contentType = "application/x-www-form-urlencoded",
                    const Headers &headers = {}, int timeoutMs = 10000);

// `Cookie: session=<value>` as a header pair.
QPair<QByteArray, QByteArray> cookieHeader(const QByteArray &sessionValue);

// ---------------------------------------------------------------------------------------------
// A WebSocket client at the byte level, for what ChatClient cannot do on purpose: exact
// handshakes, a first frame that is not the init frame, frames of any size and opcode, a
// socket that never reads.
class RawSocket : public QObject
{
    Q_OBJECT
public:
    explicit RawSocket(QObject *parent = nullptr);

    bool connectTo(quint16 port, const QString &host = QStringLiteral("127.0.0.1"),
                   int timeoutMs = 5000);

    struct Handshake
    {
        QByteArray path = "/ws_entry";
        std::optional<QByteArray> cookie; // session value; nullopt: no Cookie header
        std::optional<QByteArray> origin = QByteArray("http://localhost:8080"); // nullopt: none
        Headers extraHeaders;
        QByteArray host; // empty: 127.0.0.1:<port>
        QByteArray key;  // Sec-WebSocket-Key; empty: a random one
    };
    // Sends the upgrade request and reads the response head (and, for a refusal, whatever body
    // arrives before the connection closes or timeoutMs). Returns the status code (101 when the
    // upgrade succeeded), or -1 when no status line arrived.
    int handshake(const Handshake &request, int timeoutMs = 5000);
    // handshake() with the given cookie and origin, then (when 101) the init frame as given
    // (null: none). True when the upgrade succeeded.
    bool open(quint16 port, const QByteArray &cookie,
              const QByteArray &origin = "http://localhost:8080",
              const std::optional<QByteArray> &initFrame = QByteArray(R"({"p":"cp"})"),
              int timeoutMs = 5000);

    int status() const { return m_status; }
    QByteArray responseHead() const { return m_responseHead; } // status line + headers
    QByteArray responseBody() const { return m_responseBody; } // body of a refusal

    // Client frames, masked as RFC 6455 requires.
    void sendText(QByteArrayView text);
    void sendBinary(QByteArrayView data);
    void sendFrame(ws::Opcode opcode, QByteArrayView payload);
    void sendClose(quint16 code = ws::CloseNormal, QByteArrayView reason = {});
    void sendRaw(QByteArrayView bytes); // anything, unframed

    // Next message from the server (data or control) within timeoutMs. Pings are answered with
    // pongs automatically (setAutoPong) and still returned.
    std::optional<ws::Message> nextMessage(int timeoutMs = 5000);
    // Next text/binary message decoded as a server frame, skipping control frames; nullopt on
    // timeout, close or a frame that does not decode (see lastUndecodable()).
    std::optional<proto::ServerFrame> nextFrame(int timeoutMs = 5000);
    // Skips frames until one satisfies `predicate`; nullopt on timeout/close.
    std::optional<proto::ServerFrame>
    waitForFrame(const std::function<bool(const proto::ServerFrame &)> &predicate,
                 int timeoutMs = 5000);
    QByteArray lastUndecodable() const { return m_lastUndecodable; }

    // True once the TCP connection is gone (waits up to timeoutMs for it).
    bool waitForDisconnected(int timeoutMs = 5000);
    bool isConnected() const;
    // The close frame the server sent, if one arrived (code, reason).
    std::optional<quint16> closeCode() const { return m_closeCode; }
    QByteArray closeReason() const { return m_closeReason; }
    bool closeFrameReceived() const { return m_closeCode.has_value(); }

    void setAutoPong(bool on) { m_autoPong = on; }
    // Stop reading from the kernel: the server's writes back up (slow-consumer tests).
    void stopReading();

    QTcpSocket *socket() { return m_socket; }

private:
    void onReadyRead();
    bool readHead(int timeoutMs);

    QTcpSocket *m_socket = nullptr;
    std::unique_ptr<ws::FrameParser> m_parser;
    bool m_upgraded = false;
    bool m_reading = true;
    bool m_autoPong = true;
    int m_status = -1;
    QByteArray m_buffer; // bytes before the upgrade completed
    QByteArray m_responseHead;
    QByteArray m_responseBody;
    std::optional<quint16> m_closeCode;
    QByteArray m_closeReason;
    QByteArray m_lastUndecodable;
    std::deque<ws::Message> m_pending; // received, not yet taken by nextMessage()
    quint16 m_port = 0;
};

// ---------------------------------------------------------------------------------------------
// Records every frame (and every requestFinished) of a ChatClient.
class FrameRecorder : public QObject
{
    Q_OBJECT
public:
    using Predicate = std::function<bool(const proto::ServerFrame &)>;

    explicit FrameRecorder(client::ChatClient *client, QObject *parent = nullptr);

    const QList<proto::ServerFrame> &frames() const { return m_frames; }
    QList<proto::ServerFrame> frames(proto::Command kind) const;
    qsizetype size() const { return m_frames.size(); }
    int count(const Predicate &predicate) const;
    int count(proto::Command kind) const;
    void clear()
    {
        m_frames.clear();
        m_replies.clear();
    }

    // Waits until a frame at index ≥ from satisfies predicate (frames already recorded count).
    bool waitFor(const Predicate &predicate, int timeoutMs = 5000, qsizetype from = 0);
    // The first frame at index ≥ from satisfying predicate, waiting up to timeoutMs.
    std::optional<proto::ServerFrame> waitForFrame(const Predicate &predicate, int timeoutMs = 5000,
                                                   qsizetype from = 0);
    // Index of the first frame ≥ from satisfying predicate, or -1.
    qsizetype indexOf(const Predicate &predicate, qsizetype from = 0) const;
    // The RP/ER answering requestId (via requestFinished), waiting up to timeoutMs (generous by
    // default: password joins hash slowly on purpose, and tests run in parallel).
    std::optional<proto::ServerFrame> waitForReply(const QString &requestId, int timeoutMs = 15000);
    // Until frames() holds at least n frames matching predicate.
    bool waitForCount(const Predicate &predicate, int n, int timeoutMs = 5000);

    // Predicates.
    static Predicate is(proto::Command kind);
    static Predicate isReplyTo(const QString &requestId); // RP or ER with that rq
    static Predicate isError(proto::ErrorCode code);

private:
    QList<proto::ServerFrame> m_frames;
    QHash<QString, proto::ServerFrame> m_replies;
};

// ---------------------------------------------------------------------------------------------
// A ChatClient straight to a server (no balancer): serverUrl = ws://<server>/ws_entry, the given
// cookie (a fresh one by default), Origin http://localhost:8080, no auto reconnect, no
// keep-alive noise within a test.
client::ChatClient::Options
serverClientOptions(const TestProcess &server, const QByteArray &cookie = {},
                    const QString &origin = QStringLiteral("http://localhost:8080"));
// Creates the client, opens it and waits for Connected; nullptr (with a warning) on failure.
// The client is owned by `parent`.
client::ChatClient *connectClient(const client::ChatClient::Options &options, QObject *parent,
                                  int timeoutMs = 5000);

} // namespace ic::testing
