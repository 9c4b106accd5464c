// Model-based test of Room (tests/common/RoomModelDriver.h): seeded random sequences of every
// room operation, each step checked against an independent model, including what every member's
// client shows. Deterministic: the same seeds every run; a failure prints the seed and the steps.
// INSTANTCHAT_ROOMMODEL_SEEDS / INSTANTCHAT_ROOMMODEL_STEPS run more.

#include "RoomModelDriver.h"

#include <QTest>

class tst_RoomModel : public QObject
{
    Q_OBJECT

private slots:
    void randomSequencesMatchTheModel()
    {
        const int seeds = qEnvironmentVariableIsSet("INSTANTCHAT_ROOMMODEL_SEEDS")
                              ? qEnvironmentVariableIntValue("INSTANTCHAT_ROOMMODEL_SEEDS")
                              : 200;
        const int steps = qEnvironmentVariableIsSet("INSTANTCHAT_ROOMMODEL_STEPS")
                              ? qEnvironmentVariableIntValue("INSTANTCHAT_ROOMMODEL_STEPS")
                              : 200;
        qint64 total = 0;
        for (int seed = 1; seed <= seeds; ++seed) {
            ic::testing::SeededChoices choices{quint64(seed)};
            std::string failure;
            ic::testing::RoomModelDriver driver(choices,
                                                [&](const std::string &what) { failure = what; });
            for (int i = 0; i < steps && driver.step(); ++i) {
            }
            total += driver.steps();
            QVERIFY2(
                failure.empty(),
                qPrintable(
                    QStringLiteral("seed %1: %2").arg(seed).arg(QString::fromStdString(failure))));
        }
        qInfo("%d seeds x %d steps: %lld room operations checked against the model", seeds, steps,
              total);
        QVERIFY(total >= qint64(seeds) * steps);
    }
};

QTEST_GUILESS_MAIN(tst_RoomModel)
#include "tst_roommodel.moc"
