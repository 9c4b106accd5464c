#include "core/ServerContext.h"

#include <QUuid>

#include "net/TlsIdentity.h"
#include "protocol/Codes.h"

#include <QSslSocket>
#include <QThread>

namespace ic::server {

ServerContext::ServerContext(ServerSettings settings)
    : m_settings(std::move(settings)), m_metrics(m_settings.maxConnections),
      m_instance(QUuid::createUuid().toString(QUuid::WithoutBraces)),
      // Joins per client address: generous for shared NATs, tight enough against floods.
      m_joinLimiter(m_settings.rateLimits ? 20.0 : 0.0, 100.0),
      // Rooms per address, and all addresses together: rotating addresses must not be able to
      // create rooms faster than the server-wide rate (burst: 10 seconds' worth).
      m_createLimiter(m_settings.rateLimits ? 5.0 : 0.0, 60.0,
                      m_settings.rateLimits ? double(m_settings.newRoomsPerSecond) : 0.0,
                      10.0 * m_settings.newRoomsPerSecond),
      // A memory bound, not a rate limit: --rate-limits off keeps it.
      m_connectionsPerAddress(m_settings.maxConnectionsPerAddress)
{
    // PBKDF2 is deliberately slow; a bounded pool keeps it off every event loop.
    m_passwordPool.setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
}

QString ServerContext::registrationProblem() const
{
    QMutexLocker lock(&m_registrationMutex);
    return m_registrationProblem;
}

void ServerContext::setRegistrationProblem(const QString &problem)
{
    QMutexLocker lock(&m_registrationMutex);
    m_registrationProblem = problem;
}

bool ServerContext::loadTls(QString *error)
{
    if (m_settings.tlsCert.isEmpty())
        return true;
    std::optional<QSslConfiguration> identity =
        net::loadTlsIdentity(m_settings.tlsCert, m_settings.tlsKey, error);
    if (!identity)
        return false;
    m_tls = *identity;
    m_tls.setPeerVerifyMode(QSslSocket::VerifyNone);
    m_tlsEnabled = true;
    return true;
}

QLatin1StringView ServerContext::status() const
{
    switch (m_status.load(std::memory_order_relaxed)) {
    case 1:
        return proto::statusRestarting;
    case 2:
        return proto::statusShuttingDown;
    default:
        return proto::statusOnline;
    }
}

void ServerContext::setStatus(QLatin1StringView status)
{
    m_status = status == proto::statusRestarting ? 1 : status == proto::statusShuttingDown ? 2 : 0;
}

} // namespace ic::server
