#include "transport/EpollEventDispatcher.h"

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QThread>
#include <QTimerEvent>
#include <QVarLengthArray>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace ic::server {
namespace {

// Ready descriptors taken per wake-up. More stay ready (level-triggered) and come with the
// next epoll_wait; the kernel rotates its ready list, so none is starved.
constexpr int maxEvents = 256;

constexpr std::array<uint32_t, 3> interestOf = {EPOLLIN, EPOLLOUT, EPOLLPRI};
// As with poll(): a hang-up or error wakes every notifier of the descriptor, so its owner gets
// to read the EOF or the error instead of the descriptor staying ready unnoticed.
constexpr std::array<uint32_t, 3> activatedBy = {
    EPOLLIN | EPOLLHUP | EPOLLERR,
    EPOLLOUT | EPOLLHUP | EPOLLERR,
    EPOLLPRI | EPOLLHUP | EPOLLERR,
};

// Keeps deadline arithmetic in steady_clock's nanoseconds clear of overflow; 2^40 ms is 35 years.
constexpr qint64 maxIntervalMs = qint64(1) << 40;

const char *typeName(int type)
{
    static const char *const names[] = {"Read", "Write", "Exception"};
    return type >= 0 && type < 3 ? names[type] : "?";
}

struct PendingActivation
{
    int fd;
    int type; // a QSocketNotifier::Type, or watchedType for a DescriptorWatcher
    quint64 serial;
    uint32_t events;
};

constexpr int watchedType = 3;

} // namespace

EpollEventDispatcher::EpollEventDispatcher(QObject *parent)
    : QAbstractEventDispatcher(parent), m_epollFd(epoll_create1(EPOLL_CLOEXEC)),
      m_wakeFd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC))
{
    // A thread that cannot wait or be woken cannot run an event loop at all.
    if (m_epollFd < 0 || m_wakeFd < 0)
        qFatal("EpollEventDispatcher: cannot create the epoll or wake-up descriptor: %s",
               strerror(errno));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = m_wakeFd;
    if (epoll_ctl(m_epollFd, EPOLL_CTL_ADD, m_wakeFd, &event) < 0)
        qFatal("EpollEventDispatcher: cannot watch the wake-up descriptor: %s", strerror(errno));
}

EpollEventDispatcher::~EpollEventDispatcher()
{
    closingDown();
    // Only here, not in closingDown(): other threads may post (and so call wakeUp()) until
    // the dispatcher is gone, and a closed descriptor number could by then belong to a socket.
    if (m_wakeFd >= 0)
        ::close(m_wakeFd);
}

void EpollEventDispatcher::closingDown()
{
    if (m_epollFd >= 0) {
        ::close(m_epollFd);
        m_epollFd = -1;
    }
    m_notifiers.clear();
    m_watched.clear();
    m_alwaysReady.clear();
    m_timers.clear();
    m_queue.clear();
    m_timersByObject.clear();
}

bool EpollEventDispatcher::checkThread(const QObject *object, const char *what) const
{
    if (object->thread() == thread() && thread() == QThread::currentThread())
        return true;
    qWarning("EpollEventDispatcher: %s cannot be used from another thread", what);
    return false;
}

// ---- direct watches ----

EpollEventDispatcher *EpollEventDispatcher::currentThreads()
{
    return qobject_cast<EpollEventDispatcher *>(QAbstractEventDispatcher::instance());
}

bool EpollEventDispatcher::watch(int fd, uint32_t events, DescriptorWatcher *watcher)
{
    Q_ASSERT(thread() == QThread::currentThread());
    if (m_epollFd < 0 || fd < 0 || !watcher || m_notifiers.contains(fd))
        return false;
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    int result = epoll_ctl(m_epollFd, EPOLL_CTL_ADD, fd, &event);
    if (result < 0 && errno == EEXIST) // a number reused behind our back: take it over
        result = epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &event);
    if (result < 0)
        return false;
    if (size_t(fd) >= m_watched.size())
        m_watched.resize(std::max(size_t(fd) + 1, m_watched.size() * 2));
    m_watched[size_t(fd)] = Watched{watcher, events, ++m_serial};
    return true;
}

void EpollEventDispatcher::changeWatch(int fd, uint32_t events)
{
    if (size_t(fd) >= m_watched.size() || !m_watched[size_t(fd)].watcher)
        return;
    Watched *it = &m_watched[size_t(fd)];
    if (it->events == events)
        return;
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &event) == 0)
        it->events = events;
}

void EpollEventDispatcher::rearm(int fd)
{
    const Watched *it = watchedEntry(fd);
    if (!it)
        return;
    // EPOLL_CTL_MOD checks readiness at once and queues an event when the descriptor is ready.
    epoll_event event{};
    event.events = it->events;
    event.data.fd = fd;
    epoll_ctl(m_epollFd, EPOLL_CTL_MOD, fd, &event);
}

bool EpollEventDispatcher::forgetWatch(int fd)
{
    if (!watchedEntry(fd))
        return false;
    m_watched[size_t(fd)] = Watched{};
    return true;
}

void EpollEventDispatcher::unwatch(int fd)
{
    if (forgetWatch(fd) && m_epollFd >= 0)
        epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
}

// ---- socket notifiers ----

void EpollEventDispatcher::registerSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const qintptr socket = notifier->socket();
    const int type = notifier->type();
    if (socket < 0 || socket > INT_MAX || type < 0 || type > 2) {
        qWarning("EpollEventDispatcher: invalid socket notifier (socket %lld, type %d)",
                 qlonglong(socket), type);
        return;
    }
    if (!checkThread(notifier, "socket notifiers"))
        return;
    const int fd = int(socket);
    forgetWatch(fd); // a stale direct watch of a number since reused: the notifier wins
    Notifiers &entry = m_notifiers[fd];
    QSocketNotifier *&slot = entry.byType[type];
    const bool replaced = slot && slot != notifier;
    if (replaced)
        qWarning("EpollEventDispatcher: multiple socket notifiers for socket %d and type %s", fd,
                 typeName(type));
    slot = notifier;
    entry.serial[type] = ++m_serial;
    // A replaced notifier usually means its descriptor was closed behind Qt's back and the
    // number reused: epoll dropped the old file, so the mask alone says nothing.
    updateInterest(fd, entry, replaced);
}

void EpollEventDispatcher::unregisterSocketNotifier(QSocketNotifier *notifier)
{
    Q_ASSERT(notifier);
    const int type = notifier->type();
    if (type < 0 || type > 2 || !checkThread(notifier, "socket notifiers"))
        return;
    const auto it = m_notifiers.find(int(notifier->socket()));
    if (it == m_notifiers.end() || it->byType[type] != notifier)
        return;
    it->byType[type] = nullptr;
    it->serial[type] = 0;
    if (it->isEmpty()) {
        forget(it.key(), *it);
        m_notifiers.erase(it);
    } else {
        updateInterest(it.key(), *it, false);
    }
}

void EpollEventDispatcher::updateInterest(int fd, Notifiers &entry, bool force)
{
    uint32_t interest = 0;
    for (int type = 0; type < 3; ++type) {
        if (entry.byType[type])
            interest |= interestOf[type];
    }
    if (entry.watch == Watch::AlwaysReady || m_epollFd < 0) {
        entry.interest = interest;
        return;
    }
    if (entry.watch == Watch::Epoll && interest == entry.interest && !force)
        return;

    epoll_event event{};
    event.events = interest;
    event.data.fd = fd;
    int op = entry.watch == Watch::Epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    int result = epoll_ctl(m_epollFd, op, fd, &event);
    // The descriptor may have been closed and its number reused since epoll last saw it
    // (ENOENT: gone from the set), or this table lost track of it (EEXIST): try the other op.
    if (result < 0 &&
        ((op == EPOLL_CTL_MOD && errno == ENOENT) || (op == EPOLL_CTL_ADD && errno == EEXIST))) {
        op = op == EPOLL_CTL_MOD ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
        result = epoll_ctl(m_epollFd, op, fd, &event);
    }
    if (result == 0) {
        entry.watch = Watch::Epoll;
    } else if (errno == EPERM) {
        entry.watch = Watch::AlwaysReady;
        m_alwaysReady.insert(fd);
    } else {
        // Typically EBADF: poll() would report POLLNVAL and Qt would disable the notifier; here
        // it simply never fires.
        qWarning("EpollEventDispatcher: cannot watch socket %d: %s", fd, strerror(errno));
    }
    entry.interest = interest;
}

void EpollEventDispatcher::forget(int fd, Notifiers &entry)
{
    if (entry.watch == Watch::Epoll && m_epollFd >= 0) {
        // Fails harmlessly (EBADF, ENOENT) when the descriptor was closed before its notifier
        // went: the kernel has already dropped it from the set.
        epoll_ctl(m_epollFd, EPOLL_CTL_DEL, fd, nullptr);
    } else if (entry.watch == Watch::AlwaysReady) {
        m_alwaysReady.remove(fd);
    }
    entry.watch = Watch::None;
}

int EpollEventDispatcher::activateSocketNotifiers(const epoll_event *ready, int count)
{
    // Everything to activate is decided before the first slot runs: a slot may delete,
    // disable or replace any notifier, including ones further down this list, so each is
    // looked up again right before its event and skipped if its registration is gone.
    QVarLengthArray<PendingActivation, 64> pending;
    const auto collect = [&](int fd, uint32_t events) {
        if (const Watched *watched = watchedEntry(fd)) {
            pending.append({fd, watchedType, watched->serial, events});
            return;
        }
        const auto it = m_notifiers.constFind(fd);
        if (it == m_notifiers.cend())
            return;
        for (int type = 0; type < 3; ++type) {
            if (it->byType[type] && (events & activatedBy[type]))
                pending.append({fd, type, it->serial[type], events});
        }
    };
    for (int i = 0; i < count; ++i) {
        if (ready[i].data.fd != m_wakeFd)
            collect(ready[i].data.fd, ready[i].events);
    }
    for (const int fd : std::as_const(m_alwaysReady))
        collect(fd, EPOLLIN | EPOLLOUT);

    int activated = 0;
    for (const PendingActivation &activation : std::as_const(pending)) {
        if (activation.type == watchedType) {
            const Watched *watched = watchedEntry(activation.fd);
            if (!watched || watched->serial != activation.serial)
                continue;
            watched->watcher->descriptorReady(activation.events);
            ++activated;
            continue;
        }
        const auto it = m_notifiers.constFind(activation.fd);
        if (it == m_notifiers.cend() || it->serial[activation.type] != activation.serial)
            continue;
        QEvent event(QEvent::SockAct);
        QCoreApplication::sendEvent(it->byType[activation.type], &event);
        ++activated;
    }
    return activated;
}

// ---- timers ----

void EpollEventDispatcher::registerTimer(int timerId, qint64 interval, Qt::TimerType timerType,
                                         QObject *object)
{
    if (timerId < 1 || interval < 0 || !object) {
        qWarning("EpollEventDispatcher::registerTimer: invalid arguments");
        return;
    }
    if (!checkThread(object, "timers"))
        return;
    if (const auto old = m_timers.find(timerId); old != m_timers.end()) {
        qWarning("EpollEventDispatcher::registerTimer: timer %d is already registered", timerId);
        removeTimer(old);
    }
    interval = std::min(interval, maxIntervalMs);
    // All timer types are kept precise: Qt lets coarse timers fire later, never earlier, so
    // firing on time is within their contract.
    const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(interval);
    const quint64 serial = ++m_serial;
    m_timers.emplace(timerId, Timer{interval, timerType, object, deadline, serial});
    m_queue.emplace(QueueKey{deadline, serial}, timerId);
    m_timersByObject.emplace(object, timerId);
}

void EpollEventDispatcher::removeTimer(std::unordered_map<int, Timer>::iterator it)
{
    const Timer &timer = it->second;
    m_queue.erase(QueueKey{timer.deadline, timer.serial});
    auto [first, last] = m_timersByObject.equal_range(timer.object);
    for (; first != last; ++first) {
        if (first->second == it->first) {
            m_timersByObject.erase(first);
            break;
        }
    }
    m_timers.erase(it);
}

bool EpollEventDispatcher::unregisterTimer(int timerId)
{
    if (thread() != QThread::currentThread()) {
        qWarning("EpollEventDispatcher: timers cannot be stopped from another thread");
        return false;
    }
    const auto it = m_timers.find(timerId);
    if (it == m_timers.end())
        return false;
    removeTimer(it);
    return true;
}

bool EpollEventDispatcher::unregisterTimers(QObject *object)
{
    if (!object || !checkThread(object, "timers"))
        return false;
    auto [first, last] = m_timersByObject.equal_range(object);
    if (first == last)
        return false;
    for (auto it = first; it != last; ++it) {
        const auto timer = m_timers.find(it->second);
        m_queue.erase(QueueKey{timer->second.deadline, timer->second.serial});
        m_timers.erase(timer);
    }
    m_timersByObject.erase(first, last);
    return true;
}

QList<QAbstractEventDispatcher::TimerInfo>
EpollEventDispatcher::registeredTimers(QObject *object) const
{
    QList<TimerInfo> list;
    if (!object)
        return list;
    auto [first, last] = m_timersByObject.equal_range(object);
    for (; first != last; ++first) {
        const Timer &timer = m_timers.at(first->second);
        list.append(
            TimerInfo(first->second, int(std::min<qint64>(timer.interval, INT_MAX)), timer.type));
    }
    return list;
}

int EpollEventDispatcher::msecsUntil(Clock::time_point deadline) const
{
    const Clock::duration left = deadline - Clock::now();
    if (left <= Clock::duration::zero())
        return 0;
    // Rounded up: a wait that ends a fraction of a millisecond early finds nothing due and
    // turns into a busy loop until the deadline.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return int(std::min<qint64>(ms, INT_MAX));
}

int EpollEventDispatcher::remainingTime(int timerId)
{
    const auto it = m_timers.find(timerId);
    return it == m_timers.end() ? -1 : msecsUntil(it->second.deadline);
}

int EpollEventDispatcher::msecsToNextTimer() const
{
    return m_queue.empty() ? -1 : msecsUntil(m_queue.cbegin()->first.first);
}

int EpollEventDispatcher::activateTimers()
{
    if (m_queue.empty())
        return 0;
    const Clock::time_point now = Clock::now();
    // Only timers due when the pass starts, each once: a zero-interval timer, or one restarted
    // by a handler, waits for the next pass instead of starving sockets and posted events.
    QVarLengthArray<std::pair<int, quint64>, 32> due;
    for (auto it = m_queue.cbegin(); it != m_queue.cend() && it->first.first <= now; ++it)
        due.append({it->second, it->first.second});

    int fired = 0;
    for (const auto &[id, serial] : std::as_const(due)) {
        const auto it = m_timers.find(id);
        // Stopped, or its object deleted, by an earlier handler of this pass; or the id was
        // freed and reused for a new timer.
        if (it == m_timers.end() || it->second.serial != serial)
            continue;
        Timer &timer = it->second;
        m_queue.erase(QueueKey{timer.deadline, serial});
        const auto interval = std::chrono::milliseconds(timer.interval);
        timer.deadline += interval;
        // Late (a long handler, a suspended machine): one event now, not a burst of catch-ups.
        if (timer.deadline < now)
            timer.deadline = now + interval;
        m_queue.emplace(QueueKey{timer.deadline, serial}, id);
        // Its handler is still running a nested event loop: rescheduled, but not re-entered.
        if (timer.inEvent)
            continue;
        timer.inEvent = true;
        // Like Qt, zero-interval timers do not count as work done: callers that loop while
        // processEvents() returns true (QCoreApplication::processEvents with a time limit)
        // would otherwise never stop while such a timer runs.
        if (timer.interval > 0)
            ++fired;
        QTimerEvent event(id);
        QCoreApplication::sendEvent(timer.object, &event);
        // The handler may have stopped the timer or added others (rehashing the table).
        const auto after = m_timers.find(id);
        if (after != m_timers.end() && after->second.serial == serial)
            after->second.inEvent = false;
    }
    return fired;
}

// ---- the loop ----

void EpollEventDispatcher::wakeUp()
{
    if (!m_wakePending.exchange(true))
        eventfd_write(m_wakeFd, 1);
}

void EpollEventDispatcher::interrupt()
{
    m_interrupted.store(true);
    wakeUp();
}

void EpollEventDispatcher::drainWakeUps()
{
    eventfd_t value;
    eventfd_read(m_wakeFd, &value);
    // Cleared only after the read: a wakeUp() between the two finds the flag still set and
    // writes nothing, which is fine, as the posted event it announced is sent by the caller's
    // next processEvents() before that can block (and an interrupt only asks this call to
    // return). Clearing first could let the read swallow a write whose flag then stays set,
    // and no wakeUp() would ever write again. An exchange rather than a store, so whatever the
    // waking thread did before (posting, QEventLoop::exit's flag) is visible here afterwards.
    m_wakePending.exchange(false);
}

bool EpollEventDispatcher::processEvents(QEventLoop::ProcessEventsFlags flags)
{
    // As in Qt's dispatcher, an interrupt is for the call in progress: one left over from an
    // earlier call (QEventLoop::quit() from a handler) must not cut this one short. A pending
    // wake-up still makes this call's wait return at once, so nothing is lost.
    m_interrupted.store(false);
    emit awake();
    QCoreApplication::sendPostedEvents();

    const bool includeTimers = !(flags & QEventLoop::X11ExcludeTimers);
    const bool includeNotifiers = !(flags & QEventLoop::ExcludeSocketNotifiers);
    const bool mayWait = (flags & QEventLoop::WaitForMoreEvents) && !m_interrupted.load();

    // Before the timeout is computed: handlers (the workers' write flush) may start timers,
    // post events or enable write notifiers, and the wait has to account for them.
    if (mayWait)
        emit aboutToBlock();
    if (m_interrupted.exchange(false) || m_epollFd < 0)
        return false;

    int timeout = 0;
    if (mayWait) {
        timeout = includeTimers ? msecsToNextTimer() : -1;
        if (includeNotifiers && !m_alwaysReady.isEmpty())
            timeout = 0;
    }

    epoll_event ready[maxEvents];
    int count = 0;
    if (includeNotifiers) {
        count = epoll_wait(m_epollFd, ready, maxEvents, timeout);
    } else {
        // The sockets are ready or not, they must not end the wait: only a wake-up or a timer.
        pollfd wake{m_wakeFd, POLLIN, 0};
        count = poll(&wake, 1, timeout);
        if (count > 0) {
            ready[0].events = EPOLLIN;
            ready[0].data.fd = m_wakeFd;
        }
    }
    if (count < 0) {
        // EINTR: a signal; the caller's loop comes straight back.
        if (errno != EINTR)
            qErrnoWarning("EpollEventDispatcher: epoll_wait");
        count = 0;
    }

    int processed = 0;
    for (int i = 0; i < count; ++i) {
        if (ready[i].data.fd == m_wakeFd) {
            drainWakeUps();
            ++processed;
            break;
        }
    }
    if (includeNotifiers)
        processed += activateSocketNotifiers(ready, count);
    if (includeTimers)
        processed += activateTimers();
    return processed > 0;
}

} // namespace ic::server
