// security::constantTimeEqual: equal exactly when the bytes are equal, whatever the lengths.

#include "security/ConstantTime.h"

#include <QTest>

class TestConstantTime : public QObject
{
    Q_OBJECT

private slots:
    void compare_data()
    {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("equal");
        QTest::newRow("same") << QByteArray("cluster-token") << QByteArray("cluster-token") << true;
        QTest::newRow("both empty") << QByteArray() << QByteArray("") << true;
        QTest::newRow("first byte differs")
            << QByteArray("xluster") << QByteArray("cluster") << false;
        QTest::newRow("last byte differs")
            << QByteArray("clusteR") << QByteArray("cluster") << false;
        QTest::newRow("prefix") << QByteArray("clust") << QByteArray("cluster") << false;
        QTest::newRow("one empty") << QByteArray() << QByteArray("x") << false;
        QTest::newRow("embedded zero") << QByteArray("a\0b", 3) << QByteArray("a\0c", 3) << false;
        QTest::newRow("binary same") << QByteArray(32, '\xff') << QByteArray(32, '\xff') << true;
    }
    void compare()
    {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, equal);
        QCOMPARE(ic::security::constantTimeEqual(a, b), equal);
        QCOMPARE(ic::security::constantTimeEqual(b, a), equal);
    }
};

QTEST_APPLESS_MAIN(TestConstantTime)
#include "tst_constanttime.moc"
