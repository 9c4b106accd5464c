// WebFileCache: web UI files kept in memory, re-checked at most once a second, gzip-compressed
// once per load, with an ETag; Accept-Encoding and If-None-Match parsing.
#include "core/WebFileCache.h"

#include <zlib.h>

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
    static QByteArray gunzip(const QByteArray &packed)
    {
        z_stream stream{};
        if (inflateInit2(&stream, 15 + 16) != Z_OK)
            return {};
        QByteArray out(1 << 20, Qt::Uninitialized);
        stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(packed.constData()));
        stream.avail_in = uInt(packed.size());
        stream.next_out = reinterpret_cast<Bytef *>(out.data());
        stream.avail_out = uInt(out.size());
        const int result = inflate(&stream, Z_FINISH);
        out.truncate(qsizetype(stream.total_out));
        inflateEnd(&stream);
        return result == Z_STREAM_END ? out : QByteArray("not a complete gzip stream");
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

    void compressedOnceWithAnEtag()
    {
        QByteArray css;
        for (int i = 0; i < 40; ++i)
            css += ".rule-" + QByteArray::number(i) + " { color: #123456; margin: 0 auto; }\n";
        writeFile(QStringLiteral("big.css"), css);
        WebFileCache cache = makeCache(1 << 16);
        const std::optional<WebFileCache::Asset> asset = cache.asset(QStringLiteral("big.css"));
        QVERIFY(asset);
        QCOMPARE(asset->bytes, css);
        QVERIFY(!asset->gzip.isEmpty());
        QVERIFY2(asset->gzip.size() * 4 < css.size(), QByteArray::number(asset->gzip.size()));
        QCOMPARE(gunzip(asset->gzip), css);
        QVERIFY(asset->etag.startsWith('"') && asset->etag.endsWith('"'));
        QVERIFY(asset->etagGzip() != asset->etag);
        QVERIFY(asset->etagGzip().endsWith('"'));
        qInfo("big.css: %lld bytes, gzip %lld bytes", qlonglong(css.size()),
              qlonglong(asset->gzip.size()));

        // Served again from memory: the same compressed bytes, prepared only once.
        QCOMPARE(cache.asset(QStringLiteral("big.css"))->gzip, asset->gzip);
        QCOMPARE(m_prepares, 1);

        // A changed file gets a new ETag and new compressed bytes.
        m_nowMs += WebFileCache::recheckMs;
        writeFile(QStringLiteral("big.css"), css + "/* more */");
        const std::optional<WebFileCache::Asset> changed = cache.asset(QStringLiteral("big.css"));
        QVERIFY(changed);
        QVERIFY(changed->etag != asset->etag);
        QCOMPARE(gunzip(changed->gzip), css + "/* more */");
    }

    void tinyFilesAreNotCompressed()
    {
        writeFile(QStringLiteral("t.txt"), "tiny");
        WebFileCache cache = makeCache();
        const std::optional<WebFileCache::Asset> asset = cache.asset(QStringLiteral("t.txt"));
        QVERIFY(asset);
        QVERIFY(asset->gzip.isEmpty());
        QVERIFY(!asset->etag.isEmpty());
    }

    void acceptsGzip_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<bool>("gzip");
        QTest::newRow("absent") << QByteArray() << false;
        QTest::newRow("gzip") << QByteArray("gzip") << true;
        QTest::newRow("browser") << QByteArray("gzip, deflate, br, zstd") << true;
        QTest::newRow("case") << QByteArray("GZip") << true;
        QTest::newRow("others") << QByteArray("br, deflate") << false;
        QTest::newRow("q zero") << QByteArray("gzip;q=0, br") << false;
        QTest::newRow("q zero spaced") << QByteArray("gzip ; q=0.0") << false;
        QTest::newRow("q half") << QByteArray("gzip;q=0.5") << true;
        QTest::newRow("star") << QByteArray("*") << true;
        QTest::newRow("identity") << QByteArray("identity") << false;
        QTest::newRow("prefix only") << QByteArray("gzipx") << false;
        QTest::newRow("bad q") << QByteArray("gzip;q=abc") << false;
    }

    void acceptsGzip()
    {
        QFETCH(QByteArray, header);
        QFETCH(bool, gzip);
        QCOMPARE(WebFileCache::acceptsGzip(header), gzip);
    }

    void matchesEtag_data()
    {
        QTest::addColumn<QByteArray>("header");
        QTest::addColumn<bool>("matches");
        QTest::newRow("absent") << QByteArray() << false;
        QTest::newRow("same") << QByteArray("\"abc\"") << true;
        QTest::newRow("weak") << QByteArray("W/\"abc\"") << true;
        QTest::newRow("list") << QByteArray("\"x\", \"abc\"") << true;
        QTest::newRow("other") << QByteArray("\"abd\"") << false;
        QTest::newRow("unquoted") << QByteArray("abc") << false;
        QTest::newRow("star") << QByteArray("*") << true;
    }

    void matchesEtag()
    {
        QFETCH(QByteArray, header);
        QFETCH(bool, matches);
        QCOMPARE(WebFileCache::matchesEtag(header, "\"abc\""), matches);
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
