#pragma once
// Helpers of the balancer integration tests: start a balancer and servers (real processes),
// call the balancer over HTTP, read JSON answers.

#include "TestSupport.h"

#include "session/SessionCookie.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

namespace ic::testing {

inline std::unique_ptr<TestProcess> startBalancer(const QStringList &arguments,
                                                  const QStringList &environment = {})
{
    auto balancer =
        std::make_unique<TestProcess>(QStringLiteral("instantchat-balancer"), arguments);
    // Secrets must come only from what a test passes.
    balancer->setEnvironment(QStringList{QStringLiteral("INSTANTCHAT_ADMIN_PASSWORD="),
                                         QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")} +
                             environment);
    if (!balancer->start()) {
        qWarning("%s", qPrintable(balancer->errorString()));
        return nullptr;
    }
    return balancer;
}

// A server; with `balancerUrl` it registers itself (heartbeats) with the given token file.
inline std::unique_ptr<TestProcess> startRoomServer(const QString &balancerUrl = {},
                                                    const QString &tokenFile = {},
                                                    const QStringList &extra = {})
{
    QStringList arguments{
        QStringLiteral("--rate-limits"),     QStringLiteral("off"),
        QStringLiteral("--workers"),         QStringLiteral("1"),
        QStringLiteral("--allowed-origins"), QStringLiteral("http://localhost:8080")};
    if (!balancerUrl.isEmpty())
        arguments << QStringLiteral("--balancer") << balancerUrl;
    if (!tokenFile.isEmpty())
        arguments << QStringLiteral("--cluster-token-file") << tokenFile;
    arguments << extra;
    auto server = std::make_unique<TestProcess>(QStringLiteral("instantchat-server"), arguments);
    server->setEnvironment({QStringLiteral("INSTANTCHAT_CLUSTER_TOKEN=")});
    if (!server->start()) {
        qWarning("%s", qPrintable(server->errorString()));
        return nullptr;
    }
    return server;
}

inline QString writeFile(const QTemporaryDir &dir, const QString &name, const QByteArray &content)
{
    const QString path = dir.filePath(name);
    QDir().mkpath(QFileInfo(path).absolutePath());
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
        qFatal("cannot write %s", qPrintable(path));
    file.write(content);
    return path;
}

inline QJsonObject jsonObject(const HttpResult &result)
{
    return QJsonDocument::fromJson(result.body).object();
}

// GET /pick_backend?roomName=<room> (room percent-encoded), optionally with a Host header.
inline HttpResult pick(const TestProcess &balancer, const QString &room,
                       const QByteArray &host = {})
{
    QUrl url = balancer.httpUrl(QStringLiteral("/pick_backend"));
    url.setQuery(QStringLiteral("roomName=") + QString::fromLatin1(QUrl::toPercentEncoding(room)));
    Headers headers;
    if (!host.isEmpty())
        headers.append({"Host", host});
    return httpGet(url, headers);
}

// The port in a pick's bA ("host:port"); 0 when there is none.
inline quint16 pickedPort(const HttpResult &result)
{
    const QString address = jsonObject(result).value(QLatin1StringView("bA")).toString();
    return quint16(address.mid(address.lastIndexOf(u':') + 1).toUInt());
}

inline HttpResult balancerGet(const TestProcess &balancer, const QString &pathAndQuery,
                              const Headers &headers = {})
{
    return httpGet(QUrl(QStringLiteral("http://%1%2").arg(balancer.hostPort(), pathAndQuery),
                        QUrl::StrictMode),
                   headers);
}

// A POST with the cluster token `token` from the loopback address `local` (127.0.0.2: not the
// address a server registered from): the status line's code, or 0.
inline int postFromAddress(const TestProcess &balancer, const QString &local, const QString &path,
                           const QByteArray &body, const QByteArray &token)
{
    QTcpSocket socket;
    if (!socket.bind(QHostAddress(local), 0))
        return 0;
    socket.connectToHost(QHostAddress(balancer.address()), balancer.port());
    if (!socket.waitForConnected(5000))
        return 0;
    socket.write("POST " + path.toUtf8() + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" +
                 "Content-Type: application/json\r\nX-Instantchat-Token: " + token +
                 "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    QByteArray answer;
    waitUntil(
        [&] {
            answer += socket.readAll();
            return answer.contains("\r\n");
        },
        5000);
    return answer.startsWith("HTTP/1.1 ") ? answer.mid(9, 3).toInt() : 0;
}

// Sends raw bytes on a fresh connection and returns everything the peer sends until it closes
// (or timeoutMs): for requests QNetworkAccessManager would normalise (../ paths, huge headers).
inline QByteArray rawExchange(quint16 port, const QByteArray &bytes, int timeoutMs = 5000)
{
    QTcpSocket socket;
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    if (!socket.waitForConnected(timeoutMs))
        return {};
    socket.write(bytes);
    QByteArray answer;
    waitUntil(
        [&] {
            answer += socket.readAll();
            return socket.state() == QAbstractSocket::UnconnectedState ||
                   (answer.contains("\r\n\r\n") && answer.contains("Content-Length") &&
                    answer.size() >= answer.indexOf("\r\n\r\n") + 4 +
                                         answer.mid(answer.indexOf("Content-Length: ") + 16)
                                             .split('\r')
                                             .first()
                                             .toInt());
        },
        timeoutMs);
    answer += socket.readAll();
    return answer;
}

inline QByteArray basicAuth(const QByteArray &password)
{
    return "Basic " + ("admin:" + password).toBase64();
}

} // namespace ic::testing
