// WebFileCache: web UI files kept in memory, re-checked at most once a second.
#include "core/WebFileCache.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using ic::balancer::WebFileCache;

class tst_WebFileCache : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    qint64 m_nowMs = 1'000'000;
    int m_resolves = 0;
    int m_prepares = 0;

    QString path(const QString &name) const { return m_dir.filePath(name); }
    void writeFile(const QString &name, const QByteArray &bytes)
    {
        QFile file(path(name));
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(bytes);
    }
    WebFileCache makeCache(qint64 maxBytes = 1024)
    {
        return WebFileCache(
            [this](const QString &key) {
                ++m_resolves;
                return key.startsWith(u"missing") ? QString() : path(key);
            },
            [this](const QString &, QByteArray bytes) {
                ++m_prepares;
                return bytes.replace("__BUILD__", "b42");
            },
            maxBytes, [this] { return m_nowMs; });
    }

private slots:
    void init()
    {
        QVERIFY(m_dir.isValid());
        m_resolves = m_prepares = 0;
    }

    void servesPreparedBytes()
    {
        writeFile(QStringLiteral("page.html"), "<p>__BUILD__</p>");
        WebFileCache cache = makeCache();
        QCOMPARE(cache.file(QStringLiteral("page.html")).value_or("none"),
                 QByteArray("<p>b42</p>"));
    }

    void secondRequestWithinASecondTouchesNothing()
    {
        writeFile(QStringLiteral("a.css"), "body{}");
        WebFileCache cache = makeCache();
        QVERIFY(cache.file(QStringLiteral("a.css")));
        m_nowMs += WebFileCache::recheckMs - 1;
        QCOMPARE(cache.file(QStringLiteral("a.css")).value_or("none"), QByteArray("body{}"));
        QCOMPARE(m_resolves, 1);
        QCOMPARE(m_prepares, 1);
    }

    void editShowsAfterTheRecheck()
    {
        writeFile(QStringLiteral("b.js"), "one");
        WebFileCache cache = makeCache();
        QCOMPARE(cache.file(QStringLiteral("b.js")).value_or("none"), QByteArray("one"));
        writeFile(QStringLiteral("b.js"),
                  "two, longer"); // a different size: noticed even within one mtime tick
        QCOMPARE(cache.file(QStringLiteral("b.js")).value_or("none"),
                 QByteArray("one")); // still within the second
        m_nowMs += WebFileCache::recheckMs;
        QCOMPARE(cache.file(QStringLiteral("b.js")).value_or("none"), QByteArray("two, longer"));
        QCOMPARE(m_prepares, 2);
    }

    void unchangedFileIsNotReadAgain()
    {
        writeFile(QStringLiteral("c.txt"), "same");
        WebFileCache cache = makeCache();
        QVERIFY(cache.file(QStringLiteral("c.txt")));
        m_nowMs += 5 * WebFileCache::recheckMs;
        QVERIFY(cache.file(QStringLiteral("c.txt")));
        QCOMPARE(m_resolves, 2);
        QCOMPARE(m_prepares, 1);
    }

    void deletedFileIsGoneAfterTheRecheck()
    {
        writeFile(QStringLiteral("d.txt"), "here");
        WebFileCache cache = makeCache();
        QVERIFY(cache.file(QStringLiteral("d.txt")));
        QVERIFY(QFile::remove(path(QStringLiteral("d.txt"))));
        m_nowMs += WebFileCache::recheckMs;
        QVERIFY(!cache.file(QStringLiteral("d.txt")));
    }

    void missingAndOversizeFilesAreNotServed()
    {
        writeFile(QStringLiteral("big.bin"), QByteArray(2000, 'x'));
        WebFileCache cache = makeCache(1024);
        QVERIFY(!cache.file(QStringLiteral("big.bin")));
        QVERIFY(!cache.file(QStringLiteral("missing.html")));
        QVERIFY(
            !cache.file(QStringLiteral("nothere.html"))); // resolves to a path that does not exist
        // Nothing was kept for them: each asks the file system again.
        QVERIFY(!cache.file(QStringLiteral("missing.html")));
        QCOMPARE(m_resolves, 4);
    }

    void entriesAreBounded()
    {
        writeFile(QStringLiteral("e.txt"), "e");
        int resolves = 0;
        // Every key names the same real file, as many distinct URLs could: the cache must not
        // keep one entry per key forever.
        WebFileCache cache(
            [&](const QString &) {
                ++resolves;
                return path(QStringLiteral("e.txt"));
            },
            [](const QString &, QByteArray bytes) { return bytes; }, 1024,
            [this] { return m_nowMs; });
        QVERIFY(cache.file(QStringLiteral("alias-0")));
        QVERIFY(cache.file(QStringLiteral("alias-0")));
        QCOMPARE(resolves, 1); // kept
        for (int i = 1; i <= WebFileCache::maxEntries; ++i)
            QVERIFY(cache.file(QStringLiteral("alias-%1").arg(i)));
        resolves = 0;
        QVERIFY(cache.file(QStringLiteral("alias-0")));
        QCOMPARE(resolves, 1); // dropped when the bound was reached, so looked up again
    }
};

QTEST_GUILESS_MAIN(tst_WebFileCache)
#include "tst_webfilecache.moc"
