#pragma once
// Plain TCP on the descriptor itself, without QTcpSocket: reads go from the kernel straight into
// the parser (one recv() into a per-thread buffer, no per-socket read buffer, no FIONREAD), and
// frames written in one loop iteration leave together in one sendmsg(). Only what the kernel does
// not take is copied and held until the socket is writable again. This is the path of every
// plain connection, so its cost per socket (memory, system calls) is the server's cost per user.
// The socket is watched directly by the thread's EpollEventDispatcher (no QSocketNotifier), so a
// PlainTransport only works on the server's worker threads.

#include "transport/EpollEventDispatcher.h"
#include "transport/Transport.h"

#include <QPointer>
#include <QVarLengthArray>

namespace ic::server {

class PlainTransport final : public Transport, private DescriptorWatcher
{
public:
    PlainTransport(TransportClient &client, std::atomic<qint64> &queuedGauge, QObject *parent);
    ~PlainTransport() override;

    bool adopt(qintptr descriptor) override;
    QHostAddress peerAddress() const override;
    bool write(const QByteArray &bytes) override;
    void flush() override;
    qint64 queuedBytes() const override { return m_outboxBytes + m_held.size() - m_heldOffset; }
    void close() override;
    void abort() override;
    bool shutdownWrite() override;
    void suspend() override;
    void resume() override;

    // Past either bound an outbox goes to the kernel at once rather than at the flush.
    static constexpr qsizetype outboxFlushBytes = 64 * 1024;
    static constexpr qsizetype outboxFlushFrames = 64; // also the iovec array on the stack

private:
    void descriptorReady(uint32_t events) override;
    bool startWatching();
    void onReadable(bool streamEnding); // streamEnding: read on to the end of the stream
    void sendHeld();
    void closeNow();
    void setHeld(qsizetype bytes);

    int m_fd = -1;
    QPointer<EpollEventDispatcher> m_watcher; // watching m_fd; null while between threads
    bool m_wantWritable = false;              // EPOLLOUT only while bytes are held
    // Written since the last flush. Shared bytes: a broadcast's frame is not copied per member.
    QVarLengthArray<QByteArray, 4> m_outbox;
    qsizetype m_outboxBytes = 0;
    QByteArray m_held; // the kernel's buffer was full: sent from m_heldOffset when writable
    qsizetype m_heldOffset = 0;
    qsizetype m_gaugeCounted = 0; // what m_queuedGauge holds for us
    bool m_closeWhenSent = false;
    bool m_closed = false;
};

} // namespace ic::server
