// Notifier: when a new message pops up a notification and when it beeps
// (sound optional, off by default, always for mentions when on; popups can be turned off;
// do-not-disturb until turned off or for a while).
#include "AppSettings.h"
#include "Notifier.h"
#include "PlainText.h"

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
        QTest::addColumn<bool>("muted");
        QTest::addColumn<bool>("dnd");
        QTest::addColumn<bool>("popups");
        QTest::addColumn<bool>("popup");
        QTest::addColumn<bool>("beep");
        // clang-format off
        //                                        focused  shown    mention  sound    muted    dnd      popups   popup    beep
        QTest::newRow("reading the room")     << true  << true  << false << true  << false << false << true  << false << false;
        QTest::newRow("other tab, focused")   << true  << false << false << true  << false << false << true  << true  << false;
        QTest::newRow("unfocused")            << false << true  << false << true  << false << false << true  << true  << true;
        QTest::newRow("unfocused, no sound")  << false << true  << false << false << false << false << true  << true  << false;
        QTest::newRow("mention, reading")     << true  << true  << true  << true  << false << false << true  << true  << true;
        QTest::newRow("mention, no sound")    << true  << true  << true  << false << false << false << true  << true  << false;
        QTest::newRow("mention, unfocused")   << false << false << true  << true  << false << false << true  << true  << true;
        QTest::newRow("muted room")           << false << false << false << true  << true  << false << true  << false << false;
        QTest::newRow("muted room, mention")  << false << false << true  << true  << true  << false << true  << true  << true;
        QTest::newRow("do not disturb")       << false << false << false << true  << false << true  << true  << false << false;
        QTest::newRow("dnd, mention")         << false << false << true  << true  << false << true  << true  << false << false;
        QTest::newRow("popups off")           << false << false << false << true  << false << false << false << false << true;
        QTest::newRow("popups off, mention")  << false << false << true  << true  << false << false << false << false << true;
        QTest::newRow("popups off, no sound") << false << true  << true  << false << false << false << false << false << false;
        // clang-format on
    }

    void decide()
    {
        QFETCH(bool, focused);
        QFETCH(bool, shown);
        QFETCH(bool, mention);
        QFETCH(bool, sound);
        QFETCH(bool, muted);
        QFETCH(bool, dnd);
        QFETCH(bool, popups);
        QFETCH(bool, popup);
        QFETCH(bool, beep);
        const D d = Notifier::decide(focused, shown, mention, sound, muted, dnd, popups);
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

    // Do not disturb for a while ends by itself; "until turned off" does not.
    void timedDoNotDisturbEnds()
    {
        Notifier n;
        n.setSoundEnabled(true);
        QVERIFY(!n.doNotDisturb());
        n.setDoNotDisturbUntil(QDateTime::currentDateTime().addSecs(3600));
        QVERIFY(n.doNotDisturb());
        QCOMPARE(n.messageArrived(false, false, true), D{});
        n.setDoNotDisturbUntil(QDateTime::currentDateTime().addSecs(-1));
        QVERIFY(!n.doNotDisturb());
        QCOMPARE(n.messageArrived(false, false, true), (D{true, true}));
        n.setDoNotDisturb(true);
        QVERIFY(n.doNotDisturb());
        QCOMPARE(n.messageArrived(false, false, true), D{});
    }

    void notificationTextIsNeverMarkup_data()
    {
        QTest::addColumn<QString>("text");
        QTest::newRow("bold") << QStringLiteral("<b>hi</b>");
        QTest::newRow("link") << QStringLiteral("<a href=\"http://x\">x</a>");
        QTest::newRow("image") << QStringLiteral("<img src=\"/etc/passwd\">");
        QTest::newRow("entity") << QStringLiteral("&lt;b&gt; &amp;");
    }

    void notificationTextIsNeverMarkup()
    {
        QFETCH(QString, text);
        const QString shown = ic::desktop::notificationText(text);
        QVERIFY(!shown.contains(QLatin1Char('<')));
        QVERIFY(!shown.contains(QLatin1Char('>')));
        QVERIFY(!shown.contains(QLatin1Char('&')));
        QCOMPARE(shown.size(), text.size()); // the same characters, one for one
    }

    void notificationSettingsAreKept()
    {
        QTemporaryDir dir;
        const QString file = dir.filePath(QStringLiteral("n.ini"));
        const QUrl server(QStringLiteral("http://localhost:8081"));
        // Kept to the second (ISO 8601, UTC).
        const QDateTime until =
            QDateTime::fromSecsSinceEpoch(QDateTime::currentSecsSinceEpoch() + 3600);
        {
            AppSettings s(file);
            QVERIFY(!s.doNotDisturb() && !s.closeToTray());
            QVERIFY(s.notificationsEnabled()); // on by default
            QVERIFY(!s.doNotDisturbUntil().isValid());
            QVERIFY(s.highlightWords().isEmpty());
            s.setNotificationsEnabled(false);
            s.setDoNotDisturbUntil(until);
            s.setDoNotDisturb(true);
            s.setCloseToTray(true);
            s.setMuted(server, QStringLiteral("Room"), true);
            s.setHighlightWords({QStringLiteral("release")});
        }
        AppSettings again(file);
        QVERIFY(again.doNotDisturb() && again.closeToTray());
        QVERIFY(!again.notificationsEnabled());
        QCOMPARE(again.doNotDisturbUntil(), until);
        again.setDoNotDisturbUntil({});
        QVERIFY(!again.doNotDisturbUntil().isValid());
        QVERIFY(again.isMuted(server, QStringLiteral("Room")));
        QVERIFY(
            !again.isMuted(QUrl(QStringLiteral("http://localhost:8080")), QStringLiteral("Room")));
        QCOMPARE(again.highlightWords(), QStringList{QStringLiteral("release")});
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
