// Notifier: when a new message pops up a notification and when it beeps
// (sound optional, off by default, always for mentions when on).
#include "AppSettings.h"
#include "Notifier.h"

#include <QApplication>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using ic::desktop::AppSettings;
using ic::desktop::Notifier;
using D = Notifier::Decision;

class TestNotifier : public QObject
{
    Q_OBJECT
private slots:
    void decide_data()
    {
        QTest::addColumn<bool>("focused");
        QTest::addColumn<bool>("shown");
        QTest::addColumn<bool>("mention");
        QTest::addColumn<bool>("sound");
        QTest::addColumn<bool>("popup");
        QTest::addColumn<bool>("beep");
        //                                     focused shown  mention sound   popup  beep
        QTest::newRow("reading the room") << true << true << false << true << false << false;
        QTest::newRow("other tab, focused") << true << false << false << true << true << false;
        QTest::newRow("unfocused") << false << true << false << true << true << true;
        QTest::newRow("unfocused, no sound") << false << true << false << false << true << false;
        QTest::newRow("mention, reading") << true << true << true << true << true << true;
        QTest::newRow("mention, no sound") << true << true << true << false << true << false;
        QTest::newRow("mention, unfocused") << false << false << true << true << true << true;
    }

    void decide()
    {
        QFETCH(bool, focused);
        QFETCH(bool, shown);
        QFETCH(bool, mention);
        QFETCH(bool, sound);
        QFETCH(bool, popup);
        QFETCH(bool, beep);
        const D d = Notifier::decide(focused, shown, mention, sound);
        QCOMPARE(d.popup, popup);
        QCOMPARE(d.sound, beep);
    }

    void offByDefaultAndBeepsWhenDue()
    {
        Notifier n;
        QVERIFY(!n.soundEnabled());
        QSignalSpy played(&n, &Notifier::soundPlayed);
        QVERIFY(n.messageArrived(false, false, true).popup);
        QCOMPARE(played.count(), 0); // sound off: never
        n.setSoundEnabled(true);
        QVERIFY(n.messageArrived(false, true, false).sound);
        QVERIFY(!n.messageArrived(true, true, false).sound);
        QVERIFY(n.messageArrived(true, true, true).sound);
        QCOMPARE(played.count(), 2);
        QCOMPARE(n.soundsPlayed(), 2);
    }

    void settingIsOffByDefaultAndKept()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("s.ini"));
        {
            AppSettings s(file);
            QVERIFY(!s.soundEnabled());
            s.setSoundEnabled(true);
        }
        AppSettings again(file);
        QVERIFY(again.soundEnabled());
    }
};

QTEST_MAIN(TestNotifier)
#include "tst_notifier.moc"
