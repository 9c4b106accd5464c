#include "MessageFormat.h"

#include "TextFormat.h"

#include <QRegularExpression>

namespace ic::desktop {
namespace {

using Kind = FormatNode::Kind;

// One position of a line for the emphasis scan: a character outside atoms, or a whole atom
// (code span or link) that markers never look into.
struct Cell
{
    QChar c;
    int atom = -1; // index into Scan::atoms
};

class Scan
{
public:
    QList<Cell> cells;
    QList<FormatNode> atoms;

    QList<FormatNode> build(qsizetype from, qsizetype to) const
    {
        QList<FormatNode> out;
        QString text;
        auto flush = [&] {
            if (!text.isEmpty())
                out.append(FormatNode{Kind::Text, text, {}});
            text.clear();
        };
        for (qsizetype i = from; i < to; ++i) {
            const Cell &cell = cells.at(i);
            if (cell.atom >= 0) {
                flush();
                out.append(atoms.at(cell.atom));
                continue;
            }
            const QChar c = cell.c;
            // Bold is tried before italics at the same place.
            if (c == u'*' && ch(i + 1) == u'*' && i + 1 < to && opens(i, 2, from, to)) {
                const qsizetype end = findCloser(i + 3, to, u'*', true);
                if (end >= 0) {
                    flush();
                    out.append(FormatNode{Kind::Bold, {}, build(i + 2, end)});
                    i = end + 1;
                    continue;
                }
            }
            if ((c == u'*' || c == u'_') && isSingle(i, c) && opens(i, 1, from, to)) {
                const qsizetype end = findCloser(i + 2, to, c, false);
                if (end >= 0) {
                    flush();
                    out.append(FormatNode{Kind::Italic, {}, build(i + 1, end)});
                    i = end;
                    continue;
                }
            }
            text += c;
        }
        flush();
        return out;
    }

private:
    // The character at i; an atom counts as an object replacement character (neither space nor
    // letter), outside the line as nothing.
    QChar ch(qsizetype i) const
    {
        if (i < 0 || i >= cells.size())
            return {};
        return cells.at(i).atom >= 0 ? QChar(0xFFFC) : cells.at(i).c;
    }
    static bool isWord(QChar c) { return !c.isNull() && c.isLetterOrNumber(); }
    bool isSingle(qsizetype i, QChar mark) const
    {
        return ch(i) == mark && ch(i - 1) != mark && ch(i + 1) != mark;
    }
    bool opens(qsizetype i, qsizetype len, qsizetype from, qsizetype to) const
    {
        const QChar after = i + len < to ? ch(i + len) : QChar();
        const QChar before = i > from ? ch(i - 1) : QChar();
        return !after.isNull() && !after.isSpace() && !isWord(before);
    }
    bool closes(qsizetype j, qsizetype len, qsizetype to) const
    {
        const QChar before = ch(j - 1);
        const QChar after = j + len < to ? ch(j + len) : QChar();
        return !before.isSpace() && !isWord(after);
    }
    qsizetype findCloser(qsizetype start, qsizetype to, QChar mark, bool bold) const
    {
        for (qsizetype j = start; j < to; ++j) {
            if (bold) {
                if (ch(j) == u'*' && ch(j + 1) == u'*' && j + 1 < to && closes(j, 2, to))
                    return j;
            } else if (isSingle(j, mark) && closes(j, 1, to)) {
                return j;
            }
        }
        return -1;
    }
};

// Plain text between code spans: its links become atoms, the rest characters.
void addPlain(Scan &scan, const QString &text)
{
    qsizetype pos = 0;
    auto chars = [&](qsizetype to) {
        for (; pos < to; ++pos)
            scan.cells.append(Cell{text.at(pos)});
    };
    for (const LinkSpan &link : findLinks(text)) {
        chars(link.start);
        scan.cells.append(Cell{QChar(), int(scan.atoms.size())});
        scan.atoms.append(FormatNode{Kind::Link, link.url, {}});
        pos = link.start + link.length;
    }
    chars(text.size());
}

qsizetype backtickRun(const QString &line, qsizetype at)
{
    qsizetype n = 0;
    while (at + n < line.size() && line.at(at + n) == u'`')
        ++n;
    return n;
}

} // namespace

QList<FormatNode> formatLine(const QString &line)
{
    Scan scan;
    qsizetype textStart = 0;
    qsizetype i = 0;
    while (i < line.size()) {
        if (line.at(i) != u'`') {
            ++i;
            continue;
        }
        // A run of N backticks opens a code span closed by the next run of exactly N.
        const qsizetype n = backtickRun(line, i);
        qsizetype close = -1;
        for (qsizetype k = i + n; k < line.size();) {
            if (line.at(k) != u'`') {
                ++k;
                continue;
            }
            const qsizetype m = backtickRun(line, k);
            if (m == n) {
                close = k;
                break;
            }
            k += m;
        }
        if (close < 0) {
            i += n; // literal backticks
            continue;
        }
        addPlain(scan, line.mid(textStart, i - textStart));
        scan.cells.append(Cell{QChar(), int(scan.atoms.size())});
        scan.atoms.append(FormatNode{Kind::Code, line.mid(i + n, close - i - n), {}});
        i = close + n;
        textStart = i;
    }
    addPlain(scan, line.mid(textStart));
    return scan.build(0, scan.cells.size());
}

QList<FormatBlock> formatMessage(const QString &text)
{
    static const QRegularExpression openFence(QStringLiteral("^```[A-Za-z0-9_+#.-]{0,20} *$"));
    static const QRegularExpression closeFence(QStringLiteral("^``` *$"));
    QStringList lines = text.split(u'\n');
    // A carriage return right before a line feed belongs to no line.
    for (qsizetype i = 0; i + 1 < lines.size(); ++i)
        if (lines[i].endsWith(u'\r'))
            lines[i].chop(1);

    QList<FormatBlock> blocks;
    auto push = [&](FormatBlock::Kind kind, const QString &line) {
        if (blocks.isEmpty() || blocks.last().kind != kind)
            blocks.append(FormatBlock{kind, {}, {}});
        blocks.last().lines.append(line);
        blocks.last().inlines.append(formatLine(line));
    };
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString &line = lines.at(i);
        if (openFence.match(line).hasMatch()) {
            qsizetype end = -1;
            for (qsizetype j = i + 1; j < lines.size() && end < 0; ++j)
                if (closeFence.match(lines.at(j)).hasMatch())
                    end = j;
            if (end >= 0) {
                // Verbatim: no inline formatting, no links.
                blocks.append(
                    FormatBlock{FormatBlock::Kind::Code, lines.mid(i + 1, end - i - 1), {}});
                i = end;
                continue;
            }
        }
        if (line == u">" || line.startsWith(u"> "))
            push(FormatBlock::Kind::Quote, line.mid(2));
        else
            push(FormatBlock::Kind::Text, line);
    }
    return blocks;
}

QString shownText(const QList<FormatNode> &nodes)
{
    QString out;
    for (const FormatNode &n : nodes)
        out += n.children.isEmpty() ? n.text : shownText(n.children);
    return out;
}

} // namespace ic::desktop
