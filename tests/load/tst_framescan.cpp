// The load tester's two frame readers (the byte scanner and the full decode behind
// `--parse full`) on every frame shape of the table beside docs/protocol.md, with and without
// the optional keys, and on the frames a server of the original project sends: both must see the
// same command, message id, request id and error code, and the right ones.

#include "FrameScan.h"
#include "FrameTable.h"

#include <QTest>

using ic::load::FrameKind;
using ic::load::ScannedFrame;
using ic::testing::FrameTable;

namespace {

const FrameTable &table()
{
    static const FrameTable instance{QStringLiteral(PROTOCOL_TABLE)};
    return instance;
}

// What a reader must extract from `frame`, worked out from the JSON object itself.
ScannedFrame expected(const QJsonObject &frame)
{
    ScannedFrame result;
    const QString code = frame.value(QLatin1StringView("c")).toString();
    const QJsonObject first = frame.value(QLatin1StringView("m")).toArray().first().toObject();
    if (code == QLatin1StringView("TM")) {
        result.kind = FrameKind::TextMessage;
        result.messageId = first.value(QLatin1StringView("id")).toInteger(-1);
        bool digits = false;
        const qint64 sendNs =
            first.value(QLatin1StringView("t")).toString().section(u'x', 0, 0).toLongLong(&digits);
        result.sendNs = digits ? sendNs : -1;
    } else if (code == QLatin1StringView("RP") || code == QLatin1StringView("ER")) {
        result.kind = code == QLatin1StringView("RP") ? FrameKind::Reply : FrameKind::Error;
        result.joinReply = frame.value(QLatin1StringView("rq")).toString() ==
                           QLatin1StringView(ic::load::joinRequestId);
        if (result.kind == FrameKind::Error)
            result.errorCode = first.value(QLatin1StringView("t")).toString().toInt();
    } else {
        result.kind = FrameKind::Other;
    }
    return result;
}

void compareScans(const QJsonObject &frame)
{
    const QByteArray json = FrameTable::toJson(frame);
    const ScannedFrame want = expected(frame);
    for (const ScannedFrame &got :
         {ic::load::scanServerFrame(json), ic::load::decodeServerFrameFully(json)}) {
        QCOMPARE(int(got.kind), int(want.kind));
        QCOMPARE(got.messageId, want.messageId);
        QCOMPARE(got.sendNs, want.sendNs);
        QCOMPARE(got.joinReply, want.joinReply);
        QCOMPARE(got.errorCode, want.errorCode);
    }
}

} // namespace

class FrameScanTest : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase() { QVERIFY2(table().isValid(), qPrintable(table().error())); }

    void tableSamples_data()
    {
        QTest::addColumn<QJsonObject>("frame");
        for (int pv : {1, 2}) {
            for (const QString &shape : table().shapeNames(pv)) {
                for (bool withOptional : {true, false}) {
                    QJsonObject sample = table().sample(shape, pv, withOptional);
                    QTest::addRow("%s pv%d %s", qPrintable(shape), pv,
                                  withOptional ? "all keys" : "required keys")
                        << sample;
                    // The load tester's own join request id and probe text.
                    if (sample.contains(QLatin1StringView("rq")))
                        sample.insert(QLatin1StringView("rq"),
                                      QString::fromLatin1(ic::load::joinRequestId));
                    QJsonArray m = sample.value(QLatin1StringView("m")).toArray();
                    if (shape == QLatin1StringView("TM") && !m.isEmpty()) {
                        QJsonObject first = m.first().toObject();
                        first.insert(
                            QLatin1StringView("t"),
                            QString::fromLatin1(ic::load::encodeProbeText(1234567890123, 32)));
                        m.replace(0, first);
                        sample.insert(QLatin1StringView("m"), m);
                    }
                    QTest::addRow("%s pv%d %s, load tester's values", qPrintable(shape), pv,
                                  withOptional ? "all keys" : "required keys")
                        << sample;
                }
            }
        }
    }
    void tableSamples()
    {
        QFETCH(QJsonObject, frame);
        compareScans(frame);
    }

    void recordedFrames_data()
    {
        QTest::addColumn<QJsonObject>("frame");
        const auto recorded = ic::testing::loadRecordedFrames(QStringLiteral(RECORDED_FRAMES));
        QVERIFY(!recorded.isEmpty());
        for (const auto &entry : recorded) {
            QTest::addRow("%s", qPrintable(entry.name)) << entry.frame;
            QTest::addRow("%s, optional keys left out", qPrintable(entry.name))
                << table().withoutOptional(entry.frame, entry.shape, 1);
        }
    }
    void recordedFrames()
    {
        QFETCH(QJsonObject, frame);
        compareScans(frame);
    }
};

QTEST_GUILESS_MAIN(FrameScanTest)
#include "tst_framescan.moc"
