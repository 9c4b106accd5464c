// PNG data URL checks and the drawing store: limits, ownership, memory cap and expiry.

#include "drawings/DrawingStore.h"
#include "drawings/PngDataUrl.h"

#include "FakePng.h"
#include <QTest>

using namespace ic::balancer;
using ic::testing::fakePng;
using ic::testing::pngDataUrl;

namespace {

const QString group = QStringLiteral("0f8fad5b-d9cb-469f-a165-70867728950e");

} // namespace

class TestDrawings : public QObject
{
    Q_OBJECT
private slots:
    void pngChecks()
    {
        QVERIFY(checkPngDataUrl(pngDataUrl(fakePng(100, 50, 64)), 1024, 2048).ok());
        QCOMPARE(checkPngDataUrl(pngDataUrl(fakePng(100, 50, 64)), 1024, 2048).width, 100);
        QCOMPARE(checkPngDataUrl("data:image/jpeg;base64,AAAA", 1024, 2048).result,
                 PngCheck::Result::NotDataUrl);
        QCOMPARE(checkPngDataUrl("data:image/png;base64,%%%", 1024, 2048).result,
                 PngCheck::Result::BadBase64);
        QCOMPARE(checkPngDataUrl(pngDataUrl("GIF89a not a png at all, long enough to be checked"),
                                 1024, 2048)
                     .result,
                 PngCheck::Result::NotPng);
        QCOMPARE(checkPngDataUrl(pngDataUrl(fakePng(2049, 10, 64)), 1024, 2048).result,
                 PngCheck::Result::TooLarge);
        QCOMPARE(checkPngDataUrl(pngDataUrl(fakePng(10, 2049, 64)), 1024, 2048).result,
                 PngCheck::Result::TooLarge);
        QCOMPARE(checkPngDataUrl(pngDataUrl(fakePng(0, 10, 64)), 1024, 2048).result,
                 PngCheck::Result::NotPng);
        QCOMPARE(checkPngDataUrl(pngDataUrl(fakePng(10, 10, 2000)), 1024, 2048).result,
                 PngCheck::Result::TooManyBytes);
        QVERIFY(checkPngDataUrl(pngDataUrl(fakePng(2048, 2048, 1024)), 1024, 2048).ok());
    }

    void names()
    {
        QVERIFY(DrawingStore::validName(QStringLiteral("d1_abc-DEF")));
        QVERIFY(DrawingStore::validName(QString(128, u'a')));
        QVERIFY(!DrawingStore::validName(QString(129, u'a')));
        QVERIFY(!DrawingStore::validName(QStringLiteral("../x")));
        QVERIFY(!DrawingStore::validName(QStringLiteral("a.png")));
        QVERIFY(!DrawingStore::validName(QString()));
        QVERIFY(DrawingStore::validGroup(group));
        QVERIFY(!DrawingStore::validGroup(QStringLiteral("room-1")));
        QVERIFY(!DrawingStore::validGroup(group + u'0'));
    }

    void storeAndOwnership()
    {
        DrawingStore store(DrawingLimits{});
        const QUuid alice = QUuid::createUuid(), bob = QUuid::createUuid();
        const QByteArray first = pngDataUrl(fakePng(10, 10, 64));
        QCOMPARE(store.put(group, QStringLiteral("pic"), first, alice, 0).status, 200);
        QCOMPARE(store.get(group, QStringLiteral("pic"), 1).content, first);
        // The group is case-insensitive (a UUID), the name is not.
        QCOMPARE(store.get(group.toUpper(), QStringLiteral("pic"), 1).status, 200);
        QCOMPARE(store.get(group, QStringLiteral("PIC"), 1).status, 404);
        // Another session cannot overwrite; the owner can.
        const QByteArray second = pngDataUrl(fakePng(20, 20, 64));
        QCOMPARE(store.put(group, QStringLiteral("pic"), second, bob, 2).status, 403);
        QCOMPARE(store.get(group, QStringLiteral("pic"), 3).content, first);
        QCOMPARE(store.put(group, QStringLiteral("pic"), second, alice, 4).status, 200);
        QCOMPARE(store.get(group, QStringLiteral("pic"), 5).content, second);
        QCOMPARE(store.count(), 1);
        // Rejections with their statuses.
        QCOMPARE(store.put(group, QStringLiteral("../etc"), second, alice, 6).status, 400);
        QCOMPARE(store.put(QStringLiteral("nope"), QStringLiteral("x"), second, alice, 6).status,
                 400);
        QCOMPARE(store.put(group, QStringLiteral("x"), "hello", alice, 6).status, 400);
        QCOMPARE(store.put(group, QStringLiteral("x"), pngDataUrl(fakePng(5000, 5, 64)), alice, 6)
                     .status,
                 413);
        QCOMPARE(store.get(group, QStringLiteral("../etc"), 6).status, 400);
    }

    void memoryCap()
    {
        DrawingLimits limits;
        limits.memoryBytes = 10 * 1024;
        DrawingStore store(limits);
        const QUuid owner = QUuid::createUuid();
        const QByteArray drawing = pngDataUrl(fakePng(10, 10, 3000)); // ~4 KB as base64
        QCOMPARE(store.put(group, QStringLiteral("a"), drawing, owner, 0).status, 200);
        QCOMPARE(store.put(group, QStringLiteral("b"), drawing, owner, 0).status, 200);
        const StoreResult full = store.put(group, QStringLiteral("c"), drawing, owner, 0);
        QCOMPARE(full.status, 413);
        QVERIFY(full.error.contains(QStringLiteral("full")));
        QVERIFY(store.usedBytes() <= limits.memoryBytes);
        // Replacing one's own drawing does not count twice.
        QCOMPARE(store.put(group, QStringLiteral("a"), drawing, owner, 0).status, 200);
    }

    void expiryAfterLastUploadInGroup()
    {
        DrawingLimits limits;
        limits.lifetimeMs = 1000;
        DrawingStore store(limits);
        const QUuid owner = QUuid::createUuid();
        const QByteArray drawing = pngDataUrl(fakePng(10, 10, 64));
        QCOMPARE(store.put(group, QStringLiteral("a"), drawing, owner, 0).status, 200);
        // A later upload in the same group keeps the earlier drawing alive.
        QCOMPARE(store.put(group, QStringLiteral("b"), drawing, owner, 900).status, 200);
        QCOMPARE(store.get(group, QStringLiteral("a"), 1500).status, 200);
        QCOMPARE(store.get(group, QStringLiteral("a"), 1900).status, 404);
        QCOMPARE(store.get(group, QStringLiteral("b"), 1900).status, 404);
        QCOMPARE(store.usedBytes(), 0);
        // Once expired, the name is free for anyone.
        QCOMPARE(store.put(group, QStringLiteral("a"), drawing, QUuid::createUuid(), 2000).status,
                 200);
    }
};

QTEST_GUILESS_MAIN(TestDrawings)
#include "tst_drawings.moc"
