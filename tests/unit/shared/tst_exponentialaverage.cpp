// The smoothing behind the load figures a server reports for placement.

#include "system/ExponentialAverage.h"

#include <QTest>

using ic::sys::ExponentialAverage;

class TestExponentialAverage : public QObject
{
    Q_OBJECT
private slots:
    void firstSampleIsTakenAsItIs()
    {
        ExponentialAverage average(10.0);
        QCOMPARE(average.value(), 0.0);
        average.add(42.0, 1.0);
        QCOMPARE(average.value(), 42.0);
    }

    void oneBusySecondMovesTheAverageByAboutATenth()
    {
        ExponentialAverage average(10.0);
        average.add(0.0, 1.0);
        average.add(100.0, 1.0); // a spike of one second
        QVERIFY2(average.value() > 9.0 && average.value() < 10.0,
                 qPrintable(QString::number(average.value())));
        // ... and fades again.
        for (int i = 0; i < 30; ++i)
            average.add(0.0, 1.0);
        QVERIFY2(average.value() < 0.5, qPrintable(QString::number(average.value())));
    }

    void sustainedLoadIsReachedWithinAFewTimeConstants()
    {
        ExponentialAverage average(10.0);
        average.add(0.0, 1.0);
        for (int i = 0; i < 10; ++i)
            average.add(80.0, 1.0);
        // 1 - e^-1 of the way after one time constant.
        QVERIFY2(qAbs(average.value() - 80.0 * (1.0 - std::exp(-1.0))) < 0.01,
                 qPrintable(QString::number(average.value())));
        for (int i = 0; i < 70; ++i)
            average.add(80.0, 1.0);
        QVERIFY2(qAbs(average.value() - 80.0) < 0.1,
                 qPrintable(QString::number(average.value()))); // 80 e^-8
    }

    void longerGapsWeighMore()
    {
        ExponentialAverage shortGap(10.0), longGap(10.0);
        shortGap.add(0.0, 1.0);
        longGap.add(0.0, 1.0);
        shortGap.add(50.0, 1.0);
        longGap.add(50.0, 5.0);
        QVERIFY(longGap.value() > shortGap.value());
        // No time passed: nothing changes.
        const double before = shortGap.value();
        shortGap.add(100.0, 0.0);
        QCOMPARE(shortGap.value(), before);
    }
};

QTEST_GUILESS_MAIN(TestExponentialAverage)
#include "tst_exponentialaverage.moc"
