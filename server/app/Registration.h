#pragma once
// Registration with the balancer (docs/interfaces.md): a heartbeat with this server's load every
// few seconds (the first one registers), and a deregistration on graceful stop. Main thread.
// A server that cannot register says why: a warning in the log (when the reason changes, and
// again every minute), /healthz "not registered: <reason>" (503) and the metrics
// instantchat_server_registered / instantchat_server_registration_failures_total.

#include <QNetworkAccessManager>
#include <QObject>
#include <QTimer>
#include <functional>

namespace ic::server {

class ServerContext;

class Registration : public QObject
{
    Q_OBJECT

public:
    Registration(ServerContext &context, QObject *parent = nullptr);

    void start();
    // Tells the balancer this server leaves; `done` runs when it answered or gave up.
    void deregister(int timeoutMs, std::function<void()> done);

signals:
    // The heartbeat answer's "handoff": true while the balancer wants this server's rooms moved
    // (it is drained and another live server exists), false otherwise.
    void handoffAdvised(bool handoff);

private:
    void beat();
    void succeeded();
    // reason is a metric label (unreachable, token, refused); problem an English phrase.
    void failed(const char *reason, const QString &problem);
    QByteArray loadJson() const;
    QNetworkRequest request(const char *path) const;

    ServerContext &m_context;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    bool m_registered = false;
    QString m_problem; // the last failure logged; empty while registered
    int m_failuresInARow = 0;
};

} // namespace ic::server
