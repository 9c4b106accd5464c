#pragma once
// State every thread shares: settings (read-only after start), metrics, the password pool,
// per-address limits, TLS and the server status. Knows nothing of connections, rooms or workers.

#include "core/AddressLimiter.h"
#include "core/ConnectionCounter.h"
#include "core/ServerMetrics.h"
#include "core/ServerSettings.h"

#include <QList>
#include <QMutex>
#include <QSslConfiguration>
#include <QThreadPool>
#include <atomic>

namespace ic::server {

class ServerContext
{
public:
    explicit ServerContext(ServerSettings settings);

    const ServerSettings &settings() const { return m_settings; }
    ServerSettings &mutableSettings() { return m_settings; } // main thread, before workers start
    ServerMetrics &metrics() { return m_metrics; }
    QThreadPool &passwordPool() { return m_passwordPool; }
    AddressLimiter &joinLimiter() { return m_joinLimiter; }
    AddressLimiter &createLimiter() { return m_createLimiter; }
    ConnectionCounter &connectionsPerAddress() { return m_connectionsPerAddress; }

    QLatin1StringView status() const;
    void setStatus(QLatin1StringView status);
    bool shuttingDown() const { return m_shuttingDown.load(std::memory_order_relaxed); }
    void setShuttingDown() { m_shuttingDown = true; }
    // A stop signal came: the rooms are being handed off (or the balancer asked whether they
    // can be) before shuttingDown(). The server still serves its rooms meanwhile, but it is
    // leaving: /healthz (readiness) answers 503 from here on, /livez stays 200.
    bool stopping() const { return m_stopping.load(std::memory_order_relaxed); }
    void setStopping() { m_stopping = true; }
    // Random, new at every start of the process: a primary whose copy's server answers with
    // another instance knows the copies it held there are gone (a restart in between).
    const QString &instance() const { return m_instance; }

    // Registration with --balancer (app/Registration.cpp): empty while registered or when no
    // balancer is configured, else why not ("balancer refused the cluster token", ...). Read by
    // /healthz on any thread.
    QString registrationProblem() const;
    void setRegistrationProblem(const QString &problem);

    // Server TLS settings, loaded once at start (empty when TLS is off).
    const QSslConfiguration &tls() const { return m_tls; }
    bool tlsEnabled() const { return m_tlsEnabled; }
    // Reads --tls-cert/--tls-key; main thread, before workers start.
    bool loadTls(QString *error);

    // Load figures sampled on the main thread.
    std::atomic<double> processCpu{0};
    std::atomic<double> hostCpu{0};
    std::atomic<double> hostMemory{0};

private:
    ServerSettings m_settings;
    ServerMetrics m_metrics;
    const QString m_instance;
    QThreadPool m_passwordPool;
    AddressLimiter m_joinLimiter;
    AddressLimiter m_createLimiter;
    ConnectionCounter m_connectionsPerAddress;
    QSslConfiguration m_tls;
    bool m_tlsEnabled = false;
    std::atomic<int> m_status{0}; // 0 online, 1 restarting, 2 shutting down
    std::atomic<bool> m_shuttingDown{false};
    std::atomic<bool> m_stopping{false};
    mutable QMutex m_registrationMutex;
    QString m_registrationProblem;
};

} // namespace ic::server
