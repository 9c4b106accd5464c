#include "transport/TlsTransport.h"

#include <QSslConfiguration>
#include <QSslSocket>

namespace ic::server {

TlsTransport::TlsTransport(TransportClient &client, std::atomic<qint64> &queuedGauge,
                           const QSslConfiguration &configuration, QObject *parent)
    : Transport(client, queuedGauge, parent), m_socket(new QSslSocket(this))
{
    m_socket->setSslConfiguration(configuration);
}

TlsTransport::~TlsTransport()
{
    m_queuedGauge.fetch_sub(m_queued, std::memory_order_relaxed);
}

bool TlsTransport::adopt(qintptr descriptor)
{
    if (!m_socket->setSocketDescriptor(descriptor))
        return false;
    m_socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(m_socket, &QIODevice::readyRead, this, &TlsTransport::onReadyRead);
    connect(m_socket, &QIODevice::bytesWritten, this, &TlsTransport::onBytesWritten);
    connect(m_socket, &QAbstractSocket::disconnected, this, &TlsTransport::onDisconnected);
    m_socket->startServerEncryption();
    return true;
}

QHostAddress TlsTransport::peerAddress() const
{
    return m_socket->peerAddress();
}

bool TlsTransport::write(const QByteArray &bytes)
{
    if (m_closed || bytes.isEmpty())
        return false;
    m_socket->write(bytes);
    m_queued += bytes.size();
    m_queuedGauge.fetch_add(bytes.size(), std::memory_order_relaxed);
    return false;
}

void TlsTransport::onReadyRead()
{
    if (m_closed)
        return;
    const QByteArray data = m_socket->readAll();
    if (!data.isEmpty())
        m_client.transportReceived(data);
}

void TlsTransport::onBytesWritten(qint64 bytes)
{
    const qint64 settled = std::min(bytes, m_queued);
    m_queued -= settled;
    m_queuedGauge.fetch_sub(settled, std::memory_order_relaxed);
    if (m_queued == 0 && settled > 0 && !m_closed)
        m_client.transportDrained();
}

void TlsTransport::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    m_client.transportClosed();
}

void TlsTransport::close()
{
    m_socket->disconnectFromHost();
}

void TlsTransport::abort()
{
    m_socket->abort();
    onDisconnected(); // abort() does not always signal (e.g. before the handshake finished)
}

void TlsTransport::resume()
{
    // Bytes may have arrived while the socket was between threads.
    if (m_socket->bytesAvailable() > 0)
        onReadyRead();
    if (m_socket->state() != QAbstractSocket::ConnectedState)
        onDisconnected();
}

} // namespace ic::server
