#pragma once
// Helpers of the robustness suites (tests/integration/robustness): raw HTTP exchanges, hand-made
// WebSocket frames (including invalid ones the shared encoder refuses to produce), a bystander
// client that chats in its own room for the whole suite, and /proc readings of a server.

// Under AddressSanitizer RSS says nothing (quarantine, shadow memory): tests assert RSS bounds
// in normal builds only (#ifndef IC_SANITIZED) and print the figures in both.
#if defined(__SANITIZE_ADDRESS__)
#define IC_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IC_SANITIZED 1
#endif
#endif

#include "TestSupport.h"

#include "protocol/Codes.h"
#include "protocol/ServerFrame.h"
#include "session/SessionCookie.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QProcess>
#include <QRandomGenerator>
#include <QTcpSocket>
#include <QTimer>
#include <memory>

namespace ic::testing::robust {

inline const QByteArray origin = "http://localhost:8080";

// instantchat-server with the given flags (origin of the tests allowed, 2 workers so a
// misbehaving room thread cannot hide behind a single one).
inline std::unique_ptr<TestProcess> startServer(const QStringList &extra)
{
    QStringList arguments{QStringLiteral("--allowed-origins"), QString::fromLatin1(origin),
                          QStringLiteral("--workers"), QStringLiteral("2")};
    arguments << extra;
    auto server = std::make_unique<TestProcess>(QStringLiteral("instantchat-server"), arguments);
    if (!server->start()) {
        qWarning("%s", qPrintable(server->errorString()));
        return nullptr;
    }
    return server;
}

// The `--help` text of a program in build/bin: limits docs/limits.md names are looked up here, so
// a test can say precisely which flag is missing instead of failing at startup.
inline QString helpText(const QString &program)
{
    QProcess process;
    process.start(QDir(binDir()).filePath(program), {QStringLiteral("--help")});
    process.waitForFinished(10000);
    return QString::fromUtf8(process.readAllStandardOutput() + process.readAllStandardError());
}

// ---------------------------------------------------------------------------------------------
// One raw HTTP exchange on a fresh TCP connection: `request` is sent byte for byte, the answer is
// read until its Content-Length is complete or the server closes (or timeoutMs).
struct RawHttp
{
    int status = -1; // -1: no status line
    QByteArray head;
    QByteArray body;
    bool closedByServer = false;
};

// `source`: the local address to send from (e.g. 127.0.0.2, to be another client on loopback).
inline RawHttp rawHttp(quint16 port, const QByteArray &request, int timeoutMs = 8000,
                       const QString &source = {})
{
    RawHttp result;
    QTcpSocket socket;
    if (!source.isEmpty() && !socket.bind(QHostAddress(source), 0))
        return result;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!waitUntil([&] { return socket.state() == QAbstractSocket::ConnectedState; }, 5000))
        return result;
    socket.write(request);
    QByteArray data;
    qsizetype headEnd = -1;
    qsizetype length = -1;
    auto complete = [&] {
        data += socket.readAll();
        if (socket.state() != QAbstractSocket::ConnectedState) {
            result.closedByServer = true;
            data += socket.readAll();
            return true;
        }
        if (headEnd < 0) {
            headEnd = data.indexOf("\r\n\r\n");
            if (headEnd < 0)
                return false;
            headEnd += 4;
            for (const QByteArray &line : data.left(headEnd).split('\n'))
                if (line.toLower().startsWith("content-length:"))
                    length = line.mid(15).trimmed().toLongLong();
        }
        return length >= 0 && data.size() - headEnd >= length;
    };
    waitUntil(complete, timeoutMs);
    headEnd = data.indexOf("\r\n\r\n");
    result.head = headEnd >= 0 ? data.left(headEnd) : data;
    result.body = headEnd >= 0 ? data.mid(headEnd + 4) : QByteArray();
    const QList<QByteArray> statusLine = result.head.left(result.head.indexOf("\r\n")).split(' ');
    if (statusLine.size() >= 2 && statusLine.at(0).startsWith("HTTP/"))
        result.status = statusLine.at(1).toInt();
    socket.abort();
    return result;
}

inline QByteArray get(const QByteArray &target, quint16 port, const QByteArray &extra = {})
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + QByteArray::number(port) +
           "\r\nConnection: close\r\n" + extra + "\r\n";
}

// ---------------------------------------------------------------------------------------------
// A WebSocket frame built by hand. `first` is the first header byte (FIN, RSV1-3, opcode);
// masked frames get a random key. `declaredLength` < 0: the payload's real length.
inline QByteArray rawFrame(quint8 first, QByteArrayView payload, bool masked = true,
                           qint64 declaredLength = -1)
{
    QByteArray out;
    out.append(char(first));
    const quint64 length = declaredLength < 0 ? quint64(payload.size()) : quint64(declaredLength);
    const quint8 maskBit = masked ? 0x80 : 0;
    if (length < 126) {
        out.append(char(maskBit | length));
    } else if (length <= 0xFFFF) {
        out.append(char(maskBit | 126));
        out.append(char(length >> 8)).append(char(length & 0xFF));
    } else {
        out.append(char(maskBit | 127));
        for (int shift = 56; shift >= 0; shift -= 8)
            out.append(char((length >> shift) & 0xFF));
    }
    if (!masked)
        return out + payload.toByteArray();
    quint8 key[4];
    for (quint8 &b : key)
        b = quint8(QRandomGenerator::global()->bounded(256));
    out.append(reinterpret_cast<const char *>(key), 4);
    for (qsizetype i = 0; i < payload.size(); ++i)
        out.append(char(quint8(payload[i]) ^ key[i % 4]));
    return out;
}

// ---------------------------------------------------------------------------------------------
// /proc figures of a process (Linux).
inline qint64 rssKiB(qint64 pid)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

inline int openFds(qint64 pid)
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    if (!fds.exists())
        return -1;
    return int(fds.entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System).size());
}

// ---------------------------------------------------------------------------------------------
// A client in its own room that sends a numbered text every `intervalMs` while the event loop
// runs (every wait of the test support spins it), and records what it receives. check() proves
// it noticed nothing: each of its messages came back exactly once, in order, with consecutive
// ids, every request got RP, and no frame other than its own TM/RP arrived after its join.
class Bystander : public QObject
{
public:
    Bystander(const TestProcess &server, const QString &room, int intervalMs, QObject *parent)
        : QObject(parent), m_room(room)
    {
        client::ChatClient::Options options =
            serverClientOptions(server, session::createCookieValue(), QString::fromLatin1(origin));
        options.keepAliveMs = 5000;
        m_client = new client::ChatClient(options, this);
        m_frames = new FrameRecorder(m_client, this);
        connect(&m_timer, &QTimer::timeout, this, [this] {
            if (m_client->state() != client::ChatClient::State::Connected)
                return; // would be counted as a gap by check(): sent stays ahead of received
            m_requests << m_client->sendText(m_room, QStringLiteral("bystander-%1").arg(m_sent));
            ++m_sent;
        });
        m_timer.setInterval(intervalMs);
    }

    // Connects, joins and starts chatting; false when any step failed.
    bool start()
    {
        m_client->open();
        if (!waitUntil([this] { return m_client->state() == client::ChatClient::State::Connected; },
                       10000))
            return false;
        const QString rq = m_client->createAndJoin(m_room);
        const std::optional<proto::ServerFrame> reply = m_frames->waitForReply(rq, 15000);
        if (!reply || reply->kind() != proto::Command::Reply)
            return false;
        m_afterJoin = m_frames->size();
        m_timer.start();
        return true;
    }

    // Stops sending and waits for every reply; returns an empty string when all was well, else
    // what went wrong.
    QString stopAndCheck(int timeoutMs = 20000)
    {
        m_timer.stop();
        const int expected = m_sent;
        waitUntil(
            [&] {
                return m_frames->count(proto::Command::TextMessage) >= expected &&
                       m_frames->count(FrameRecorder::is(proto::Command::Reply)) >= expected + 1;
            },
            timeoutMs);
        if (m_client->state() != client::ChatClient::State::Connected)
            return QStringLiteral("the bystander lost its connection");
        qint64 previousId = 0;
        int next = 0;
        int replies = 0;
        const QList<proto::ServerFrame> &all = m_frames->frames();
        for (qsizetype i = m_afterJoin; i < all.size(); ++i) {
            const proto::ServerFrame &frame = all.at(i);
            if (frame.kind() == proto::Command::Reply) {
                ++replies;
                continue;
            }
            if (frame.kind() != proto::Command::TextMessage || !frame.messages ||
                frame.messages->size() != 1)
                return QStringLiteral("unexpected frame %1")
                    .arg(QString::fromUtf8(proto::encodeServerFrame(frame)));
            const proto::WireMessage &message = frame.messages->first();
            const QString want = QStringLiteral("bystander-%1").arg(next);
            if (message.text.value_or(QString()) != want)
                return QStringLiteral("message %1 arrived where %2 was due")
                    .arg(message.text.value_or(QString()), want);
            if (message.id.value_or(-1) != previousId + 1)
                return QStringLiteral("id gap: %1 after %2")
                    .arg(message.id.value_or(-1))
                    .arg(previousId);
            previousId = *message.id;
            ++next;
        }
        if (next != expected)
            return QStringLiteral("%1 of %2 messages came back").arg(next).arg(expected);
        if (replies != expected)
            return QStringLiteral("%1 RP for %2 requests").arg(replies).arg(expected);
        return {};
    }

    int sent() const { return m_sent; }

private:
    QString m_room;
    client::ChatClient *m_client = nullptr;
    FrameRecorder *m_frames = nullptr;
    QTimer m_timer;
    QStringList m_requests;
    int m_sent = 0;
    qsizetype m_afterJoin = 0;
};

} // namespace ic::testing::robust
