// The emoji catalogue behind the composer's picker: exactly the table in shared/emoji/emoji.txt
// (the one the web UI gets too), a few hundred entries, every one with a name, no duplicates, and
// a search that finds by keyword prefix, by several words, and not at all.
#include "EmojiCatalog.h"

#include <QFile>
#include <QSet>
#include <QTest>

namespace emoji = ic::desktop::emoji;

class TestEmojiCatalog : public QObject
{
    Q_OBJECT
private slots:
    void catalogueIsCurated()
    {
        const auto &all = emoji::all();
        QVERIFY2(all.size() >= 300, qPrintable(QString::number(all.size())));
        QSet<QString> glyphs;
        for (const auto &e : all) {
            QVERIFY2(!e.keywords.isEmpty(), qPrintable(e.glyph));
            QVERIFY2(!glyphs.contains(e.glyph), qPrintable(QStringLiteral("duplicate ") + e.glyph));
            glyphs.insert(e.glyph);
            for (const auto &k : e.keywords)
                QCOMPARE(k, k.toLower());
        }
        QCOMPARE(all.first().glyph, QStringLiteral("\U0001F600")); // faces first
    }

    void builtFromTheSharedTable()
    {
        QFile file(QStringLiteral(EMOJI_TABLE));
        QVERIFY2(file.open(QIODevice::ReadOnly), EMOJI_TABLE);
        QStringList glyphs;
        QList<QStringList> keywords;
        for (const QString &line : QString::fromUtf8(file.readAll()).split(u'\n')) {
            if (line.trimmed().isEmpty() || line.startsWith(u"# "))
                continue;
            QStringList words = line.split(u' ', Qt::SkipEmptyParts);
            glyphs << words.takeFirst();
            keywords << words;
        }
        const auto &all = emoji::all();
        QCOMPARE(all.size(), glyphs.size());
        for (qsizetype i = 0; i < all.size(); ++i) {
            QCOMPARE(all.at(i).glyph, glyphs.at(i));
            QCOMPARE(all.at(i).keywords, keywords.at(i));
        }
    }

    void searchByKeyword()
    {
        auto glyphs = [](const QList<emoji::Entry> &list) {
            QStringList out;
            for (const auto &e : list)
                out << e.glyph;
            return out;
        };
        QCOMPARE(emoji::search(QString()).size(), emoji::all().size());
        QCOMPARE(emoji::search(QStringLiteral("   ")).size(), emoji::all().size());
        // Prefix, case-insensitive.
        QVERIFY(
            glyphs(emoji::search(QStringLiteral("THUMBS"))).contains(QStringLiteral("\U0001F44D")));
        QVERIFY(
            glyphs(emoji::search(QStringLiteral("thu"))).contains(QStringLiteral("\U0001F44E")));
        // Every word must match: "thumbs down" is just one.
        QCOMPARE(glyphs(emoji::search(QStringLiteral("thumbs down"))),
                 QStringList{QStringLiteral("\U0001F44E")});
        // Synonyms people type.
        QVERIFY(
            glyphs(emoji::search(QStringLiteral("lol"))).contains(QStringLiteral("\U0001F602")));
        QVERIFY(
            glyphs(emoji::search(QStringLiteral("tada"))).contains(QStringLiteral("\U0001F389")));
        // Substring from three letters ("phone" in "smartphone"), not for two.
        QVERIFY(
            glyphs(emoji::search(QStringLiteral("phone"))).contains(QStringLiteral("\U0001F4F1")));
        QVERIFY(
            !glyphs(emoji::search(QStringLiteral("ma"))).contains(QStringLiteral("\U0001F4F1")));
        QVERIFY(emoji::search(QStringLiteral("qqqxyz")).isEmpty());
        // The glyph itself finds itself.
        QCOMPARE(glyphs(emoji::search(QStringLiteral("\U0001F525"))),
                 QStringList{QStringLiteral("\U0001F525")});
    }
};

QTEST_APPLESS_MAIN(TestEmojiCatalog)
#include "tst_emojicatalog.moc"
