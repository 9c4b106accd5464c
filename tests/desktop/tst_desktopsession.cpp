// The session across restarts: the rooms open at quit come back in their tab order with the
// same one in front, and the window keeps its geometry and its messages/members splitter.
// The rooms point at a loopback port nobody listens on: they stay in their connecting state.
#include "AppSettings.h"
#include "MainWindow.h"
#include "RoomConnection.h"
#include "RoomLink.h"
#include "RoomView.h"

#include <QApplication>
#include <QScreen>
#include <QSplitter>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace ic::desktop;

class TestDesktopSession : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;

    static QStringList roomNames(const MainWindow &w)
    {
        QStringList names;
        for (int i = 0; i < w.roomCount(); ++i)
            names << w.roomView(i)->connection()->roomName();
        return names;
    }

private slots:
    void roomsGeometryAndSplitterComeBack()
    {
        const QString file = m_dir.filePath(QStringLiteral("session.ini"));
        // Inside the (offscreen) screen, and not where a new window would open.
        const QRect wanted =
            QApplication::primaryScreen()->availableGeometry().adjusted(30, 40, -50, -20);
        QList<int> sizes;
        {
            AppSettings settings(file);
            settings.setServer(QUrl(QStringLiteral("http://127.0.0.1:9")));
            MainWindow w(&settings);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QVERIFY(w.openRoom(QStringLiteral("alpha")));
            QVERIFY(w.openRoom(
                roomPageUrl(QUrl(QStringLiteral("http://127.0.0.2:9")), QStringLiteral("beta"))
                    .toString()));
            QCOMPARE(w.tabs()->currentIndex(), 1);
            w.tabs()->setCurrentIndex(0); // not the last opened: the restore must pick it
            w.setGeometry(wanted);
            QTRY_COMPARE(w.geometry(), wanted);
            QSplitter *splitter = w.currentRoom()->splitter();
            splitter->setSizes({splitter->width() - 340, 300});
            QTRY_VERIFY(splitter->sizes().value(1) >= 290);
            sizes = splitter->sizes();
            QVERIFY(w.close());
        }
        AppSettings settings(file);
        MainWindow w(&settings);
        w.restoreSession();
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QCOMPARE(roomNames(w), QStringList({QStringLiteral("alpha"), QStringLiteral("beta")}));
        // Each room on its own server.
        QCOMPARE(w.roomView(0)->connection()->config().server,
                 QUrl(QStringLiteral("http://127.0.0.1:9")));
        QCOMPARE(w.roomView(1)->connection()->config().server,
                 QUrl(QStringLiteral("http://127.0.0.2:9")));
        QCOMPARE(w.tabs()->currentIndex(), 0);
        QCOMPARE(w.geometry(), wanted);
        QTRY_COMPARE(w.currentRoom()->splitter()->sizes(), sizes);
        // Passwords are never written down.
        QFile ini(file);
        QVERIFY(ini.open(QIODevice::ReadOnly));
        QVERIFY(!ini.readAll().contains("password"));
    }

    void offScreenGeometryIsBroughtBack()
    {
        const QString file = m_dir.filePath(QStringLiteral("offscreen.ini"));
        {
            AppSettings settings(file);
            MainWindow w(&settings);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            // As if saved on a second monitor that is gone now.
            w.move(20000, 15000);
            w.saveSession();
        }
        AppSettings settings(file);
        MainWindow w(&settings);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QRect avail = QApplication::primaryScreen()->availableGeometry();
        QVERIFY2(avail.intersects(w.frameGeometry()), qPrintable(QStringLiteral("window at %1,%2")
                                                                     .arg(w.frameGeometry().x())
                                                                     .arg(w.frameGeometry().y())));
    }

    // A room opened now (a link on the command line) comes in addition to the restored ones.
    void roomOpenedAtStartAddsToTheSession()
    {
        const QString file = m_dir.filePath(QStringLiteral("extra.ini"));
        {
            AppSettings settings(file);
            settings.setServer(QUrl(QStringLiteral("http://127.0.0.1:9")));
            MainWindow w(&settings);
            w.openRoom(QStringLiteral("kept"));
            w.saveSession();
        }
        AppSettings settings(file);
        MainWindow w(&settings);
        w.restoreSession();
        w.openRoom(QStringLiteral("new"));
        QCOMPARE(roomNames(w), QStringList({QStringLiteral("kept"), QStringLiteral("new")}));
    }
};

QTEST_MAIN(TestDesktopSession)
#include "tst_desktopsession.moc"
