// The shared decoder (decodeServerFrame) reads every key of every server frame: the samples
// generated from the frame-shape table beside docs/protocol.md, for v1 and pv 2 sessions, with
// and without the optional keys, and the frames a server of the original project sends
// (tests/common/v1-recorded-frames.json). Decoding and encoding again must give back the very
// same JSON object, so a key the decoder drops or reads with the wrong type shows up here.

#include "FrameTable.h"
#include "protocol/ServerFrame.h"

#include <QTest>

using ic::testing::FrameTable;

namespace {

const FrameTable &table()
{
    static const FrameTable instance{QStringLiteral(PROTOCOL_TABLE)};
    return instance;
}

QJsonObject reencoded(const QJsonObject &frame)
{
    const auto decoded = ic::proto::decodeServerFrame(FrameTable::toJson(frame));
    if (!decoded)
        return {};
    return QJsonDocument::fromJson(ic::proto::encodeServerFrame(*decoded)).object();
}

} // namespace

class FrameDecodeTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(table().isValid(), qPrintable(table().error())); }

    void tableSamples_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<int>("pv");
        QTest::addColumn<bool>("withOptional");
        for (int pv : {1, 2}) {
            for (const QString &shape : table().shapeNames(pv)) {
                for (bool withOptional : {true, false}) {
                    QTest::addRow("%s pv%d %s", qPrintable(shape), pv,
                                  withOptional ? "all keys" : "required keys")
                        << shape << pv << withOptional;
                }
            }
        }
    }

    void tableSamples()
    {
        QFETCH(QString, shape);
        QFETCH(int, pv);
        QFETCH(bool, withOptional);
        const QJsonObject sample = table().sample(shape, pv, withOptional);
        // The generator and the checker agree, or the table itself is inconsistent.
        QCOMPARE(table().check(sample, shape, pv), QString());
        const auto decoded = ic::proto::decodeServerFrame(FrameTable::toJson(sample));
        QVERIFY(decoded);
        QVERIFY2(decoded->kind() != ic::proto::Command::Unknown, qPrintable(decoded->command));
        QCOMPARE(reencoded(sample), sample);
        if (decoded->kind() == ic::proto::Command::Error)
            QVERIFY(decoded->errorCode() != ic::proto::ErrorCode::None);
        if (sample.contains(QLatin1StringView("cAt")))
            QCOMPARE(decoded->time, std::optional<qint64>(FrameTable::sampleNs));
    }

    void recordedFrames_data()
    {
        QTest::addColumn<QString>("shape");
        QTest::addColumn<QJsonObject>("frame");
        const auto recorded = ic::testing::loadRecordedFrames(QStringLiteral(RECORDED_FRAMES));
        QVERIFY(!recorded.isEmpty());
        for (const auto &entry : recorded) {
            QTest::addRow("%s", qPrintable(entry.name)) << entry.shape << entry.frame;
            QTest::addRow("%s, optional keys left out", qPrintable(entry.name))
                << entry.shape << table().withoutOptional(entry.frame, entry.shape, 1);
        }
    }

    // The original project's frames fit our table and our decoder reads all of them.
    void recordedFrames()
    {
        QFETCH(QString, shape);
        QFETCH(QJsonObject, frame);
        QCOMPARE(table().check(frame, shape, 1), QString());
        QCOMPARE(reencoded(frame), frame);
    }

    // The comparison above is able to fail: a decoder that ignored a key would lose it.
    void reencodingShowsALostKey()
    {
        QJsonObject frame = table().sample(QStringLiteral("RP join"), 1, true);
        frame.insert(QLatin1StringView("zz"), 1); // a key no decoder reads
        QVERIFY(reencoded(frame) != frame);
    }
};

QTEST_GUILESS_MAIN(FrameDecodeTest)
#include "tst_framedecode.moc"
