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
        // Replacing one's own drawing does not count twice: nothing is evicted.
        QCOMPARE(store.put(group, QStringLiteral("a"), drawing, owner, 0).status, 200);
        QCOMPARE(store.evictedCount(), 0);
        QCOMPARE(store.count(), 2);
        // A full store makes room by forgetting its oldest drawing ("b": "a" was replaced).
        QCOMPARE(store.put(group, QStringLiteral("c"), drawing, owner, 0).status, 200);
        QVERIFY(store.usedBytes() <= limits.memoryBytes);
        QCOMPARE(store.evictedCount(), 1);
        QCOMPARE(store.get(group, QStringLiteral("b"), 0).status, 404);
        QCOMPARE(store.get(group, QStringLiteral("a"), 0).status, 200);
        QCOMPARE(store.get(group, QStringLiteral("c"), 0).status, 200);
        // A drawing larger than the whole store can never fit.
        limits.memoryBytes = 1024;
        DrawingStore tiny(limits);
        QCOMPARE(tiny.put(group, QStringLiteral("a"), drawing, owner, 0).status, 413);
    }

    // A flood from many addresses fills the store; an honest upload afterwards still works,
    // and one address cannot hold more than its share.
    void floodFromRotatingAddresses()
    {
        DrawingLimits limits;
        limits.memoryBytes = 256 * 1024;
        limits.perAddressBytes = 32 * 1024;
        DrawingStore store(limits);
        const QByteArray drawing = pngDataUrl(fakePng(10, 10, 3000)); // ~4 KB as base64
        int stored = 0, refused = 0;
        for (int address = 0; address < 64; ++address) {
            const QString key =
                DrawingStore::quotaKey(QHostAddress(QStringLiteral("198.51.%1.7").arg(address)));
            const QString attackerGroup = QUuid::createUuid().toString(QUuid::WithoutBraces);
            for (int i = 0; i < 20; ++i) {
                const int status = store
                                       .put(attackerGroup, QStringLiteral("f%1").arg(i), drawing,
                                            QUuid::createUuid(), 1000 + address, key)
                                       .status;
                stored += status == 200 ? 1 : 0;
                refused += status == 429 ? 1 : 0;
                QVERIFY(status == 200 || status == 429);
            }
            QVERIFY(store.usedBytes(key) <= limits.perAddressBytes);
        }
        const QString honest = DrawingStore::quotaKey(QHostAddress(QStringLiteral("203.0.113.5")));
        const StoreResult upload =
            store.put(group, QStringLiteral("honest"), drawing, QUuid::createUuid(), 5000, honest);
        qInfo("flood from 64 addresses: %d stored, %d refused (429, share), %lld evicted, store "
              "%lld of %lld bytes; honest upload afterwards: %d",
              stored, refused, store.evictedCount(), store.usedBytes(), limits.memoryBytes,
              upload.status);
        QVERIFY(refused > 0);
        QVERIFY(store.evictedCount() > 0);
        QCOMPARE(upload.status, 200);
        QCOMPARE(store.get(group, QStringLiteral("honest"), 5000).status, 200);
        QVERIFY(store.usedBytes() <= limits.memoryBytes);
        // The share's refusal says why, in a sentence.
        const QString key = DrawingStore::quotaKey(QHostAddress(QStringLiteral("198.51.0.7")));
        const StoreResult more =
            store.put(QUuid::createUuid().toString(QUuid::WithoutBraces), QStringLiteral("more"),
                      drawing, QUuid::createUuid(), 6000, key);
        if (store.usedBytes(key) + 4000 > limits.perAddressBytes) {
            QCOMPARE(more.status, 429);
            QVERIFY(more.error.contains(QStringLiteral("address")));
        }
    }

    void quotaKeys_data()
    {
        QTest::addColumn<QString>("a");
        QTest::addColumn<QString>("b");
        QTest::addColumn<bool>("same");
        QTest::newRow("one IPv4") << "192.0.2.1"
                                  << "192.0.2.1" << true;
        QTest::newRow("two IPv4") << "192.0.2.1"
                                  << "192.0.2.2" << false;
        QTest::newRow("mapped IPv4") << "::ffff:192.0.2.1"
                                     << "192.0.2.1" << true;
        QTest::newRow("one IPv6 /64") << "2001:db8:1:2::1"
                                      << "2001:db8:1:2:ffff::9" << true;
        QTest::newRow("two IPv6 /64") << "2001:db8:1:2::1"
                                      << "2001:db8:1:3::1" << false;
    }

    void quotaKeys()
    {
        QFETCH(QString, a);
        QFETCH(QString, b);
        QFETCH(bool, same);
        QCOMPARE(DrawingStore::quotaKey(QHostAddress(a)) == DrawingStore::quotaKey(QHostAddress(b)),
                 same);
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
