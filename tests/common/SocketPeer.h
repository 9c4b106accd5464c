#pragma once
// The client end of a local stream pair whose other end a server Connection adopts (directly or
// through Worker::adopt): writes HTTP requests and masked WebSocket frames, reads the HTTP
// answer and the server's frames. Waiting spins the calling thread's event loop, so a
// connection living on this thread makes progress meanwhile.

#include "net/WebSocketFrame.h"
#include "protocol/ServerFrame.h"
#include "session/SessionCookie.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QUuid>

#include <cerrno>
#include <fcntl.h>
#include <functional>
#include <optional>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace ic::test {

class SocketPeer
{
public:
    SocketPeer()
    {
        int ends[2] = {-1, -1};
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0) {
            m_fd = ends[0];
            m_serverEnd = ends[1];
            ::fcntl(m_fd, F_SETFL, ::fcntl(m_fd, F_GETFL) | O_NONBLOCK);
        }
        m_cookie = session::createCookieValue();
        m_session = session::parseCookieValue(m_cookie).value_or(QUuid());
    }
    ~SocketPeer()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        if (m_serverEnd >= 0)
            ::close(m_serverEnd);
    }
    SocketPeer(const SocketPeer &) = delete;
    SocketPeer &operator=(const SocketPeer &) = delete;

    bool valid() const { return m_fd >= 0; }
    // The descriptor for the server side; whoever takes it owns it.
    qintptr takeServerEnd() { return std::exchange(m_serverEnd, -1); }
    const QUuid &session() const { return m_session; }

    bool write(const QByteArray &bytes)
    {
        qsizetype done = 0;
        QElapsedTimer clock;
        clock.start();
        while (done < bytes.size()) {
            const ssize_t n =
                ::send(m_fd, bytes.constData() + done, size_t(bytes.size() - done), MSG_NOSIGNAL);
            if (n > 0) {
                done += n;
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
                return false;
            if (clock.elapsed() > 5000)
                return false;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
        }
        return true;
    }

    static QByteArray upgradeRequest(const QByteArray &cookie, const QByteArray &origin)
    {
        return "GET /ws_entry HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\nOrigin: " +
               origin + "\r\nCookie: session=" + cookie + "\r\n\r\n";
    }
    // Sends the upgrade and waits for its answer's head; true for a 101.
    bool upgrade(const QByteArray &origin)
    {
        if (!write(upgradeRequest(m_cookie, origin)))
            return false;
        const QByteArray head = readHttpHead();
        return head.startsWith("HTTP/1.1 101 ");
    }
    // The head of the next HTTP answer (through the blank line); empty on timeout. Whatever
    // follows stays for the frame reader (or readRaw).
    QByteArray readHttpHead(int timeoutMs = 5000)
    {
        qsizetype end = -1;
        waitFor([&] { return (end = m_raw.indexOf("\r\n\r\n")) >= 0; }, timeoutMs);
        if (end < 0)
            return {};
        const QByteArray head = m_raw.left(end + 4);
        m_raw.remove(0, end + 4);
        return head;
    }
    // Waits until `bytes` raw bytes arrived (an HTTP body) and takes them.
    QByteArray readRaw(qsizetype bytes, int timeoutMs = 5000)
    {
        waitFor([&] { return m_raw.size() >= bytes; }, timeoutMs);
        const QByteArray out = m_raw.left(bytes);
        m_raw.remove(0, out.size());
        return out;
    }

    void sendText(const QByteArray &json) { write(ws::encodeFrame(ws::Opcode::Text, json, true)); }
    // The init frame every session starts with.
    void init(int protocolVersion = 1)
    {
        sendText("{\"p\":\"test\",\"pv\":" + QByteArray::number(protocolVersion) + "}");
    }

    // The next message from the server (text, close, ping ...); nullopt on timeout or a broken
    // stream.
    std::optional<ws::Message> next(int timeoutMs = 5000)
    {
        std::optional<ws::Message> message;
        waitFor(
            [&] {
                if (!m_raw.isEmpty()) {
                    m_parser.feed(m_raw);
                    m_raw.clear();
                }
                message = m_parser.next();
                return message.has_value();
            },
            timeoutMs);
        return message;
    }
    // The next text frame as a server frame; nullopt on timeout or when the next message is
    // something else.
    std::optional<proto::ServerFrame> nextFrame(int timeoutMs = 5000)
    {
        const std::optional<ws::Message> message = next(timeoutMs);
        if (!message || message->opcode != ws::Opcode::Text)
            return std::nullopt;
        return proto::decodeServerFrame(message->payload);
    }
    // True once the server closed its end (after everything it sent was read into the buffer).
    bool waitForEnd(int timeoutMs = 5000)
    {
        return waitFor([&] { return m_ended; }, timeoutMs);
    }

private:
    bool waitFor(const std::function<bool()> &condition, int timeoutMs)
    {
        QElapsedTimer clock;
        clock.start();
        while (true) {
            pull();
            if (condition())
                return true;
            if (clock.elapsed() > timeoutMs)
                return false;
            // Runs a connection living on this thread, then naps until bytes come (or 2 ms).
            QCoreApplication::processEvents();
            pollfd readable{m_fd, POLLIN, 0};
            ::poll(&readable, 1, 2);
        }
    }
    void pull()
    {
        char buffer[65536];
        while (true) {
            const ssize_t n = ::recv(m_fd, buffer, sizeof buffer, 0);
            if (n > 0) {
                m_raw.append(buffer, n);
                continue;
            }
            if (n == 0)
                m_ended = true;
            return;
        }
    }

    int m_fd = -1;
    int m_serverEnd = -1;
    QByteArray m_cookie;
    QUuid m_session;
    QByteArray m_raw;
    bool m_ended = false;
    ws::FrameParser m_parser{ws::FrameParser::Role::Client, 1 << 24};
};

} // namespace ic::test
