// One app per user and profile: a second start hands its rooms to the running one over the
// local socket (a clicked instantchat:// link used to start a second copy with the same
// identity, which took the room away from the first).
#include "SingleInstance.h"

#include <QCoreApplication>
#include <QLocalSocket>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <future>

using ic::desktop::SingleInstance;

class TestSingleInstance : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    QString profile(const char *name) const { return m_dir.filePath(QLatin1StringView(name)); }

    // handOver() blocks; the running side needs this thread's event loop, so the second start
    // runs on another thread as a second process would.
    static bool handOverFromElsewhere(const SingleInstance &second, const QStringList &rooms)
    {
        auto done = std::async(std::launch::async, [&] { return second.handOver(rooms, 3000); });
        while (done.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready)
            QCoreApplication::processEvents();
        return done.get();
    }

private slots:
    void secondStartHandsOverItsRooms()
    {
        SingleInstance running(profile("a.ini"));
        QVERIFY(!running.handOver({}, 200)); // nobody runs yet
        QVERIFY(running.listen());
        QSignalSpy requested(&running, &SingleInstance::roomsRequested);

        SingleInstance second(profile("a.ini"));
        QCOMPARE(second.socketName(), running.socketName());
        const QStringList rooms{QStringLiteral("instantchat://localhost:8080/café-talk"),
                                QStringLiteral("plain-room")};
        QVERIFY(handOverFromElsewhere(second, rooms));
        QTRY_COMPARE(requested.size(), 1);
        QCOMPARE(requested.at(0).at(0).toStringList(), rooms);

        // No rooms: the running app is asked to come to the front.
        QVERIFY(handOverFromElsewhere(second, {}));
        QTRY_COMPARE(requested.size(), 2);
        QVERIFY(requested.at(1).at(0).toStringList().isEmpty());
    }

    void otherProfilesRunTheirOwnApp()
    {
        SingleInstance running(profile("b.ini"));
        QVERIFY(running.listen());
        SingleInstance other(profile("c.ini"));
        QVERIFY(other.socketName() != running.socketName());
        QVERIFY(!handOverFromElsewhere(other, {QStringLiteral("room")}));
        QVERIFY(other.listen());
    }

    void garbageIsRefused()
    {
        SingleInstance running(profile("d.ini"));
        QVERIFY(running.listen());
        QSignalSpy requested(&running, &SingleInstance::roomsRequested);
        QLocalSocket socket;
        socket.connectToServer(running.socketName());
        QVERIFY(socket.waitForConnected(2000));
        socket.write("{\"not\": \"a list\"}\n");
        QTRY_COMPARE(socket.state(), QLocalSocket::UnconnectedState);
        QCOMPARE(requested.size(), 0);
    }

    // The real program: a second start with the same --settings exits at once (0) and leaves the
    // first running; the first keeps its socket.
    void secondProgramExits()
    {
        const QString program = QStringLiteral(INSTANTCHAT_DESKTOP_BIN);
        QVERIFY2(QFileInfo::exists(program), qPrintable(program));
        const QString settings = profile("program.ini");
        QProcess first;
        first.start(program, {QStringLiteral("--settings"), settings, QStringLiteral("--server"),
                              QStringLiteral("http://127.0.0.1:9")});
        QVERIFY(first.waitForStarted());
        SingleInstance probe(settings);
        QVERIFY(QTest::qWaitFor(
            [&] {
                QLocalSocket s;
                s.connectToServer(probe.socketName());
                return s.waitForConnected(100);
            },
            20000));
        QProcess second;
        second.start(program, {QStringLiteral("--settings"), settings, QStringLiteral("--join"),
                               QStringLiteral("handed-over")});
        QVERIFY(second.waitForFinished(20000));
        QCOMPARE(second.exitCode(), 0);
        QCOMPARE(first.state(), QProcess::Running);
        first.terminate();
        if (!first.waitForFinished(5000))
            first.kill();
    }
};

QTEST_MAIN(TestSingleInstance)
#include "tst_singleinstance.moc"
