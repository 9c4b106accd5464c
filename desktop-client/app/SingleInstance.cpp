#include "SingleInstance.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>

#include <unistd.h>

namespace ic::desktop {

namespace {
// A request is one line of JSON (an array of strings); anything longer is not ours.
constexpr qint64 maxRequestBytes = 64 * 1024;
} // namespace

SingleInstance::SingleInstance(const QString &profile, QObject *parent) : QObject(parent)
{
    const QByteArray key = profile.toUtf8() + '\n' + QByteArray::number(qulonglong(getuid()));
    m_name = QStringLiteral("instantchat-desktop-") +
             QString::fromLatin1(
                 QCryptographicHash::hash(key, QCryptographicHash::Sha256).toHex().left(24));
}

SingleInstance::~SingleInstance() = default;

bool SingleInstance::handOver(const QStringList &rooms, int timeoutMs) const
{
    QLocalSocket socket;
    socket.connectToServer(m_name);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    socket.write(QJsonDocument(QJsonArray::fromStringList(rooms)).toJson(QJsonDocument::Compact) +
                 '\n');
    if (!socket.waitForBytesWritten(timeoutMs))
        return false;
    // The running app answers once it has taken the rooms; a hung one does not count.
    while (!socket.canReadLine()) {
        if (!socket.waitForReadyRead(timeoutMs))
            return false;
    }
    return socket.readLine().trimmed() == "ok";
}

bool SingleInstance::listen()
{
    m_server = new QLocalServer(this);
    m_server->setSocketOptions(QLocalServer::UserAccessOption);
    connect(m_server, &QLocalServer::newConnection, this, &SingleInstance::accept);
    if (m_server->listen(m_name))
        return true;
    // A socket left by an app that crashed: nobody answered handOver(), so it is stale.
    QLocalServer::removeServer(m_name);
    return m_server->listen(m_name);
}

void SingleInstance::accept()
{
    while (QLocalSocket *socket = m_server->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (!socket->canReadLine()) {
                if (socket->bytesAvailable() > maxRequestBytes)
                    socket->abort();
                return;
            }
            const QJsonDocument request = QJsonDocument::fromJson(socket->readLine(maxRequestBytes));
            if (!request.isArray()) {
                socket->abort();
                return;
            }
            QStringList rooms;
            for (const QJsonValue &room : request.array())
                if (room.isString())
                    rooms << room.toString();
            socket->write("ok\n");
            socket->disconnectFromServer();
            emit roomsRequested(rooms);
        });
    }
}

} // namespace ic::desktop
