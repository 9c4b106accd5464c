// Log lines: under systemd (journal) each line starts with its syslog priority, so journald
// files it at that level and `journalctl -p warning` shows warnings and errors only; elsewhere
// lines are unchanged.

#include "log/Log.h"

#include <QTest>

class TestLog : public QObject
{
    Q_OBJECT

private slots:
    void priorityPrefix_data()
    {
        QTest::addColumn<int>("type");
        QTest::addColumn<QByteArray>("prefix");
        QTest::addColumn<QByteArray>("level");
        QTest::newRow("debug") << int(QtDebugMsg) << QByteArray("<7>") << QByteArray(" debug ");
        QTest::newRow("info") << int(QtInfoMsg) << QByteArray("<6>") << QByteArray(" info ");
        QTest::newRow("warning") << int(QtWarningMsg) << QByteArray("<4>")
                                 << QByteArray(" warning ");
        QTest::newRow("error") << int(QtCriticalMsg) << QByteArray("<3>") << QByteArray(" error ");
    }

    void priorityPrefix()
    {
        QFETCH(int, type);
        QFETCH(QByteArray, prefix);
        QFETCH(QByteArray, level);
        const QByteArray journal = ic::log::formatLine(QtMsgType(type), "registration",
                                                       QStringLiteral("two\nlines"), true);
        QVERIFY2(journal.startsWith(prefix), journal.constData());
        QVERIFY(journal.contains(level + "registration: two lines\n"));
        QCOMPARE(journal.count('\n'), 1);

        const QByteArray plain =
            ic::log::formatLine(QtMsgType(type), "registration", QStringLiteral("text"), false);
        QVERIFY2(plain.at(0) >= '0' && plain.at(0) <= '9', plain.constData()); // the timestamp
        QVERIFY(!plain.contains('<'));
    }
};

QTEST_GUILESS_MAIN(TestLog)
#include "tst_log.moc"
