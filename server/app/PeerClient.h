#pragma once
// A lean HTTP/1.1 client for small, frequent POSTs to one other cluster member (a server
// keeping room copies): keep-alive connections on the owning thread's event loop, at most
// maxConnections of them, requests beyond that queued in order. QNetworkAccessManager costs
// several times more CPU per request (its own thread, a reply object, header maps) — at one
// replica batch per chat message that was a third of the server's CPU (tests/load/
// replication_cost.sh). It speaks only what our own servers answer: a status line, headers with
// Content-Length, a body; anything else ends the connection and the request with status 0.
// A request that fails on a reused connection before any byte of the answer arrived (the peer
// closed it while idle) is sent once more on a new one, so callers' requests must be
// idempotent (replica batches are: the copy skips records it already has).

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>
#include <QUrl>

#include <deque>
#include <functional>
#include <memory>

class QAbstractSocket;
class QTimer;

namespace ic::server {

class PeerClient : public QObject
{
    Q_OBJECT

public:
    struct Answer
    {
        int status = 0;  // 0: no answer (refused, reset, timeout, malformed)
        QByteArray body; // the answer's body, or empty
        QString problem; // for the log when status is 0
    };
    using Done = std::function<void(const Answer &)>;

    // `base` is http(s)://host:port; `token` goes into X-Instantchat-Token when not empty.
    PeerClient(const QUrl &base, const QByteArray &token, int maxConnections,
               QObject *parent = nullptr);
    ~PeerClient() override;

    // POSTs `body` to `path`. `done` is called exactly once (normally later, from the event
    // loop), unless the client is destroyed first. `timeoutMs` counts from now: time spent
    // queued behind busy connections counts.
    void post(const QByteArray &path, const QByteArray &contentType, QByteArray body, int timeoutMs,
              Done done);

    int connectionCount() const { return int(m_connections.size()); }
    int queued() const { return int(m_queue.size()); }

private:
    struct Request
    {
        QByteArray bytes; // the whole request: head and body
        qint64 deadlineMs = 0;
        Done done;
        bool retried = false;
    };
    struct Connection
    {
        QAbstractSocket *socket = nullptr;
        QTimer *timer = nullptr;
        std::unique_ptr<Request> request; // the one in flight
        QByteArray in;                    // bytes of the answer so far
        bool open = false;                // connected (and encrypted for https)
        bool used = false;                // has carried an answer before
        bool answered = false;            // some byte of the current answer arrived
    };

    void dispatch();
    void start(Connection &connection, std::unique_ptr<Request> request);
    void connectSocket(Connection &connection);
    void opened(Connection &connection);
    void readAnswer(Connection &connection);
    void fail(Connection &connection, const QString &problem);
    void finish(Connection &connection, Answer answer, bool keepOpen);
    void close(Connection &connection);
    Connection *find(QAbstractSocket *socket);

    QUrl m_base;
    QByteArray m_head; // the part of every request's head that does not change
    int m_maxConnections;
    std::deque<std::unique_ptr<Request>> m_queue;
    QList<Connection *> m_connections;
};

} // namespace ic::server
