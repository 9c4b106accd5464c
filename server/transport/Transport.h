#pragma once
// The byte transport under a Connection: plain TCP straight on its descriptor (PlainTransport)
// or TLS through QSslSocket (TlsTransport). A Connection only sees bytes in, bytes out and the
// end of the stream, so the protocol code does not care which one carries it.

#include <QByteArray>
#include <QByteArrayView>
#include <QHostAddress>
#include <QObject>

#include <atomic>

namespace ic::server {

// Told by its transport, on the transport's thread, synchronously.
class TransportClient
{
public:
    virtual ~TransportClient() = default;
    // The bytes are only valid during the call.
    virtual void transportReceived(QByteArrayView bytes) = 0;
    // The stream ended (peer closed, error, close() or abort()); told once.
    virtual void transportClosed() = 0;
    // Everything queued has been taken by the kernel after some of it had to wait (the peer
    // reads again): work paused for a peer that did not read can go on.
    virtual void transportDrained() {}
};

class Transport : public QObject
{
public:
    // `queuedGauge` counts the bytes this transport holds that the kernel has not taken yet.
    Transport(TransportClient &client, std::atomic<qint64> &queuedGauge, QObject *parent)
        : QObject(parent), m_client(client), m_queuedGauge(queuedGauge)
    {
    }

    // Takes over an accepted socket; false when it is unusable.
    virtual bool adopt(qintptr descriptor) = 0;
    virtual QHostAddress peerAddress() const = 0;
    // Queues bytes. True when they wait for flush() (the caller schedules one); false when the
    // transport sends on its own.
    virtual bool write(const QByteArray &bytes) = 0;
    virtual void flush() = 0;
    // Written and not yet taken by the kernel.
    virtual qint64 queuedBytes() const = 0;
    // Closes once everything written has been sent.
    virtual void close() = 0;
    // Closes now, dropping what is queued.
    virtual void abort() = 0;
    // Half-close for a lingering close: flushes and shuts the write side. False when that is not
    // possible now (bytes still queued, or TLS), and the caller closes instead.
    virtual bool shutdownWrite() = 0;
    // Around a move to another thread: stop watching the socket on the old thread; on the new
    // one watch it again and hand over what arrived meanwhile.
    virtual void suspend() = 0;
    virtual void resume() = 0;

protected:
    TransportClient &m_client;
    std::atomic<qint64> &m_queuedGauge;
};

} // namespace ic::server
