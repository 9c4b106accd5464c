#pragma once
// The composer picker's emoji with English keywords, searchable by keyword. The list is
// shared/emoji/emoji.txt (compiled in; the web UI's picker reads the same file from the balancer):
// a few hundred common emoji with the words people actually type, in picker order.

#include <QList>
#include <QString>
#include <QStringList>

namespace ic::desktop::emoji {

struct Entry
{
    QString glyph;
    QStringList keywords; // lower case; the first one is the emoji's name
};

// Every entry, in display order (faces, hands, hearts, animals, food, activities, objects, signs).
const QList<Entry> &all();
// Entries whose keywords match every word of `query`: a word matches a keyword it starts, or
// (from 3 letters) one it appears in. Case-insensitive; an empty query gives all().
QList<Entry> search(const QString &query);

} // namespace ic::desktop::emoji
