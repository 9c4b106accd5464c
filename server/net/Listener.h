#pragma once
// Accepts TCP connections on the main thread and hands each descriptor to a worker thread,
// round robin; the worker builds the Connection there.

#include <QTcpServer>

namespace ic::server {

class ServerContext;

class Listener : public QTcpServer
{
    Q_OBJECT

public:
    Listener(ServerContext &context, QObject *parent = nullptr);

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    ServerContext &m_context;
    int m_next = 0;
};

} // namespace ic::server
