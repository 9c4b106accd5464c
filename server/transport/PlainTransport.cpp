#include "transport/PlainTransport.h"

#include <QtGlobal>

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace ic::server {
namespace {

// Edge-triggered: a socket is reported when new bytes arrive, not on every wake-up while unread
// bytes wait. A read shorter than the buffer emptied the kernel's queue, so one recv() per
// keep-alive is all an idle socket costs, and the kernel does not re-poll every socket that was
// ready at the previous wait.
// EPOLLRDHUP: a peer that wrote and closed at once gives one edge for both; a short read must not
// end that wake-up before the end of the stream is read too.
constexpr uint32_t watchedEvents = EPOLLIN | EPOLLRDHUP | EPOLLET;

// One read buffer per thread, shared by all its sockets: a socket's unparsed tail is kept by its
// parser, so nothing needs a buffer of its own between reads.
constexpr size_t readChunk = 64 * 1024;
thread_local std::array<char, readChunk> readBuffer;

} // namespace

PlainTransport::PlainTransport(TransportClient &client, std::atomic<qint64> &queuedGauge,
                               QObject *parent)
    : Transport(client, queuedGauge, parent)
{
}

PlainTransport::~PlainTransport()
{
    setHeld(0);
    if (m_watcher)
        m_watcher->unwatch(m_fd);
    if (m_fd >= 0)
        ::close(m_fd);
}

bool PlainTransport::adopt(qintptr descriptor)
{
    m_fd = int(descriptor);
    const int one = 1;
    // Small frames leave at once: Nagle would hold a message behind an unacknowledged one.
    ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    // The listener hands over blocking descriptors; every call here must return at once.
    const int flags = ::fcntl(m_fd, F_GETFL);
    if (flags < 0 || ::fcntl(m_fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return false;
    return startWatching();
}

bool PlainTransport::startWatching()
{
    EpollEventDispatcher *dispatcher = EpollEventDispatcher::currentThreads();
    if (!dispatcher) {
        qWarning("PlainTransport: the thread has no EpollEventDispatcher; the socket is closed");
        return false;
    }
    if (!dispatcher->watch(m_fd, watchedEvents | (m_wantWritable ? EPOLLOUT : 0u), this))
        return false;
    m_watcher = dispatcher;
    return true;
}

void PlainTransport::suspend()
{
    if (m_watcher)
        m_watcher->unwatch(m_fd);
    m_watcher = nullptr;
}

void PlainTransport::resume()
{
    // Registering checks readiness: bytes that arrived meanwhile wake the new thread.
    if (!m_closed && !m_watcher && !startWatching())
        closeNow();
}

void PlainTransport::descriptorReady(uint32_t events)
{
    // Held bytes first, then input: a hang-up or an error also ends up in recv(), which
    // reports it and closes.
    if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && !m_held.isEmpty())
        sendHeld();
    if (!m_closed && (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
        onReadable(events & (EPOLLRDHUP | EPOLLERR | EPOLLHUP));
}

QHostAddress PlainTransport::peerAddress() const
{
    sockaddr_storage address{};
    socklen_t length = sizeof address;
    if (m_fd < 0 || ::getpeername(m_fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
        return {};
    QHostAddress peer(reinterpret_cast<const sockaddr *>(&address));
    // IPv4 clients of a dual-stack listener appear as ::ffff:a.b.c.d; limits and logs want a.b.c.d.
    bool isV4 = false;
    const quint32 v4 = peer.toIPv4Address(&isV4);
    return isV4 ? QHostAddress(v4) : peer;
}

void PlainTransport::onReadable(bool streamEnding)
{
    // Edge-triggered: read until a read comes back short (the kernel's queue is empty), but at
    // most four buffers, so one fast sender cannot hold the thread; then rearm, so the rest is
    // reported at the next wait. The client may close us from inside transportReceived, hence
    // the m_closed checks.
    for (int round = 0; round < 4 && !m_closed; ++round) {
        const ssize_t count = ::recv(m_fd, readBuffer.data(), readBuffer.size(), 0);
        if (count > 0) {
            m_client.transportReceived(QByteArrayView(readBuffer.data(), count));
            // Suspended meanwhile: the connection is moving to its room's thread (a join), and
            // from now on only that thread may touch it; watching there reports what is left.
            if (!m_watcher || (size_t(count) < readBuffer.size() && !streamEnding))
                return;
        } else if (count == 0) {
            closeNow();
            return;
        } else if (errno == EINTR) {
            continue;
        } else {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                closeNow();
            return;
        }
    }
    if (!m_closed && m_watcher)
        m_watcher->rearm(m_fd);
}

bool PlainTransport::write(const QByteArray &bytes)
{
    if (m_closed || m_closeWhenSent || bytes.isEmpty())
        return false;
    const bool first = m_outbox.isEmpty();
    m_outbox.append(bytes);
    m_outboxBytes += bytes.size();
    if (m_outboxBytes >= outboxFlushBytes || m_outbox.size() >= outboxFlushFrames)
        flush();
    return first;
}

void PlainTransport::flush()
{
    if (m_outbox.isEmpty())
        return;
    qsizetype sent = 0;
    // Straight to the kernel unless older bytes are still held (they must leave first).
    if (!m_closed && m_held.isEmpty()) {
        iovec parts[outboxFlushFrames];
        for (qsizetype i = 0; i < m_outbox.size(); ++i)
            parts[i] =
                iovec{const_cast<char *>(m_outbox[i].constData()), size_t(m_outbox[i].size())};
        msghdr message{};
        message.msg_iov = parts;
        message.msg_iovlen = size_t(m_outbox.size());
        ssize_t written;
        do {
            written = ::sendmsg(m_fd, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        } while (written < 0 && errno == EINTR);
        if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            // Reset or broken pipe: the stream is over; the read side reports it too, but the
            // client should not queue more for a socket that is gone.
            m_outbox.clear();
            m_outboxBytes = 0;
            closeNow();
            return;
        }
        if (written > 0)
            sent = written;
    }
    if (!m_closed) {
        for (const QByteArray &frame : std::as_const(m_outbox)) {
            if (sent >= frame.size()) {
                sent -= frame.size();
                continue;
            }
            m_held.append(frame.constData() + sent, frame.size() - sent);
            sent = 0;
        }
    }
    m_outbox.clear();
    if (m_outbox.capacity() > 4)
        m_outbox.squeeze(); // back to the inline storage: idle connections stay small
    m_outboxBytes = 0;
    setHeld(m_held.size() - m_heldOffset);
    if (!m_held.isEmpty() && !m_closed && !m_wantWritable) {
        m_wantWritable = true;
        if (m_watcher)
            m_watcher->changeWatch(m_fd, watchedEvents | EPOLLOUT);
    }
}

void PlainTransport::sendHeld()
{
    while (!m_closed && m_heldOffset < m_held.size()) {
        const ssize_t written =
            ::send(m_fd, m_held.constData() + m_heldOffset, size_t(m_held.size() - m_heldOffset),
                   MSG_DONTWAIT | MSG_NOSIGNAL);
        if (written > 0) {
            m_heldOffset += written;
            continue;
        }
        if (written < 0 && errno == EINTR)
            continue;
        if (written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            setHeld(m_held.size() - m_heldOffset);
            return; // EPOLLOUT stays on: the next edge comes when the kernel has room
        }
        closeNow();
        return;
    }
    if (m_closed)
        return;
    m_held = QByteArray();
    m_heldOffset = 0;
    setHeld(0);
    m_wantWritable = false;
    if (m_watcher)
        m_watcher->changeWatch(m_fd, watchedEvents);
    if (m_closeWhenSent)
        closeNow();
    else
        m_client.transportDrained();
}

void PlainTransport::setHeld(qsizetype bytes)
{
    if (bytes == m_gaugeCounted)
        return;
    m_queuedGauge.fetch_add(bytes - m_gaugeCounted, std::memory_order_relaxed);
    m_gaugeCounted = bytes;
}

void PlainTransport::close()
{
    if (m_closed)
        return;
    flush();
    if (m_closed)
        return;
    if (m_held.isEmpty()) {
        closeNow();
        return;
    }
    m_closeWhenSent = true; // sendHeld closes once the kernel took the rest
}

void PlainTransport::abort()
{
    m_outbox.clear();
    m_outboxBytes = 0;
    closeNow();
}

bool PlainTransport::shutdownWrite()
{
    flush();
    if (m_closed || !m_held.isEmpty())
        return false;
    ::shutdown(m_fd, SHUT_WR);
    return true;
}

void PlainTransport::closeNow()
{
    if (m_closed)
        return;
    m_closed = true;
    // Unwatched before the descriptor closes: a number the kernel may hand to the next client
    // must not stay registered for this one.
    suspend();
    ::close(m_fd);
    m_fd = -1;
    m_held = QByteArray();
    m_heldOffset = 0;
    setHeld(0);
    m_client.transportClosed();
}

} // namespace ic::server
