#pragma once
// TLS through QSslSocket (the --tls-cert/--tls-key listener). Qt encrypts and buffers; writes go
// to the socket at once, as record boundaries are Qt's business there.

#include "transport/Transport.h"

class QSslSocket;
class QSslConfiguration;

namespace ic::server {

class TlsTransport final : public Transport
{
public:
    TlsTransport(TransportClient &client, std::atomic<qint64> &queuedGauge,
                 const QSslConfiguration &configuration, QObject *parent);
    ~TlsTransport() override;

    bool adopt(qintptr descriptor) override;
    QHostAddress peerAddress() const override;
    bool write(const QByteArray &bytes) override;
    void flush() override {}
    qint64 queuedBytes() const override { return m_queued; }
    void close() override;
    void abort() override;
    bool shutdownWrite() override { return false; }
    void suspend() override {} // QSslSocket's notifiers follow it to the new thread
    void resume() override;

private:
    void onReadyRead();
    void onBytesWritten(qint64 bytes);
    void onDisconnected();

    QSslSocket *m_socket; // owned (child)
    qint64 m_queued = 0;
    bool m_closed = false;
};

} // namespace ic::server
