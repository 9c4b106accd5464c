#include "net/Listener.h"

#include "core/ServerContext.h"
#include "core/Worker.h"

#include <unistd.h>

namespace ic::server {

Listener::Listener(ServerContext &context, QObject *parent) : QTcpServer(parent), m_context(context)
{
}

void Listener::incomingConnection(qintptr descriptor)
{
    if (m_context.shuttingDown()) {
        ::close(int(descriptor));
        return;
    }
    const QList<Worker *> &workers = m_context.workers();
    Worker *worker = workers.at(m_next);
    m_next = (m_next + 1) % int(workers.size());
    QMetaObject::invokeMethod(
        worker, [worker, descriptor]() { worker->adopt(descriptor); }, Qt::QueuedConnection);
}

} // namespace ic::server
