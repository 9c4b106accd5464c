#pragma once
// The event dispatcher of the worker threads. Qt's Unix dispatcher hands poll() every socket
// notifier of the thread on every wake-up, so a worker holding 10,000 idle connections spends
// a good part of a core re-scanning them. With epoll the descriptors stay registered in the
// kernel and a wake-up costs in proportion to the descriptors that are ready.
//
// Semantics follow QEventDispatcherUNIX: level-triggered notifiers (a notifier keeps firing
// while its descriptor is ready), hang-ups and errors wake every notifier of the descriptor,
// posted events first, then sockets, then timers, aboutToBlock() before every wait.

#include <QAbstractEventDispatcher>
#include <QHash>
#include <QSet>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <unordered_map>
#include <utility>
#include <vector>

struct epoll_event;

namespace ic::server {

// A descriptor watched without a QSocketNotifier: told straight from the wake-up, with the epoll
// event mask, skipping Qt's event delivery (a QEvent, a signal, a slot) per ready socket. Used by
// PlainTransport, whose sockets are most of a worker's wake-ups.
class DescriptorWatcher
{
public:
    virtual void descriptorReady(uint32_t events) = 0;

protected:
    ~DescriptorWatcher() = default;
};

class EpollEventDispatcher : public QAbstractEventDispatcher
{
    Q_OBJECT

public:
    explicit EpollEventDispatcher(QObject *parent = nullptr);
    ~EpollEventDispatcher() override;

    bool processEvents(QEventLoop::ProcessEventsFlags flags) override;

    void registerSocketNotifier(QSocketNotifier *notifier) override;
    void unregisterSocketNotifier(QSocketNotifier *notifier) override;

    using QAbstractEventDispatcher::registerTimer;
    void registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                       QObject *object) override;
    bool unregisterTimer(int timerId) override;
    bool unregisterTimers(QObject *object) override;
    QList<TimerInfo> registeredTimers(QObject *object) const override;
    int remainingTime(int timerId) override;

    void wakeUp() override;
    void interrupt() override;

    void closingDown() override;

    // The calling thread's dispatcher when it is one of these, else nullptr.
    static EpollEventDispatcher *currentThreads();
    // Direct watches (see DescriptorWatcher); `events` is an epoll mask (EPOLLIN, EPOLLOUT,
    // and EPOLLET for edge-triggered watches). A descriptor is watched either this way or by
    // notifiers, never both. The watcher must unwatch before it goes or closes the descriptor.
    bool watch(int fd, uint32_t events, DescriptorWatcher *watcher);
    void changeWatch(int fd, uint32_t events);
    // Edge-triggered watches: report the descriptor again if it is still ready (a watcher that
    // stopped reading before the kernel's buffer was empty, so no new edge would come).
    void rearm(int fd);
    void unwatch(int fd);

private:
    using Clock = std::chrono::steady_clock;

    enum class Watch : quint8 { None, Epoll, AlwaysReady };

    struct Notifiers
    {
        std::array<QSocketNotifier *, 3> byType{}; // indexed by QSocketNotifier::Type
        // The registration each slot holds: a pass only activates the registration epoll
        // reported, never one that replaced it meanwhile (a descriptor number reused while
        // a slot ran).
        std::array<quint64, 3> serial{};
        uint32_t interest = 0; // the mask epoll has
        Watch watch = Watch::None;

        bool isEmpty() const { return !byType[0] && !byType[1] && !byType[2]; }
    };

    struct Timer
    {
        qint64 interval;
        Qt::TimerType type;
        QObject *object;
        Clock::time_point deadline;
        quint64 serial;
        bool inEvent = false;
    };
    // Deadline first; the registration serial breaks ties in start order and keeps keys unique.
    using QueueKey = std::pair<Clock::time_point, quint64>;

    void updateInterest(int fd, Notifiers &entry, bool force);
    void forget(int fd, Notifiers &entry);
    void removeTimer(std::unordered_map<int, Timer>::iterator it);
    bool checkThread(const QObject *object, const char *what) const;
    int msecsUntil(Clock::time_point deadline) const;
    int msecsToNextTimer() const;
    void drainWakeUps();
    int activateSocketNotifiers(const epoll_event *ready, int count);
    int activateTimers();

    int m_epollFd = -1;
    int m_wakeFd = -1;
    // Set from the first wakeUp() until the loop drains the eventfd: a burst of posted
    // events from other threads costs one write().
    std::atomic<bool> m_wakePending{false};
    std::atomic<bool> m_interrupted{false};
    quint64 m_serial = 0;

    struct Watched
    {
        DescriptorWatcher *watcher = nullptr; // null: not watched
        uint32_t events = 0;
        quint64 serial = 0; // as for notifiers: a replaced watch is never told the old one's events
    };
    // Indexed by descriptor: the kernel hands out the lowest free numbers, so this stays dense,
    // and every ready socket of every wake-up is one array access instead of a hash lookup.
    std::vector<Watched> m_watched;
    const Watched *watchedEntry(int fd) const
    {
        return size_t(fd) < m_watched.size() && m_watched[size_t(fd)].watcher
                   ? &m_watched[size_t(fd)]
                   : nullptr;
    }
    bool forgetWatch(int fd); // true when fd was watched

    QHash<int, Notifiers> m_notifiers;
    // Descriptors epoll refuses (regular files: EPERM). poll() reports those as always ready,
    // so they are activated on every pass as Qt's dispatcher would.
    QSet<int> m_alwaysReady;

    std::unordered_map<int, Timer> m_timers;
    std::map<QueueKey, int> m_queue; // -> timer id
    std::unordered_multimap<const QObject *, int> m_timersByObject;
};

} // namespace ic::server
