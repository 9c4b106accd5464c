#pragma once
// Registration with the balancer (docs/interfaces.md): a heartbeat with this server's load every
// few seconds (the first one registers), and a deregistration on graceful stop. Main thread.

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

private:
    void beat();
    QByteArray loadJson() const;
    QNetworkRequest request(const char *path) const;

    ServerContext &m_context;
    QNetworkAccessManager m_network;
    QTimer m_timer;
    bool m_registered = false;
};

} // namespace ic::server
