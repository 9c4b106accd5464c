// EpollEventDispatcher, the event dispatcher of the worker threads: timers, posted events,
// wake-ups from other threads, interrupt, socket notifiers (level-triggered, re-entrant
// deletion), real TCP sockets, and thousands of idle descriptors.
//
// The test's own main thread runs on the dispatcher too (see main() below): every QEventLoop,
// QSignalSpy::wait and processEvents() here goes through it. Worker-thread behaviour (the way
// the server uses it) is tested on QThreads given the dispatcher before start().

#include "transport/EpollEventDispatcher.h"

#include <QAbstractEventDispatcher>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPointer>
#include <QScopeGuard>
#include <QSemaphore>
#include <QSignalSpy>
#include <QSocketNotifier>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <memory>
#include <numeric>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace ic::server;

namespace {

// A connected pair of non-blocking local stream sockets.
struct SocketPair
{
    int fd[2] = {-1, -1};

    SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
    ~SocketPair()
    {
        closeEnd(0);
        closeEnd(1);
    }
    SocketPair(const SocketPair &) = delete;
    SocketPair &operator=(const SocketPair &) = delete;

    bool isValid() const { return fd[0] >= 0 && fd[1] >= 0; }
    void closeEnd(int end)
    {
        if (fd[end] >= 0)
            ::close(fd[end]);
        fd[end] = -1;
    }
    bool send(int end, const char *data) const
    {
        const auto size = ssize_t(std::strlen(data));
        return ::write(fd[end], data, size) == size;
    }
    QByteArray drain(int end) const
    {
        QByteArray all;
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fd[end], buffer, sizeof buffer)) > 0)
            all.append(buffer, n);
        return all;
    }
};

QAbstractEventDispatcher *dispatcher()
{
    return QAbstractEventDispatcher::instance();
}

// One pass of the current thread's dispatcher that does not wait.
bool pass()
{
    return dispatcher()->processEvents(QEventLoop::AllEvents);
}

// Runs blocking event loops (the dispatcher waits in epoll) until the condition holds.
bool waitUntil(const std::function<bool()> &condition, int timeoutMs = 5000)
{
    QElapsedTimer clock;
    clock.start();
    while (!condition()) {
        if (clock.hasExpired(timeoutMs))
            return false;
        QEventLoop loop;
        QTimer::singleShot(10, &loop, &QEventLoop::quit);
        loop.exec();
    }
    return true;
}

void runFor(int ms)
{
    waitUntil([] { return false; }, ms);
}

// Counts its timer events and hands them to a callback.
class TimerProbe : public QObject
{
public:
    std::function<void(TimerProbe *, int)> onTimer;
    std::atomic<int> events{0};

protected:
    void timerEvent(QTimerEvent *event) override
    {
        ++events;
        if (onTimer)
            onTimer(this, event->timerId());
    }
};

// A QThread whose event loop runs on an EpollEventDispatcher, as the server's workers do.
class DispatcherThread
{
public:
    DispatcherThread() : m_thread(std::make_unique<QThread>())
    {
        m_thread->setEventDispatcher(new EpollEventDispatcher); // the thread owns it
        m_thread->start();
    }
    ~DispatcherThread()
    {
        m_thread->quit();
        if (!m_thread->wait(10000))
            qFatal("a dispatcher thread did not stop");
    }
    DispatcherThread(const DispatcherThread &) = delete;
    DispatcherThread &operator=(const DispatcherThread &) = delete;

    QThread *thread() const { return m_thread.get(); }
    // Lives in the thread: a context for queued calls and the source of aboutToBlock().
    QAbstractEventDispatcher *dispatcher() const { return m_thread->eventDispatcher(); }

    // Runs f on the thread and waits for it.
    template <typename F> void run(F f)
    {
        QMetaObject::invokeMethod(dispatcher(), std::move(f), Qt::BlockingQueuedConnection);
    }

private:
    std::unique_ptr<QThread> m_thread;
};

// A DescriptorWatcher that counts its calls and hands them to a callback.
class CountingWatcher final : public DescriptorWatcher
{
public:
    int calls = 0;
    uint32_t lastEvents = 0;
    std::function<void()> onReady;

    void descriptorReady(uint32_t events) override
    {
        ++calls;
        lastEvents = events;
        if (onReady)
            onReady();
    }
};

class LoopThread : public QThread
{
public:
    std::atomic<int> result{-1};

protected:
    void run() override { result = exec(); }
};

} // namespace

class TestEpollEventDispatcher : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        QVERIFY(qobject_cast<EpollEventDispatcher *>(dispatcher()));
        // manyIdleDescriptors needs some 4,000 descriptors.
        rlimit limit{};
        if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
            limit.rlim_cur = limit.rlim_max;
            setrlimit(RLIMIT_NOFILE, &limit);
        }
    }

    // ---- timers ----

    void singleShotTimerFiresOnce()
    {
        int fired = 0;
        QTimer::singleShot(20, this, [&fired] { ++fired; });
        QVERIFY(waitUntil([&] { return fired > 0; }));
        runFor(100);
        QCOMPARE(fired, 1);
    }

    void repeatingTimerFiresUntilStopped()
    {
        int fired = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&fired] { ++fired; });
        timer.start(5);
        QVERIFY(waitUntil([&] { return fired >= 10; }));
        timer.stop();
        const int stoppedAt = fired;
        runFor(100);
        QCOMPARE(fired, stoppedAt);
    }

    void timerStoppedInsideItsHandler()
    {
        TimerProbe probe;
        probe.onTimer = [](TimerProbe *self, int id) { self->killTimer(id); };
        probe.startTimer(5);
        TimerProbe zero; // zero-interval: due again immediately after its event
        zero.onTimer = [](TimerProbe *self, int id) { self->killTimer(id); };
        zero.startTimer(0);

        int fired = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&] {
            ++fired;
            timer.stop();
        });
        timer.start(5);

        QVERIFY(waitUntil([&] { return probe.events > 0 && zero.events > 0 && fired > 0; }));
        runFor(100);
        QCOMPARE(probe.events.load(), 1);
        QCOMPARE(zero.events.load(), 1);
        QCOMPARE(fired, 1);
    }

    void handlerDeletesTheOwnerOfAnotherDueTimer()
    {
        // Both timers are overdue in the same pass; whichever fires first deletes the other,
        // whose event must then never be delivered (it would go to a deleted object).
        int fired = 0;
        auto *a = new TimerProbe;
        auto *b = new TimerProbe;
        QPointer<TimerProbe> pa(a), pb(b);
        const auto cleanup = qScopeGuard([&] {
            delete pa.data();
            delete pb.data();
        });
        a->onTimer = [&](TimerProbe *, int) {
            ++fired;
            delete pb.data();
        };
        b->onTimer = [&](TimerProbe *, int) {
            ++fired;
            delete pa.data();
        };
        a->startTimer(10);
        b->startTimer(10);
        QThread::msleep(30);
        pass();
        QCOMPARE(fired, 1);
        QVERIFY(pa.isNull() != pb.isNull());
    }

    void handlerStopsAnotherDueTimer()
    {
        TimerProbe a, b;
        int idA = a.startTimer(10);
        int idB = b.startTimer(10);
        a.onTimer = [&](TimerProbe *, int) {
            if (idB) {
                b.killTimer(idB);
                idB = 0;
            }
        };
        b.onTimer = [&](TimerProbe *, int) {
            if (idA) {
                a.killTimer(idA);
                idA = 0;
            }
        };
        QThread::msleep(30);
        pass();
        QCOMPARE(a.events + b.events, 1);
        // The survivor keeps running, the stopped one never fires.
        QVERIFY(waitUntil([&] { return a.events + b.events >= 3; }));
        QVERIFY(a.events == 0 || b.events == 0);
    }

    void timerStartedByAHandlerWaitsForTheNextPass()
    {
        // Whichever of two overdue timers fires first stops the other and starts a new
        // zero-interval timer, which usually takes over the stopped timer's id: the new timer
        // is not the one that was due, so it must not fire in this pass.
        TimerProbe a, b, started;
        int ids[2] = {a.startTimer(10), b.startTimer(10)};
        TimerProbe *probes[2] = {&a, &b};
        for (int i = 0; i < 2; ++i) {
            probes[i]->onTimer = [&, i](TimerProbe *, int) {
                const int other = 1 - i;
                if (!ids[other])
                    return;
                probes[other]->killTimer(ids[other]);
                ids[other] = 0;
                started.startTimer(0);
            };
        }
        QThread::msleep(30);
        pass();
        QCOMPARE(a.events + b.events, 1);
        QCOMPARE(started.events.load(), 0);
        pass();
        QCOMPARE(started.events.load(), 1);
    }

    void zeroAndRestartedTimersFireOncePerPass()
    {
        TimerProbe zero;
        zero.startTimer(0);
        // Kills its timer and starts a new one from the handler: the id is usually reused at
        // once, and the new timer must wait for the next pass.
        TimerProbe restarter;
        restarter.onTimer = [](TimerProbe *self, int id) {
            self->killTimer(id);
            self->startTimer(0);
        };
        restarter.startTimer(0);
        for (int i = 1; i <= 3; ++i) {
            pass();
            QCOMPARE(zero.events.load(), i);
            QCOMPARE(restarter.events.load(), i);
        }
    }

    void zeroTimerDoesNotStarveSockets()
    {
        int ticks = 0;
        QTimer zero;
        connect(&zero, &QTimer::timeout, this, [&ticks] { ++ticks; });
        zero.start(0);
        SocketPair pair;
        QVERIFY(pair.isValid());
        int activations = 0;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            ++activations;
            pair.drain(0);
        });
        QVERIFY(pair.send(1, "x"));
        QVERIFY(waitUntil([&] { return activations > 0 && ticks > 0; }));
    }

    void remainingTime()
    {
        QTimer timer;
        timer.setSingleShot(true);
        timer.setTimerType(Qt::PreciseTimer); // coarse ones may be scheduled a little later
        timer.start(10000);
        const int left = timer.remainingTime();
        QVERIFY2(left > 5000 && left <= 10000, QByteArray::number(left));

        QTimer overdue;
        overdue.setSingleShot(true);
        overdue.start(10);
        QThread::msleep(30);
        QCOMPARE(overdue.remainingTime(), 0);

        const int id = timer.timerId();
        timer.stop();
        QCOMPARE(dispatcher()->remainingTime(id), -1);
    }

    void registeredAndUnregisteredTimers()
    {
        TimerProbe probe;
        const int precise = probe.startTimer(1000, Qt::PreciseTimer);
        const int coarse = probe.startTimer(5000, Qt::CoarseTimer);
        const auto timers = dispatcher()->registeredTimers(&probe);
        QCOMPARE(timers.size(), 2);
        for (const auto &timer : timers) {
            QVERIFY(timer.timerId == precise || timer.timerId == coarse);
            QCOMPARE(timer.interval, timer.timerId == precise ? 1000 : 5000);
            QCOMPARE(timer.timerType,
                     timer.timerId == precise ? Qt::PreciseTimer : Qt::CoarseTimer);
        }
        QVERIFY(timers[0].timerId != timers[1].timerId);

        QVERIFY(dispatcher()->unregisterTimers(&probe));
        QVERIFY(dispatcher()->registeredTimers(&probe).isEmpty());
        QCOMPARE(dispatcher()->remainingTime(precise), -1);
        QVERIFY(!dispatcher()->unregisterTimer(coarse));
    }

    void timerMovesWithItsObjectToAnotherThread()
    {
        // QObject::moveToThread carries running timers over with registeredTimers() and
        // unregisterTimers() here and registerTimer() on the target thread's dispatcher.
        DispatcherThread worker;
        std::atomic<QThread *> firedIn{nullptr};
        auto *probe = new TimerProbe;
        probe->onTimer = [&firedIn](TimerProbe *, int) { firedIn = QThread::currentThread(); };
        probe->startTimer(20);
        probe->moveToThread(worker.thread());
        QVERIFY(dispatcher()->registeredTimers(probe).isEmpty());
        QVERIFY(waitUntil([&] { return firedIn.load() == worker.thread(); }));
        worker.run([probe] { delete probe; });
    }

    void aboutToBlockAndAwakeAreEmitted()
    {
        QSignalSpy aboutToBlock(dispatcher(), &QAbstractEventDispatcher::aboutToBlock);
        QSignalSpy awake(dispatcher(), &QAbstractEventDispatcher::awake);
        QEventLoop loop;
        QTimer::singleShot(20, &loop, &QEventLoop::quit);
        loop.exec();
        QVERIFY(aboutToBlock.count() > 0);
        QVERIFY(awake.count() > 0);
    }

    // ---- threads, posted events, wake-ups ----

    void queuedCallWakesABlockedThread()
    {
        QSemaphore blocked, ran;
        DispatcherThread worker;
        connect(
            worker.dispatcher(), &QAbstractEventDispatcher::aboutToBlock, worker.dispatcher(),
            [&blocked] { blocked.release(); }, Qt::DirectConnection);
        // One round so the connection is in place before the thread goes to sleep.
        QMetaObject::invokeMethod(
            worker.dispatcher(), [] {}, Qt::QueuedConnection);
        QVERIFY(blocked.tryAcquire(1, 5000));
        QThread::msleep(50); // well inside epoll_wait by now, with no timer to end it
        QMetaObject::invokeMethod(
            worker.dispatcher(), [&ran] { ran.release(); }, Qt::QueuedConnection);
        QVERIFY(ran.tryAcquire(1, 5000));
    }

    void aboutToBlockRunsBeforeTheWait()
    {
        // The workers flush coalesced writes from aboutToBlock: bytes queued by an event only
        // leave if the signal comes before the thread goes to sleep with nothing else to do.
        SocketPair pair;
        QVERIFY(pair.isValid());
        QByteArray pending; // touched by the worker thread only
        DispatcherThread worker;
        connect(
            worker.dispatcher(), &QAbstractEventDispatcher::aboutToBlock, worker.dispatcher(),
            [&] {
                if (!pending.isEmpty() &&
                    ::write(pair.fd[0], pending.constData(), pending.size()) > 0)
                    pending.clear();
            },
            Qt::DirectConnection);
        QMetaObject::invokeMethod(
            worker.dispatcher(), [&pending] { pending = "flushed"; }, Qt::QueuedConnection);
        pollfd readable{pair.fd[1], POLLIN, 0};
        QCOMPARE(::poll(&readable, 1, 5000), 1);
        QCOMPARE(pair.drain(1), QByteArray("flushed"));
    }

    void deleteLaterRunsOnTheThread()
    {
        QSemaphore destroyed;
        DispatcherThread worker;
        worker.run([&destroyed] {
            auto *object = new QObject;
            QObject::connect(object, &QObject::destroyed, [&destroyed] { destroyed.release(); });
            object->deleteLater();
        });
        QVERIFY(destroyed.tryAcquire(1, 5000));
    }

    void exitAndQuitStopTheThreadLoop()
    {
        for (const int code : {7, 0}) {
            LoopThread thread;
            thread.setEventDispatcher(new EpollEventDispatcher); // the thread owns it
            thread.start();
            // In its loop (and then asleep in epoll_wait) before it is told to stop.
            QSemaphore inLoop;
            QMetaObject::invokeMethod(
                thread.eventDispatcher(), [&inLoop] { inLoop.release(); }, Qt::QueuedConnection);
            QVERIFY(inLoop.tryAcquire(1, 5000));
            QThread::msleep(20);
            if (code)
                thread.exit(code);
            else
                thread.quit();
            QVERIFY(thread.wait(5000));
            QCOMPARE(thread.result.load(), code);
        }
    }

    void interruptEndsABlockingProcessEvents()
    {
        QSemaphore entered;
        std::atomic<bool> returned{false};
        std::unique_ptr<QThread> thread(QThread::create([&] {
            entered.release();
            QAbstractEventDispatcher::instance()->processEvents(QEventLoop::WaitForMoreEvents);
            returned = true;
        }));
        thread->setEventDispatcher(new EpollEventDispatcher); // the thread owns it
        thread->start();
        QVERIFY(entered.tryAcquire(1, 5000));
        QThread::msleep(50);
        QVERIFY(!returned); // nothing to do: it waits
        thread->eventDispatcher()->interrupt();
        QVERIFY(thread->wait(5000));
        QVERIFY(returned);
    }

    void interruptBeforeProcessEventsPreventsTheWait()
    {
        pass(); // nothing left over from earlier tests that would end the wait anyway
        pass();
        bool safetyFired = false;
        QTimer safety;
        safety.setSingleShot(true);
        connect(&safety, &QTimer::timeout, this, [&safetyFired] { safetyFired = true; });
        safety.start(10000);
        dispatcher()->interrupt();
        dispatcher()->processEvents(QEventLoop::WaitForMoreEvents);
        QVERIFY(!safetyFired);
    }

    // ---- socket notifiers ----

    // ---- direct watches ----

    void directWatchIsLevelTriggeredAndFollowsChanges()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        EpollEventDispatcher *epoll = EpollEventDispatcher::currentThreads();
        QVERIFY(epoll);
        CountingWatcher watcher;
        QVERIFY(epoll->watch(pair.fd[0], EPOLLIN, &watcher));
        pass();
        QCOMPARE(watcher.calls, 0); // nothing to read

        QVERIFY(pair.send(1, "x"));
        QVERIFY(waitUntil([&] { return watcher.calls > 0; }));
        QVERIFY(watcher.lastEvents & EPOLLIN);
        int calls = watcher.calls;
        pass();
        QCOMPARE(watcher.calls, calls + 1); // unread: reported again

        QCOMPARE(pair.drain(0), QByteArray("x"));
        pass();
        calls = watcher.calls;
        runFor(50);
        QCOMPARE(watcher.calls, calls);

        epoll->changeWatch(pair.fd[0], EPOLLIN | EPOLLOUT); // an empty socket is writable
        QVERIFY(waitUntil([&] { return watcher.calls > calls; }));
        QVERIFY(watcher.lastEvents & EPOLLOUT);
        epoll->changeWatch(pair.fd[0], EPOLLIN);
        pass();
        calls = watcher.calls;
        runFor(50);
        QCOMPARE(watcher.calls, calls);

        epoll->unwatch(pair.fd[0]);
        QVERIFY(pair.send(1, "y"));
        runFor(50);
        QCOMPARE(watcher.calls, calls);
    }

    void watcherUnwatchingAnotherReadyDescriptorStopsItsCall()
    {
        SocketPair first, second;
        QVERIFY(first.isValid() && second.isValid());
        EpollEventDispatcher *epoll = EpollEventDispatcher::currentThreads();
        CountingWatcher a, b;
        // Whichever runs first reads its own input and unwatches the other, which is ready in
        // the same pass: that one must not be told any more.
        a.onReady = [&] {
            first.drain(0);
            epoll->unwatch(second.fd[0]);
        };
        b.onReady = [&] {
            second.drain(0);
            epoll->unwatch(first.fd[0]);
        };
        QVERIFY(epoll->watch(first.fd[0], EPOLLIN, &a));
        QVERIFY(epoll->watch(second.fd[0], EPOLLIN, &b));
        QVERIFY(first.send(1, "x"));
        QVERIFY(second.send(1, "x"));
        QVERIFY(waitUntil([&] { return a.calls + b.calls > 0; }));
        runFor(50);
        QCOMPARE(a.calls + b.calls, 1);
        epoll->unwatch(first.fd[0]);
        epoll->unwatch(second.fd[0]);
    }

    void hangUpReachesTheWatcher()
    {
        SocketPair pair;
        EpollEventDispatcher *epoll = EpollEventDispatcher::currentThreads();
        CountingWatcher watcher;
        QVERIFY(epoll->watch(pair.fd[0], EPOLLIN, &watcher));
        pair.closeEnd(1);
        QVERIFY(waitUntil([&] { return watcher.calls > 0; }));
        QVERIFY(watcher.lastEvents & (EPOLLHUP | EPOLLRDHUP | EPOLLIN));
        char byte;
        QCOMPARE(::read(pair.fd[0], &byte, 1), ssize_t(0)); // what the watcher would read: EOF
        epoll->unwatch(pair.fd[0]);
    }

    void descriptorHeldByNotifiersCannotBeWatched()
    {
        SocketPair pair;
        EpollEventDispatcher *epoll = EpollEventDispatcher::currentThreads();
        CountingWatcher watcher;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
        QVERIFY(!epoll->watch(pair.fd[0], EPOLLIN, &watcher));
        int activations = 0;
        connect(&notifier, &QSocketNotifier::activated, this, [&] { ++activations; });
        QVERIFY(pair.send(1, "x"));
        QVERIFY(waitUntil([&] { return activations > 0; })); // the notifier still works
        QCOMPARE(watcher.calls, 0);
    }

    // ---- socket notifiers ----

    void readNotifierIsLevelTriggered()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        int activations = 0;
        bool readInSlot = false;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            ++activations;
            if (readInSlot)
                pair.drain(0);
        });
        pass();
        pass();
        QCOMPARE(activations, 0); // nothing to read

        QVERIFY(pair.send(1, "x"));
        QVERIFY(waitUntil([&] { return activations > 0; }));
        // Not read: still ready, so every pass reports it again.
        const int unread = activations;
        pass();
        pass();
        QCOMPARE(activations, unread + 2);

        readInSlot = true;
        pass();
        const int drained = activations;
        pass();
        runFor(50);
        QCOMPARE(activations, drained);

        QVERIFY(pair.send(1, "y"));
        QVERIFY(waitUntil([&] { return activations > drained; }));
    }

    void writeNotifierFollowsWritability()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        int activations = 0;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Write);
        connect(&notifier, &QSocketNotifier::activated, this, [&activations] { ++activations; });
        QVERIFY(waitUntil([&] { return activations > 0; }));

        // A full send buffer: no longer writable, no more activations.
        const QByteArray chunk(4096, 'z');
        while (::write(pair.fd[0], chunk.constData(), chunk.size()) > 0) {
        }
        pass();
        const int full = activations;
        pass();
        runFor(50);
        QCOMPARE(activations, full);

        pair.drain(1);
        QVERIFY(waitUntil([&] { return activations > full; }));
    }

    void disabledNotifierDoesNotFire()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        QVERIFY(pair.send(1, "x"));
        int activations = 0;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, this, [&activations] { ++activations; });
        QVERIFY(waitUntil([&] { return activations > 0; }));
        notifier.setEnabled(false);
        const int disabledAt = activations;
        pass();
        runFor(50);
        QCOMPARE(activations, disabledAt);
        notifier.setEnabled(true);
        QVERIFY(waitUntil([&] { return activations > disabledAt; }));
    }

    void slotDeletesTheOtherNotifierOfTheSameDescriptor()
    {
        // Readable and writable at once: both notifiers are due in the same pass.
        SocketPair pair;
        QVERIFY(pair.isValid());
        QVERIFY(pair.send(1, "x"));
        QPointer<QSocketNotifier> reader = new QSocketNotifier(pair.fd[0], QSocketNotifier::Read);
        QPointer<QSocketNotifier> writer = new QSocketNotifier(pair.fd[0], QSocketNotifier::Write);
        int readerFired = 0, writerFired = 0;
        connect(reader, &QSocketNotifier::activated, this, [&] {
            ++readerFired;
            delete writer.data();
        });
        connect(writer, &QSocketNotifier::activated, this, [&] {
            ++writerFired;
            delete reader.data();
        });
        pass();
        QCOMPARE(readerFired + writerFired, 1);
        runFor(30);
        QVERIFY(readerFired == 0 || writerFired == 0);
        delete reader.data();
        delete writer.data();
    }

    void slotDeletesTheNotifierOfAnotherReadyDescriptor()
    {
        SocketPair one, two;
        QVERIFY(one.isValid() && two.isValid());
        QVERIFY(one.send(1, "x"));
        QVERIFY(two.send(1, "x"));
        QPointer<QSocketNotifier> first = new QSocketNotifier(one.fd[0], QSocketNotifier::Read);
        QPointer<QSocketNotifier> second = new QSocketNotifier(two.fd[0], QSocketNotifier::Read);
        int firstFired = 0, secondFired = 0;
        connect(first, &QSocketNotifier::activated, this, [&] {
            ++firstFired;
            delete second.data();
        });
        connect(second, &QSocketNotifier::activated, this, [&] {
            ++secondFired;
            delete first.data();
        });
        pass();
        QCOMPARE(firstFired + secondFired, 1);
        delete first.data();
        delete second.data();
    }

    void replacementNotifierDoesNotInheritReadiness()
    {
        // A slot closes another ready descriptor and a new socket takes over its number before
        // the pass reaches it: the new notifier must not be activated for the old socket's data.
        SocketPair one, two;
        QVERIFY(one.isValid() && two.isValid());
        QVERIFY(one.send(1, "x"));
        QVERIFY(two.send(1, "x"));
        SocketPair fresh;
        QVERIFY(fresh.isValid());
        std::unique_ptr<QSocketNotifier> replacement;
        int replacementFired = 0;
        std::unique_ptr<QSocketNotifier> notifiers[2] = {
            std::make_unique<QSocketNotifier>(one.fd[0], QSocketNotifier::Read),
            std::make_unique<QSocketNotifier>(two.fd[0], QSocketNotifier::Read),
        };
        SocketPair *pairs[2] = {&one, &two};
        int fired = 0;
        for (int i = 0; i < 2; ++i) {
            connect(notifiers[i].get(), &QSocketNotifier::activated, this, [&, i] {
                ++fired;
                pairs[i]->drain(0);
                if (replacement)
                    return;
                const int other = 1 - i;
                const int number = pairs[other]->fd[0];
                notifiers[other].reset();
                // The same descriptor number, now an idle socket with nothing to read.
                QCOMPARE(::dup2(fresh.fd[0], number), number);
                replacement = std::make_unique<QSocketNotifier>(number, QSocketNotifier::Read);
                connect(replacement.get(), &QSocketNotifier::activated, this,
                        [&replacementFired] { ++replacementFired; });
            });
        }
        pass();
        QCOMPARE(fired, 1);
        QVERIFY(replacement);
        runFor(50);
        QCOMPARE(replacementFired, 0);
        QVERIFY(fresh.send(1, "y"));
        QVERIFY(waitUntil([&] { return replacementFired > 0; }));
        replacement.reset();
    }

    void slotDeletesItsOwnNotifier()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        QVERIFY(pair.send(1, "x"));
        auto *reader = new QSocketNotifier(pair.fd[0], QSocketNotifier::Read);
        QSocketNotifier writer(pair.fd[0], QSocketNotifier::Write);
        int readerFired = 0, writerFired = 0;
        connect(reader, &QSocketNotifier::activated, this, [&] {
            ++readerFired;
            delete reader;
        });
        connect(&writer, &QSocketNotifier::activated, this, [&writerFired] { ++writerFired; });
        pass();
        QCOMPARE(readerFired, 1);
        QCOMPARE(writerFired, 1); // the same descriptor's other notifier still gets its turn
        QVERIFY(waitUntil([&] { return writerFired >= 3; }));
        QCOMPARE(readerFired, 1);
    }

    void peerCloseActivatesTheReadNotifier()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        int activations = 0;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, this, [&] {
            ++activations;
            notifier.setEnabled(false); // EOF stays readable
        });
        pair.closeEnd(1);
        QVERIFY(waitUntil([&] { return activations > 0; }));
        char byte;
        QCOMPARE(::read(pair.fd[0], &byte, 1), ssize_t(0));
    }

    void hangUpAloneActivatesTheReadNotifier()
    {
        // An empty pipe whose writer is gone reports POLLHUP without POLLIN: only the hang-up
        // can wake the reader.
        int pipeFds[2];
        QCOMPARE(::pipe2(pipeFds, O_NONBLOCK | O_CLOEXEC), 0);
        ::close(pipeFds[1]);
        pollfd state{pipeFds[0], POLLIN, 0};
        QCOMPARE(::poll(&state, 1, 0), 1);
        QVERIFY(state.revents & POLLHUP);
        QVERIFY(!(state.revents & POLLIN));

        int activations = 0;
        {
            QSocketNotifier notifier(pipeFds[0], QSocketNotifier::Read);
            connect(&notifier, &QSocketNotifier::activated, this, [&] {
                ++activations;
                notifier.setEnabled(false);
            });
            const bool woke = waitUntil([&] { return activations > 0; });
            ::close(pipeFds[0]);
            QVERIFY(woke);
        }
    }

    void regularFileNotifierFires()
    {
        // epoll refuses regular files; poll() calls them always ready, and so does the dispatcher.
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write("data");
        file.flush();
        const int fd = ::open(QFile::encodeName(file.fileName()).constData(), O_RDONLY | O_CLOEXEC);
        QVERIFY(fd >= 0);
        int activations = 0;
        {
            QSocketNotifier notifier(fd, QSocketNotifier::Read);
            connect(&notifier, &QSocketNotifier::activated, this,
                    [&activations] { ++activations; });
            const bool woke = waitUntil([&] { return activations > 0; });
            notifier.setEnabled(false);
            ::close(fd);
            QVERIFY(woke);
        }
    }

    void excludeFlagsHoldBackNotifiersAndTimers()
    {
        SocketPair pair;
        QVERIFY(pair.isValid());
        int activations = 0;
        QSocketNotifier notifier(pair.fd[0], QSocketNotifier::Read);
        connect(&notifier, &QSocketNotifier::activated, this, [&activations] { ++activations; });
        pass();
        pass();
        QVERIFY(pair.send(1, "x"));
        dispatcher()->processEvents(QEventLoop::ExcludeSocketNotifiers);
        QCOMPARE(activations, 0);
        // Waiting without notifiers: the ready socket must not end the wait, the timer must.
        bool timerFired = false;
        QTimer::singleShot(20, this, [&timerFired] { timerFired = true; });
        dispatcher()->processEvents(QEventLoop::ExcludeSocketNotifiers |
                                    QEventLoop::WaitForMoreEvents);
        QVERIFY(timerFired);
        QCOMPARE(activations, 0);
        pass();
        QVERIFY(activations > 0);
        notifier.setEnabled(false);

        TimerProbe probe;
        probe.startTimer(10);
        QThread::msleep(30);
        dispatcher()->processEvents(QEventLoop::X11ExcludeTimers);
        QCOMPARE(probe.events.load(), 0);
        pass();
        QCOMPARE(probe.events.load(), 1);
    }

    void manyIdleDescriptorsStayQuiet()
    {
        constexpr int count = 2001;
        std::vector<std::unique_ptr<SocketPair>> pairs;
        std::vector<std::unique_ptr<QSocketNotifier>> notifiers;
        std::vector<int> hits(count, 0);
        for (int i = 0; i < count; ++i) {
            pairs.push_back(std::make_unique<SocketPair>());
            // A failure, not a skip: a test that did not run must not count as passed.
            if (!pairs.back()->isValid())
                QFAIL("not enough descriptors for 2,001 socket pairs (raise ulimit -n)");
            notifiers.push_back(
                std::make_unique<QSocketNotifier>(pairs.back()->fd[0], QSocketNotifier::Read));
            connect(notifiers.back().get(), &QSocketNotifier::activated, this,
                    [&hits, i] { ++hits[i]; });
        }
        for (const int active : {1234, 7}) {
            std::fill(hits.begin(), hits.end(), 0);
            QVERIFY(pairs[active]->send(1, "x"));
            QVERIFY(waitUntil([&] { return hits[active] > 0; }));
            runFor(30);
            const int total = std::accumulate(hits.begin(), hits.end(), 0);
            QCOMPARE(total - hits[active], 0);
            pairs[active]->drain(0);
        }
        notifiers.clear();
    }

    void tcpEchoOnADispatcherThread()
    {
        // QTcpServer and QTcpSocket drive their sockets with read and write notifiers; the
        // payload is larger than the socket buffers, so both sides wait for writability too.
        DispatcherThread worker;
        QTcpServer *server = nullptr;
        quint16 port = 0;
        worker.run([&] {
            server = new QTcpServer;
            QObject::connect(server, &QTcpServer::newConnection, server, [server] {
                while (QTcpSocket *socket = server->nextPendingConnection()) {
                    QObject::connect(socket, &QTcpSocket::readyRead, socket,
                                     [socket] { socket->write(socket->readAll()); });
                }
            });
            if (server->listen(QHostAddress::LocalHost, 0))
                port = server->serverPort();
        });
        QVERIFY(port != 0);

        QByteArray payload(1 << 20, Qt::Uninitialized);
        for (int i = 0; i < payload.size(); ++i)
            payload[i] = char(i * 7 + i / 4096);
        QByteArray echoed;
        QTcpSocket client;
        connect(&client, &QTcpSocket::readyRead, this, [&] { echoed += client.readAll(); });
        client.connectToHost(QHostAddress::LocalHost, port);
        QVERIFY(waitUntil([&] { return client.state() == QAbstractSocket::ConnectedState; }));
        client.write(payload);
        QVERIFY(waitUntil([&] { return echoed.size() >= payload.size(); }, 30000));
        QCOMPARE(echoed.size(), payload.size());
        QVERIFY(echoed == payload);
        client.disconnectFromHost();
        worker.run([&server] { delete server; });
    }
};

int main(int argc, char **argv)
{
    // The main thread's loops run on the dispatcher under test as well; the application
    // takes ownership of it.
    QCoreApplication::setEventDispatcher(new EpollEventDispatcher);
    QCoreApplication app(argc, argv);
    TestEpollEventDispatcher test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_epolleventdispatcher.moc"
