// The balancer's ServerRegistry against a small model of its rules (tests/common/RegistryModel.h):
// seeded random sequences of registrations, heartbeats from two addresses, deregistrations,
// probe and room-list answers (some failing), time passing, placements (some never used) and
// drains, checked after every step, with the rooms counted lost. The fuzz target fuzz_registry runs
// the same driver on libFuzzer's input.

#include "RegistryModel.h"

#include <QRandomGenerator>
#include <QtTest>

using ic::testing::registrymodel::Driver;

class TestRegistryModel : public QObject
{
    Q_OBJECT

private slots:
    void randomSequences_data()
    {
        QTest::addColumn<quint32>("seed");
        QTest::addColumn<int>("sequences");
        QTest::addColumn<int>("steps");
        QTest::newRow("seed 1, short sequences") << 1u << 200 << 60;
        QTest::newRow("seed 2, long sequences") << 2u << 20 << 2000;
        QTest::newRow("seed 3, medium") << 3u << 60 << 400;
        // INSTANTCHAT_REGISTRY_SEED reproduces or widens a run.
        const quint32 extra = qEnvironmentVariableIntValue("INSTANTCHAT_REGISTRY_SEED");
        if (extra != 0)
            QTest::newRow("seed from the environment") << extra << 100 << 1000;
    }

    void randomSequences()
    {
        QFETCH(quint32, seed);
        QFETCH(int, sequences);
        QFETCH(int, steps);
        QRandomGenerator random(seed);
        qint64 totalSteps = 0, placedNew = 0, placedExisting = 0, failed = 0, skipped = 0;
        qint64 refused409 = 0, refused403 = 0, expiries = 0, probesFailed = 0;
        qint64 lost = 0, unusedDropped = 0, unusedExpired = 0;
        for (int sequence = 0; sequence < sequences; ++sequence) {
            Driver driver;
            for (int i = 0; i < steps; ++i) {
                const quint32 r = random.generate();
                const QString error =
                    driver.step(quint8(r), quint8(r >> 8), quint8(r >> 16), quint8(r >> 24));
                QVERIFY2(error.isEmpty(), qPrintable(QStringLiteral("seed %1, sequence %2: %3")
                                                         .arg(seed)
                                                         .arg(sequence)
                                                         .arg(error)));
            }
            const auto &f = driver.figures();
            totalSteps += f.steps;
            placedNew += f.placedNew;
            placedExisting += f.placedExisting;
            failed += f.placementFailed;
            skipped += f.placementSkipped;
            refused409 += f.refused409;
            refused403 += f.refused403;
            expiries += f.expiries;
            probesFailed += f.probesFailed;
            lost += f.roomsLost;
            unusedDropped += f.unusedDropped;
            unusedExpired += f.unusedExpired;
        }
        qInfo("seed %u: %lld steps checked; placements %lld new, %lld existing, %lld failed, %lld "
              "waiting; heartbeats refused 409: %lld, deregistrations refused 403: %lld; %lld "
              "registrations expired, %lld probes failed; %lld rooms lost with their server, %lld "
              "unused placements dropped with their server and %lld at a room-list read",
              seed, totalSteps, placedNew, placedExisting, failed, skipped, refused409, refused403,
              expiries, probesFailed, lost, unusedDropped, unusedExpired);
        // The sequences reach what they are meant to check.
        QVERIFY(placedNew > 0 && placedExisting > 0 && failed > 0);
        QVERIFY(refused409 > 0 && refused403 > 0 && expiries > 0);
        QVERIFY(lost > 0 && unusedDropped > 0);
    }
};

QTEST_GUILESS_MAIN(TestRegistryModel)
#include "tst_registrymodel.moc"
