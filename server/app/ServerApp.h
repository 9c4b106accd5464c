#pragma once
// Wires the server together on the main thread: worker threads, listener, load sampling,
// registration, and the graceful stop.

#include "rooms/RoomDirectory.h"
#include "system/ExponentialAverage.h"
#include "system/ProcessStats.h"

#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QTimer>

class QThread;

namespace ic::server {

class Handoff;
class Listener;
class Registration;
class ServerContext;
class ShutdownSignal;
class Worker;

class ServerApp : public QObject
{
    Q_OBJECT

public:
    explicit ServerApp(ServerContext &context, QObject *parent = nullptr);
    ~ServerApp() override;

    bool start();
    void stop();

private:
    void sampleLoad();
    // The stop after the rooms were handed off (or could not be).
    void closeDown();
    void finishStop();
    void stopThreads();
    // A descriptor the listener accepted: to the next worker, round robin.
    void adopt(qintptr descriptor);

    ServerContext &m_context;
    Listener *m_listener;
    Registration *m_registration;
    Handoff *m_handoff;
    ShutdownSignal *m_signals;
    QList<QThread *> m_threads;
    QList<Worker *> m_workers;
    RoomDirectory m_directory;
    int m_nextWorker = 0;
    QTimer m_loadTimer;
    sys::CpuSampler m_cpuSampler;
    // The CPU reported for placement is averaged over about ten seconds (see sampleLoad).
    sys::ExponentialAverage m_placementCpu{10.0};
    QElapsedTimer m_sinceLastSample;
    QTimer m_stopPoll;
    bool m_stopping = false;
    bool m_deregistered = false;
    qint64 m_stopDeadlineMs = 0;
};

} // namespace ic::server
