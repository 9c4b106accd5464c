#pragma once
// SIGTERM/SIGINT → a Qt signal on the main thread. The handler only writes one byte to a
// socketpair (async-signal-safe); a QSocketNotifier reads it in the event loop.

#include <QObject>

class QSocketNotifier;

namespace ic::server {

class ShutdownSignal : public QObject
{
    Q_OBJECT

public:
    explicit ShutdownSignal(QObject *parent = nullptr);
    bool install();

signals:
    void requested(int signalNumber);

private:
    void onReadable();
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace ic::server
