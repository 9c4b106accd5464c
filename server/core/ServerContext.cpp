#include "core/ServerContext.h"

#include "protocol/Codes.h"

namespace ic::server {

ServerContext::ServerContext(ServerSettings settings)
    : m_settings(std::move(settings)),
      m_metrics(m_settings.maxConnections),
      // Joins per client address: generous for shared NATs, tight enough against floods.
      m_joinLimiter(m_settings.rateLimits ? 10.0 : 0.0, 60.0),
      m_createLimiter(m_settings.rateLimits ? 2.0 : 0.0, 30.0)
{
    // PBKDF2 is deliberately slow; a bounded pool keeps it off every event loop.
    m_passwordPool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
}

Worker *ServerContext::workerFor(const QString &room) const
{
    return m_workers.at(int(qHash(room, 0x1c5eedu) % size_t(m_workers.size())));
}

QLatin1StringView ServerContext::status() const
{
    switch (m_status.load(std::memory_order_relaxed)) {
    case 1: return proto::statusRestarting;
    case 2: return proto::statusShuttingDown;
    default: return proto::statusOnline;
    }
}

void ServerContext::setStatus(QLatin1StringView status)
{
    m_status = status == proto::statusRestarting ? 1 : status == proto::statusShuttingDown ? 2 : 0;
}

} // namespace ic::server
