#pragma once
// Accepts TCP connections on the main thread and hands each descriptor on (`accepted`); who
// serves it is decided above (app/ServerApp hands it to a worker).

#include <QTcpServer>

namespace ic::server {

class Listener : public QTcpServer
{
    Q_OBJECT

public:
    using QTcpServer::QTcpServer;

signals:
    // The receiver owns the descriptor from now on (it closes or adopts it).
    void accepted(qintptr descriptor);

protected:
    void incomingConnection(qintptr descriptor) override { emit accepted(descriptor); }
};

} // namespace ic::server
