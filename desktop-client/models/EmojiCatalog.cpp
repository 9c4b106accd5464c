#include "EmojiCatalog.h"

#include "emoji/EmojiTable.h"

namespace ic::desktop::emoji {
namespace {

QList<Entry> parse()
{
    QList<Entry> out;
    // shared/emoji/emoji.txt, the table the web UI gets from the balancer too.
    const QString text = QString::fromUtf8(ic::emoji::tableText());
    for (const QString &line : text.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        // A comment: "# " (the keycap emoji starts with '#' too).
        if (line.startsWith(QLatin1String("# ")))
            continue;
        QStringList words = line.split(QLatin1Char(' '), Qt::SkipEmptyParts);
        if (words.size() < 2)
            continue;
        Entry e;
        e.glyph = words.takeFirst();
        for (QString &w : words)
            w = w.toLower();
        e.keywords = words;
        out << e;
    }
    return out;
}

bool wordMatches(const QString &word, const QStringList &keywords)
{
    for (const QString &k : keywords) {
        // Prefix match for what the user is typing; a substring only from three letters on,
        // so "ar" does not match half the list but "phone" still finds "smartphone".
        if (k.startsWith(word) || (word.size() >= 3 && k.contains(word)))
            return true;
    }
    return false;
}

} // namespace

const QList<Entry> &all()
{
    static const QList<Entry> entries = parse();
    return entries;
}

QList<Entry> search(const QString &query)
{
    const QStringList words = query.toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words.isEmpty())
        return all();
    QList<Entry> out;
    for (const Entry &e : all()) {
        bool ok = true;
        for (const QString &w : words) {
            // Typing the emoji itself finds it too.
            if (w != e.glyph && !wordMatches(w, e.keywords)) {
                ok = false;
                break;
            }
        }
        if (ok)
            out << e;
    }
    return out;
}

} // namespace ic::desktop::emoji
