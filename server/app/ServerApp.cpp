#include "app/ServerApp.h"
#include "app/ServerFlags.h"

#include "app/Registration.h"
#include "app/ShutdownSignal.h"
#include "app/Handoff.h"
#include "app/Worker.h"
#include "core/ServerContext.h"
#include "rooms/RoomHost.h"
#include "system/ProcessStats.h"
#include "transport/EpollEventDispatcher.h"
#include "transport/Listener.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QLoggingCategory>
#include <QThread>

#include <unistd.h>

Q_LOGGING_CATEGORY(lcServer, "server")

namespace ic::server {

ServerApp::ServerApp(ServerContext &context, QObject *parent)
    : QObject(parent), m_context(context), m_listener(new Listener(this)),
      m_registration(new Registration(context, this)), m_handoff(new Handoff(context, m_directory, this)),
      m_signals(new ShutdownSignal(this))
{
    connect(m_registration, &Registration::handoffAdvised, m_handoff, &Handoff::setDrained);
    m_loadTimer.setParent(this);
    m_stopPoll.setParent(this);
}

ServerApp::~ServerApp()
{
    stopThreads();
}

bool ServerApp::start()
{
    ServerSettings &settings = m_context.mutableSettings();
    QString tlsError;
    if (!m_context.loadTls(&tlsError)) {
        qCCritical(lcServer).noquote() << tlsError;
        return false;
    }
    if (!m_signals->install()) {
        qCCritical(lcServer) << "cannot install the SIGTERM/SIGINT handler";
        return false;
    }
    connect(m_signals, &ShutdownSignal::requested, this, &ServerApp::stop);
    connect(m_listener, &Listener::accepted, this, &ServerApp::adopt);

    // Join storms open thousands of connections at once; a short backlog would drop SYNs and
    // cost clients a one-second retransmit each.
    m_listener->setListenBacklogSize(4096);
    if (!m_listener->listen(QHostAddress(settings.bind), settings.port)) {
        qCCritical(lcServer).noquote() << QStringLiteral("cannot listen on %1:%2: %3")
                                              .arg(settings.bind)
                                              .arg(settings.port)
                                              .arg(m_listener->errorString());
        return false;
    }
    // Before any worker runs: afterwards settings are read-only and shared without locks.
    completeAddresses(settings, m_listener->serverPort());

    // Complete before any worker runs: workers read both lists without locks.
    QList<RoomHost *> hosts;
    for (int i = 0; i < settings.workers; ++i) {
        // Owned by its thread: deleted when it finishes.
        auto *worker = new Worker(m_context, i, m_workers, m_directory);
        m_workers.append(worker);
        hosts.append(&worker->rooms());
    }
    m_directory.setHosts(hosts);
    for (int i = 0; i < settings.workers; ++i) {
        Worker *worker = m_workers.at(i);
        auto *thread = new QThread(this);
        thread->setObjectName(QStringLiteral("worker-%1").arg(i));
        worker->moveToThread(thread);
        connect(thread, &QThread::finished, worker, &QObject::deleteLater);
        // Qt's own dispatcher polls every socket of the thread on each wake-up; a worker holds
        // thousands. The thread owns the dispatcher.
        thread->setEventDispatcher(new EpollEventDispatcher);
        thread->start();
        QMetaObject::invokeMethod(worker, &Worker::begin, Qt::QueuedConnection);
        m_threads.append(thread);
    }

    connect(&m_loadTimer, &QTimer::timeout, this, &ServerApp::sampleLoad);
    m_loadTimer.start(1000);
    sampleLoad();
    m_registration->start();
    if (settings.clusterToken.isEmpty())
        qCWarning(lcServer, "no cluster token: the internal routes (room list, room deletion, "
                            "/direct_*) answer every local process (--internal-peers); set "
                            "--cluster-token-file on the servers and the balancer to close them");

    qCInfo(lcServer).noquote() << QStringLiteral("listening on %1:%2 (server id %3, %4 workers%5)")
                                      .arg(settings.bind)
                                      .arg(m_listener->serverPort())
                                      .arg(settings.serverId)
                                      .arg(settings.workers)
                                      .arg(settings.tlsCert.isEmpty() ? QString()
                                                                      : QStringLiteral(", TLS"));
    return true;
}

void ServerApp::adopt(qintptr descriptor)
{
    if (m_context.shuttingDown()) {
        ::close(int(descriptor));
        return;
    }
    Worker *worker = m_workers.at(m_nextWorker);
    m_nextWorker = (m_nextWorker + 1) % int(m_workers.size());
    QMetaObject::invokeMethod(
        worker, [worker, descriptor]() { worker->adopt(descriptor); }, Qt::QueuedConnection);
}

void ServerApp::sampleLoad()
{
    m_cpuSampler.sample();
    // The balancer places rooms and applies its load ceiling by this figure; a one-second sample
    // would let a single busy second (a burst of joins, the start-up) steer rooms away.
    // The first call (at start) measures a few milliseconds since the sampler was made, in
    // 10 ms clock ticks: anything from 0 to thousands of percent. It starts the clock only.
    if (m_sinceLastSample.isValid()) {
        const double elapsed = double(m_sinceLastSample.restart()) / 1000.0;
        m_placementCpu.add(m_cpuSampler.processPercent(), elapsed);
        m_context.processCpu = m_placementCpu.value();
    } else {
        m_sinceLastSample.start();
    }
    m_context.hostCpu = m_cpuSampler.hostPercent();
    m_context.hostMemory = sys::hostMemoryUsedPercent();
}

void ServerApp::stop()
{
    if (m_stopping) {
        // A second signal: the operator does not want to wait.
        qCWarning(lcServer) << "second stop signal: exiting now";
        finishStop();
        return;
    }
    m_stopping = true;
    m_context.setStopping(); // not ready any more: /healthz 503
    // Rooms move to another server first when the balancer has one; the server serves the
    // rest meanwhile (bounded by --handoff-timeout).
    qCInfo(lcServer) << "stopping: handing rooms off to other servers";
    m_handoff->runBeforeExit([this]() { closeDown(); });
}

void ServerApp::closeDown()
{
    if (const qint64 lost = m_context.metrics().rooms.load(); lost > 0) {
        m_context.metrics().roomsLostOnShutdown.Increment(double(lost));
        qCWarning(lcServer).noquote()
            << QStringLiteral("%1 rooms were not moved to another server and are lost").arg(lost);
    }
    qCInfo(lcServer) << "stopping: telling clients and closing connections";
    const int timeoutMs = m_context.settings().shutdownTimeoutSeconds * 1000;
    m_stopDeadlineMs = QDateTime::currentMSecsSinceEpoch() + timeoutMs - 300;
    m_listener->close();
    m_context.setShuttingDown();
    m_context.setStatus(proto::statusShuttingDown);
    for (Worker *worker : std::as_const(m_workers)) {
        QMetaObject::invokeMethod(
            worker, [worker]() { worker->rooms().announceStatus(proto::statusShuttingDown); },
            Qt::QueuedConnection);
    }
    // A moment later, so announcements relayed between threads (members of rooms owned by
    // another worker) are queued before their sockets close.
    QTimer::singleShot(100, this, [this]() {
        for (Worker *worker : std::as_const(m_workers))
            QMetaObject::invokeMethod(
                worker, [worker]() { worker->closeAll(); }, Qt::QueuedConnection);
    });
    m_registration->deregister(std::max(500, timeoutMs / 2), [this]() { m_deregistered = true; });
    connect(&m_stopPoll, &QTimer::timeout, this, [this]() {
        const bool drained = m_context.metrics().connections.load() <= 0;
        if ((drained && m_deregistered) || QDateTime::currentMSecsSinceEpoch() >= m_stopDeadlineMs)
            finishStop();
    });
    m_stopPoll.start(50);
}

void ServerApp::finishStop()
{
    m_stopPoll.stop();
    qCInfo(lcServer) << "stopped";
    QCoreApplication::quit();
}

void ServerApp::stopThreads()
{
    // Password work still running would post back into rooms that are about to go.
    m_context.passwordPool().clear();
    m_context.passwordPool().waitForDone(1000);
    for (QThread *thread : std::as_const(m_threads))
        thread->quit();
    for (QThread *thread : std::as_const(m_threads))
        thread->wait(1000);
    m_threads.clear();
    m_workers.clear();
}

} // namespace ic::server
