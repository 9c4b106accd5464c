#pragma once
// Shared helpers of the server integration tests: one real instantchat-server per test case
// (own process, ephemeral port), clients connected straight to it, and joins that wait for the
// complete reply sequence.

#include "TestSupport.h"

#include "protocol/Codes.h"
#include "session/SessionCookie.h"
#include "validation/UrlEncoding.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <memory>

namespace ic::testing {

using client::ChatClient;
using proto::Command;
using proto::ErrorCode;
using proto::ServerFrame;

inline const QString testOrigin = QStringLiteral("http://localhost:8080");

// The server with the flags every protocol test wants (rate limits off: tests send fast), plus
// `extra`. Short idle/lifetime values are given per test where they matter.
inline std::unique_ptr<TestProcess> startServer(const QStringList &extra = {})
{
    QStringList arguments{QStringLiteral("--allowed-origins"), testOrigin,
                          QStringLiteral("--rate-limits"),     QStringLiteral("off"),
                          QStringLiteral("--workers"),         QStringLiteral("2")};
    arguments << extra;
    auto server = std::make_unique<TestProcess>(QStringLiteral("instantchat-server"), arguments);
    if (!server->start()) {
        qWarning("%s", qPrintable(server->errorString()));
        return nullptr;
    }
    return server;
}

// A connected client with its recorder; both owned by `owner` (the test object deletes them at
// cleanup()).
struct Peer
{
    ChatClient *client = nullptr;
    FrameRecorder *frames = nullptr;
    QByteArray cookie;

    explicit operator bool() const { return client != nullptr; }
    // Waits for the RP/ER of a request. 15 s: joins with a password run a deliberately slow
    // hash, which takes seconds when ctest -j runs several servers on a busy machine.
    std::optional<ServerFrame> reply(const QString &requestId, int timeoutMs = 15000) const
    {
        return frames->waitForReply(requestId, timeoutMs);
    }
};

inline Peer connectPeer(const TestProcess &server, QObject *owner, QByteArray cookie = {},
                        int protocolVersion = 1)
{
    Peer peer;
    peer.cookie = cookie.isEmpty() ? session::createCookieValue() : cookie;
    ChatClient::Options options = serverClientOptions(server, peer.cookie);
    options.protocolVersion = protocolVersion;
    // Created before opening so that no frame is missed.
    peer.client = new ChatClient(options, owner);
    peer.frames = new FrameRecorder(peer.client, owner);
    peer.client->open();
    if (!waitUntil([&] { return peer.client->state() == ChatClient::State::Connected; }, 10000)) {
        delete peer.client;
        peer.client = nullptr;
    }
    return peer;
}

inline bool isReply(const ServerFrame &frame)
{
    return frame.kind() == Command::Reply;
}

inline QString errorText(const std::optional<ServerFrame> &frame)
{
    if (!frame)
        return QStringLiteral("<no reply>");
    return QString::fromUtf8(proto::encodeServerFrame(*frame));
}

// The frame as JSON text, for failure messages. (QVERIFY2 evaluates its message even when the
// check passes, so the optional form must cope with "no frame".)
inline QByteArray dump(const ServerFrame &frame)
{
    return proto::encodeServerFrame(frame);
}
inline QByteArray dump(const std::optional<ServerFrame> &frame)
{
    return frame ? proto::encodeServerFrame(*frame) : QByteArray("<no frame>");
}

// The user entry `userId` of an R_M_CH frame.
inline std::optional<proto::WireUser> findUser(const ServerFrame &frame, const QString &userId)
{
    if (!frame.users)
        return std::nullopt;
    for (const proto::WireUser &user : *frame.users)
        if (user.id == userId)
            return user;
    return std::nullopt;
}

// Sum of every sample of metric `name` (all label sets) in a Prometheus text exposition;
// nullopt when no sample exists.
inline std::optional<double> metricValue(const QByteArray &exposition, const QString &name)
{
    std::optional<double> sum;
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith('#'))
            continue;
        const QString text = QString::fromUtf8(line);
        if (!text.startsWith(name))
            continue;
        const QChar next = text.size() > name.size() ? text.at(name.size()) : QChar();
        if (next != QLatin1Char(' ') && next != QLatin1Char('{'))
            continue; // a longer name with the same prefix
        bool ok = false;
        const double value = text.section(QLatin1Char(' '), -1).toDouble(&ok);
        if (ok)
            sum = sum.value_or(0) + value;
    }
    return sum;
}

inline QJsonObject jsonObject(const QByteArray &body)
{
    return QJsonDocument::fromJson(body).object();
}

} // namespace ic::testing

// QVERIFY-style checks of a reply. The argument is evaluated exactly once (it usually sends the
// request).
#define IC_VERIFY_RP(reply)                                                                        \
    do {                                                                                           \
        const std::optional<ic::proto::ServerFrame> icReply_ = (reply);                            \
        QVERIFY2(icReply_.has_value(), "no reply");                                                \
        QVERIFY2(icReply_->kind() == ic::proto::Command::Reply,                                    \
                 ic::testing::dump(icReply_).constData());                                         \
    } while (false)

// A reply that must be ER with `code`.
#define IC_VERIFY_ER(reply, code)                                                                  \
    do {                                                                                           \
        const std::optional<ic::proto::ServerFrame> icReply_ = (reply);                            \
        QVERIFY2(icReply_.has_value(), "no reply");                                                \
        QVERIFY2(icReply_->kind() == ic::proto::Command::Error,                                    \
                 ic::testing::dump(icReply_).constData());                                         \
        QCOMPARE(int(icReply_->errorCode()), int(code));                                           \
    } while (false)
