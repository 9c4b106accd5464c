#pragma once
// Light formatting of a message text as docs/formatting.md defines it (the browser follows the
// same rules): code blocks, "> " quote blocks, inline code, bold, italics and links. The result
// is a tree of kinds chosen here and the user's characters as plain strings; the view builds its
// document from it with character formats, so no user text is ever read as markup.

#include <QList>
#include <QString>

namespace ic::desktop {

struct FormatNode
{
    enum class Kind { Text, Code, Link, Bold, Italic };
    Kind kind = Kind::Text;
    QString text;               // Text, Code, Link (the link is its own text)
    QList<FormatNode> children; // Bold, Italic
};

struct FormatBlock
{
    enum class Kind { Text, Quote, Code };
    Kind kind = Kind::Text;
    QStringList lines;                // as written (quote lines without their "> ")
    QList<QList<FormatNode>> inlines; // Text and Quote: one formatted line per line
};

QList<FormatBlock> formatMessage(const QString &text);
// One line's inline formatting (section 2): code spans, then links and emphasis.
QList<FormatNode> formatLine(const QString &line);
// The characters a node shows (markers removed), for tests and plain renderings.
QString shownText(const QList<FormatNode> &nodes);

} // namespace ic::desktop
