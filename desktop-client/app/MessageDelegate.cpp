#include "MessageDelegate.h"

#include "ChatMessage.h"
#include "MessageFormat.h"
#include "MessageListModel.h"
#include "TextFormat.h"
#include "Theme.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QDateTime>
#include <QFontDatabase>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QToolTip>

namespace ic::desktop {
namespace {

using Role = MessageListModel::Role;

constexpr int outerMargin = 14; // list edge → card
constexpr int padding = 12;     // card edge → content
constexpr int separatorHeight = 34;
constexpr int buttonRowHeight = 22;
constexpr QSize thumbMax(260, 160);
constexpr QSize placeholderSize(220, 120);

QColor mix(const QColor &a, const QColor &b, qreal t)
{
    return QColor::fromRgbF(a.redF() * (1 - t) + b.redF() * t,
                            a.greenF() * (1 - t) + b.greenF() * t,
                            a.blueF() * (1 - t) + b.blueF() * t);
}

QColor muted(const QPalette &pal)
{
    return mix(pal.color(QPalette::Text), pal.color(QPalette::Base), 0.45);
}

const QColor amber(0xe8, 0x9a, 0x10);
const QColor green(0x2e, 0xa0, 0x5a);
const QColor red(0xd9, 0x48, 0x48);

QFont smallFont(const QFont &base)
{
    QFont f = base;
    f.setPointSizeF(base.pointSizeF() * 0.86);
    return f;
}

// Block property marking a quote block, whose bar is painted beside it.
constexpr int quoteProperty = QTextFormat::UserProperty + 1;

QFont monospace()
{
    return QFontDatabase::systemFont(QFontDatabase::FixedFont);
}

void insertNodes(QTextCursor &cursor, const QList<FormatNode> &nodes, const QTextCharFormat &base,
                 const QPalette &pal)
{
    using K = FormatNode::Kind;
    for (const FormatNode &n : nodes) {
        QTextCharFormat f = base;
        switch (n.kind) {
        case K::Text:
            cursor.insertText(n.text, f);
            break;
        case K::Code:
            f.setFontFamilies({monospace().family()});
            f.setBackground(mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.10));
            cursor.insertText(n.text, f);
            break;
        case K::Link:
            f.setAnchor(true);
            f.setAnchorHref(n.text);
            f.setForeground(pal.color(QPalette::Link));
            f.setFontUnderline(true);
            cursor.insertText(n.text, f);
            break;
        case K::Bold:
            f.setFontWeight(QFont::Bold);
            insertNodes(cursor, n.children, f, pal);
            break;
        case K::Italic:
            f.setFontItalic(true);
            insertNodes(cursor, n.children, f, pal);
            break;
        }
    }
}

// The text goes into the document through a cursor, formatted by the rules of
// docs/formatting.md (MessageFormat): the kinds are ours, the characters the user's, so nothing
// the user typed is ever parsed as markup. `indent` keeps the first line clear of a compact name.
void fillBody(QTextDocument *doc, const QString &text, const QPalette &pal, int indent)
{
    QTextCursor cursor(doc);
    bool first = true;
    auto startBlock = [&](QTextBlockFormat format) {
        if (first) {
            if (indent > 0)
                format.setTextIndent(indent);
            cursor.setBlockFormat(format);
            first = false;
        } else {
            cursor.insertBlock(format, QTextCharFormat());
        }
    };
    if (isSingleEmoji(text)) { // shown enlarged, never formatted
        startBlock(QTextBlockFormat());
        cursor.insertText(text);
        return;
    }
    const QList<FormatBlock> blocks = formatMessage(text);
    // A quote or code block never starts beside a compact row's name: the name gets its line.
    if (indent > 0 && !blocks.isEmpty() && blocks.first().kind != FormatBlock::Kind::Text)
        startBlock(QTextBlockFormat());
    for (const FormatBlock &block : blocks) {
        QTextBlockFormat format;
        if (block.kind == FormatBlock::Kind::Code) {
            format.setBackground(mix(pal.color(QPalette::Base), pal.color(QPalette::Text), 0.07));
            format.setLeftMargin(6);
            QTextCharFormat mono;
            mono.setFontFamilies({monospace().family()});
            const QStringList lines = block.lines.isEmpty() ? QStringList{QString()} : block.lines;
            for (const QString &line : lines) {
                startBlock(format);
                cursor.insertText(line, mono);
            }
            continue;
        }
        if (block.kind == FormatBlock::Kind::Quote) {
            format.setLeftMargin(12);
            format.setProperty(quoteProperty, true);
        }
        for (const QList<FormatNode> &line : block.inlines) {
            startBlock(format);
            insertNodes(cursor, line, QTextCharFormat(), pal);
        }
    }
}

// The bar left of each quote block.
void paintQuoteBars(QPainter *p, QTextDocument *doc, const QColor &colour)
{
    for (QTextBlock b = doc->begin(); b.isValid(); b = b.next()) {
        if (!b.blockFormat().property(quoteProperty).toBool())
            continue;
        const QRectF r = doc->documentLayout()->blockBoundingRect(b);
        p->fillRect(QRectF(r.left() + 2, r.top() + 1, 3, r.height() - 2), colour);
    }
}

QSize thumbnailSize(const QImage &image)
{
    if (image.isNull())
        return placeholderSize;
    return image.size()
        .scaled(thumbMax, Qt::KeepAspectRatio)
        .boundedTo(image.size().expandedTo(QSize(60, 40)));
}

} // namespace

MessageDelegate::MessageDelegate(QObject *parent) : PlainTipDelegate(parent) {}

void MessageDelegate::setCompact(bool compact)
{
    m_compact = compact;
    m_heights.clear();
}

QString MessageDelegate::unreadDividerText()
{
    return QStringLiteral("New since you were last here");
}

std::unique_ptr<QTextDocument> MessageDelegate::bodyDocument(const QModelIndex &index, int width,
                                                             const QPalette &palette,
                                                             const QFont &font, int indent) const
{
    auto doc = std::make_unique<QTextDocument>();
    const QString text = index.data(Role::TextRole).toString();
    QFont f = font;
    if (isSingleEmoji(text) && !m_compact)
        f.setPointSizeF(font.pointSizeF() * 2.6); // a lone emoji shows enlarged
    doc->setDefaultFont(f);
    doc->setDocumentMargin(0);
    doc->setTextWidth(width);
    fillBody(doc.get(), text, palette, indent);
    return doc;
}

int MessageDelegate::bodyHeight(const QModelIndex &index, int width, const QFont &font,
                                int indent) const
{
    const QString key = QStringLiteral("%1|%2|%3|%4|%5|%6")
                            .arg(index.data(Role::IdRole).toLongLong())
                            .arg(qHash(index.data(Role::TextRole).toString()))
                            .arg(width)
                            .arg(font.pointSizeF())
                            .arg(indent)
                            .arg(m_compact);
    const auto it = m_heights.constFind(key);
    if (it != m_heights.cend())
        return *it;
    if (m_heights.size() > 20000)
        m_heights.clear();
    const int h =
        int(std::ceil(bodyDocument(index, width, QPalette(), font, indent)->size().height()));
    m_heights.insert(key, h);
    return h;
}

namespace {

constexpr int unreadDividerHeight = 26;

// A grouped card's time and id (on hover) and "(edited)", drawn in the button row so they never
// cover the text.
QString metaText(const QModelIndex &index, bool hover)
{
    QString meta;
    if (hover) {
        meta = index.data(Role::CreatedAtRole).toDateTime().toString(QStringLiteral("HH:mm")) +
               QStringLiteral("  #%1").arg(index.data(Role::IdRole).toLongLong());
    }
    if (index.data(Role::EditedRole).toBool())
        meta += meta.isEmpty() ? QStringLiteral("(edited)") : QStringLiteral("  (edited)");
    return meta;
}

QString quoteLine(const QModelIndex &index, bool *unavailable)
{
    const QVariant quoted = index.data(Role::ReplyMessageRole);
    *unavailable = false;
    if (!quoted.isValid())
        return QStringLiteral("\u21AA to %1").arg(index.data(Role::ReplyUserNameRole).toString());
    if (index.data(Role::QuoteAvailableRole).toBool())
        return QStringLiteral(">> #%1  %2: %3")
            .arg(quoted.toLongLong())
            .arg(index.data(Role::QuoteAuthorRole).toString(),
                 index.data(Role::QuoteSnippetRole).toString());
    *unavailable = true;
    return QStringLiteral(">> #%1  message unavailable").arg(quoted.toLongLong());
}

void paintQuote(QPainter *p, const QStyleOptionViewItem &option, const QModelIndex &index,
                const QRect &rect)
{
    const QPalette &pal = option.palette;
    const bool dark = theme::isDark(pal);
    const QColor base = pal.color(QPalette::Base);
    const QFont smallF = smallFont(option.font);
    const QFontMetrics smallFm(smallF);
    bool unavailable = false;
    const QString text = quoteLine(index, &unavailable);
    p->setPen(Qt::NoPen);
    p->setBrush(dark ? mix(base, Qt::white, 0.06) : mix(base, Qt::black, 0.04));
    p->drawRoundedRect(rect, 5, 5);
    p->setBrush(index.data(Role::ReplyMessageRole).isValid() ? theme::accent(pal) : muted(pal));
    p->drawRect(QRect(rect.left(), rect.top() + 2, 3, rect.height() - 4));
    QFont qf = smallF;
    qf.setItalic(unavailable);
    p->setFont(qf);
    p->setPen(unavailable ? muted(pal) : pal.color(QPalette::Text));
    p->drawText(rect.adjusted(10, 0, -6, 0), Qt::AlignLeft | Qt::AlignVCenter,
                smallFm.elidedText(text, Qt::ElideRight, rect.width() - 16));
}

} // namespace

MessageDelegate::Layout MessageDelegate::layout(const QStyleOptionViewItem &option,
                                                const QModelIndex &index, bool withActions) const
{
    Layout l;
    const QRect r = option.rect;
    const QFontMetrics fm(option.font);
    const QFontMetrics small(smallFont(option.font));
    int y = r.top();

    const QString day = index.data(Role::DaySeparatorRole).toString();
    if (!day.isEmpty()) {
        l.separator =
            QRect(r.left(), y, r.width(), m_compact ? small.height() + 12 : separatorHeight);
        y += l.separator.height();
    }
    if (index.data(Role::UnreadDividerRole).toBool()) {
        l.unreadDivider = QRect(r.left(), y, r.width(), unreadDividerHeight);
        y += unreadDividerHeight;
    }
    const auto kind = ChatMessage::Kind(index.data(Role::KindRole).toInt());
    if (kind == ChatMessage::Kind::Notice) {
        l.notice = true;
        l.body =
            QRect(r.left() + outerMargin, y + 2, r.width() - 2 * outerMargin, small.height() + 6);
        l.height = l.body.bottom() + 3 - r.top();
        return l;
    }
    if (m_compact)
        return compactLayout(option, index, y, withActions, l);

    const bool grouped = index.data(Role::GroupedRole).toBool();
    y += grouped ? 2 : 8;
    const int cardLeft = r.left() + outerMargin;
    const int cardWidth = std::max(120, r.width() - 2 * outerMargin);
    const int x = cardLeft + padding;
    const int w = cardWidth - 2 * padding;
    int cy = y + (grouped ? 6 : 10);

    if (!grouped) {
        l.header = QRect(x, cy, w, fm.height());
        cy += fm.height() + 4;
    }
    if (index.data(Role::ReplyMessageRole).isValid() ||
        !index.data(Role::ReplyUserRole).toString().isEmpty()) {
        l.quote = QRect(x, cy, w, small.height() + 8);
        cy += l.quote.height() + 6;
    }
    const bool deleted = index.data(Role::DeletedRole).toBool();
    if (deleted) {
        l.body = QRect(x, cy, w, fm.height());
    } else if (kind == ChatMessage::Kind::Drawing) {
        const QSize s = thumbnailSize(index.data(Role::DrawingImageRole).value<QImage>());
        l.drawing = QRect(QPoint(x, cy), s + QSize(12, 12));
        l.body = l.drawing;
    } else {
        l.body = QRect(x, cy, w, bodyHeight(index, w, option.font, 0));
    }
    cy = l.body.bottom() + 1 + 6;

    const QString meta = grouped ? metaText(index, withActions) : QString();
    const int metaWidth = meta.isEmpty() ? 0 : small.horizontalAdvance(meta) + 8;
    if (deleted) {
        if (metaWidth)
            l.meta = QRect(x + w - metaWidth, l.body.top(), metaWidth, l.body.height());
    } else {
        layoutButtons(l, option, index, withActions, x, w, cy);
        // Between the vote pills and the right-aligned actions, when there is room.
        int left = x;
        int right = x + w;
        for (const Button &b : std::as_const(l.buttons)) {
            if (b.action == Action::Support || b.action == Action::Reject)
                left = std::max(left, b.rect.right() + 1);
            else
                right = std::min(right, b.rect.left());
        }
        if (metaWidth && right - left >= metaWidth + 12)
            l.meta = QRect(right - 6 - metaWidth, cy, metaWidth, buttonRowHeight);
        cy += buttonRowHeight;
    }
    cy += 8;
    l.card = QRect(cardLeft, y, cardWidth, cy - y);
    l.height = l.card.bottom() + 1 - r.top();
    return l;
}

void MessageDelegate::layoutButtons(Layout &l, const QStyleOptionViewItem &option,
                                    const QModelIndex &index, bool withActions, int x, int w,
                                    int y) const
{
    // Vote pills always (counts are information); the other actions on hover/selection. In
    // compact rows everything sits at the right end of the first line, votes only once cast.
    const QFontMetrics small(smallFont(option.font));
    const auto kind = ChatMessage::Kind(index.data(Role::KindRole).toInt());
    const bool mine = index.data(Role::IsMineRole).toBool();
    const bool canVote = !mine || m_amCreator;
    const int myVote = index.data(Role::MyVoteRole).toInt();
    const qint64 support = index.data(Role::SupportRole).toLongLong();
    const qint64 reject = index.data(Role::RejectRole).toLongLong();
    const int height = m_compact ? std::min(buttonRowHeight, small.height() + 6) : buttonRowHeight;
    int bx = x;     // next left-aligned button
    int rx = x + w; // right edge for the next right-aligned button
    auto add = [&](Action a, const QString &label, bool active, bool enabled, bool alignRight) {
        const int bw = small.horizontalAdvance(label) + 18;
        Button b{QRect(0, y, bw, height), a, label, active, enabled};
        if (alignRight || m_compact) {
            b.rect.moveRight(rx);
            rx -= bw + 4;
            if (b.rect.left() < bx)
                return; // too narrow: the context menu still offers it
        } else {
            b.rect.moveLeft(bx);
            bx += bw + 6;
        }
        l.buttons.append(b);
    };
    if (!m_compact || withActions || support || reject) {
        // Right-aligned in compact rows: reject first, so support stays left of it.
        const QString s = QStringLiteral("\u25B2 support %1").arg(support);
        const QString r = QStringLiteral("\u25BC reject %1").arg(reject);
        if (m_compact) {
            add(Action::Reject, r, myVote < 0, canVote, true);
            add(Action::Support, s, myVote > 0, canVote, true);
        } else {
            add(Action::Support, s, myVote > 0, canVote, false);
            add(Action::Reject, r, myVote < 0, canVote, false);
        }
    }
    if (withActions) {
        if (mine)
            add(Action::Delete, QStringLiteral("Delete"), false, true, true);
        if (mine && kind == ChatMessage::Kind::Text)
            add(Action::Edit, QStringLiteral("Edit"), false, true, true);
        if (kind == ChatMessage::Kind::Text)
            add(Action::Quote, QStringLiteral("Quote"), false, true, true);
        add(Action::Reply, QStringLiteral("Reply"), false, true, true);
    }
}

MessageDelegate::Layout MessageDelegate::compactLayout(const QStyleOptionViewItem &option,
                                                       const QModelIndex &index, int y,
                                                       bool withActions, Layout l) const
{
    const QRect r = option.rect;
    const QFontMetrics fm(option.font);
    const QFontMetrics small(smallFont(option.font));
    QFont bold = option.font;
    bold.setBold(true);
    const QFontMetrics bfm(bold);
    const int top = y;
    y += 2;
    const int x0 = r.left() + outerMargin;
    const int right = r.right() + 1 - outerMargin;
    const int timeWidth = small.horizontalAdvance(QStringLiteral("00:00")) + 10;
    const int x = x0 + timeWidth;
    int w = std::max(80, right - x);
    // Cast votes stay visible at the line's end: the text keeps clear of them.
    const qint64 support = index.data(Role::SupportRole).toLongLong();
    const qint64 reject = index.data(Role::RejectRole).toLongLong();
    const bool deleted = index.data(Role::DeletedRole).toBool();
    if ((support || reject) && !deleted) {
        const int votes =
            small.horizontalAdvance(QStringLiteral("\u25B2 support %1").arg(support)) +
            small.horizontalAdvance(QStringLiteral("\u25BC reject %1").arg(reject)) + 2 * 18 + 4 +
            10;
        w = std::max(80, w - votes);
    }
    if (index.data(Role::ReplyMessageRole).isValid() ||
        !index.data(Role::ReplyUserRole).toString().isEmpty()) {
        l.quote = QRect(x, y, w, small.height() + 4);
        y += l.quote.height() + 2;
    }
    const QString author = bfm.elidedText(index.data(Role::AuthorNameRole).toString(),
                                          Qt::ElideRight, std::max(40, w / 3));
    l.name = author;
    l.nameWidth = bfm.horizontalAdvance(author) + 8;
    l.header = QRect(x, y, l.nameWidth, fm.height());
    l.time = QRect(x0, y, timeWidth, fm.height());
    const auto kind = ChatMessage::Kind(index.data(Role::KindRole).toInt());
    if (deleted) {
        l.body = QRect(x, y, w, fm.height());
    } else if (kind == ChatMessage::Kind::Drawing) {
        QSize s = thumbnailSize(index.data(Role::DrawingImageRole).value<QImage>());
        s = s.scaled(s.boundedTo(QSize(160, 100)), Qt::KeepAspectRatio);
        l.drawing = QRect(QPoint(x, y + fm.height() + 2), s + QSize(12, 12));
        l.body = l.drawing;
    } else {
        l.body = QRect(x, y, w, bodyHeight(index, w, option.font, l.nameWidth));
    }
    if (!deleted)
        layoutButtons(l, option, index, withActions, x, right - x, y - 1);
    l.card = QRect(r.left() + 4, top, r.width() - 8, l.body.bottom() + 3 - top);
    l.height = l.card.bottom() + 1 - r.top();
    return l;
}

MessageDelegate::Geometry MessageDelegate::geometry(const QStyleOptionViewItem &option,
                                                    const QModelIndex &index, bool hover) const
{
    const Layout l = layout(option, index, hover);
    return Geometry{l.height, l.unreadDivider, l.header, l.body, l.meta};
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    opt.rect.setTop(0);
    if (opt.rect.width() <= 0)
        opt.rect.setWidth(600);
    return QSize(opt.rect.width(), layout(opt, index, false).height);
}

void MessageDelegate::paint(QPainter *p, const QStyleOptionViewItem &given,
                            const QModelIndex &index) const
{
    // The keyboard's current message (the list has the focus) is marked as a selected one is:
    // arrow keys and R/Q/E act on it, so it must be seen.
    QStyleOptionViewItem option = given;
    if (option.state & QStyle::State_HasFocus)
        option.state |= QStyle::State_Selected;
    const bool hover = option.state & (QStyle::State_MouseOver | QStyle::State_Selected);
    const Layout l = layout(option, index, hover);
    const QPalette &pal = option.palette;
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    p->setRenderHint(QPainter::SmoothPixmapTransform);

    if (!l.separator.isNull()) {
        const QString day = index.data(Role::DaySeparatorRole).toString();
        QFont f = smallFont(option.font);
        f.setBold(true);
        p->setFont(f);
        const QFontMetrics fm(f);
        const int tw = fm.horizontalAdvance(day) + 24;
        const QRect pill(l.separator.center().x() - tw / 2,
                         l.separator.center().y() - fm.height() / 2 - 3, tw, fm.height() + 6);
        p->setPen(QPen(pal.color(QPalette::Mid), 1));
        const int ly = l.separator.center().y();
        p->drawLine(l.separator.left() + outerMargin, ly, pill.left() - 8, ly);
        p->drawLine(pill.right() + 8, ly, l.separator.right() - outerMargin, ly);
        p->setPen(muted(pal));
        p->drawText(pill, Qt::AlignCenter, day);
    }
    if (!l.unreadDivider.isNull()) {
        // An accent line with its label at the right end, like the day separator but louder.
        QFont f = smallFont(option.font);
        f.setBold(true);
        p->setFont(f);
        const QFontMetrics fm(f);
        const QString label = unreadDividerText();
        const int tw = fm.horizontalAdvance(label);
        const QRect text(l.unreadDivider.right() - outerMargin - tw, l.unreadDivider.top(), tw,
                         l.unreadDivider.height());
        const QColor colour = red;
        p->setPen(QPen(colour, 1));
        const int ly = l.unreadDivider.center().y();
        p->drawLine(l.unreadDivider.left() + outerMargin, ly, text.left() - 8, ly);
        p->drawText(text, Qt::AlignRight | Qt::AlignVCenter, label);
    }

    if (l.notice) {
        QFont f = smallFont(option.font);
        f.setItalic(true);
        p->setFont(f);
        p->setPen(muted(pal));
        p->drawText(l.body, Qt::AlignHCenter | Qt::AlignVCenter,
                    QStringLiteral("\u2022 ") + index.data(Role::TextRole).toString() +
                        QStringLiteral(" \u2022"));
    } else if (m_compact) {
        paintCompact(p, option, index, l);
    } else {
        paintCard(p, option, index, l);
    }
    p->restore();
}

void MessageDelegate::paintCompact(QPainter *p, const QStyleOptionViewItem &option,
                                   const QModelIndex &index, const Layout &l) const
{
    const QPalette &pal = option.palette;
    const bool dark = theme::isDark(pal);
    const QColor base = pal.color(QPalette::Base);
    const QColor accent = theme::accent(pal);
    const bool mention = index.data(Role::MentionRole).toBool();
    const bool highlight = index.data(Role::HighlightRole).toBool();
    const bool match = index.data(Role::SearchMatchRole).toBool();
    const bool selected = option.state & QStyle::State_Selected;
    const bool hover = option.state & QStyle::State_MouseOver;

    if (mention || hover || selected) {
        QColor bg = mention ? mix(base, amber, dark ? 0.18 : 0.10)
                            : mix(base, dark ? Qt::white : Qt::black, 0.04);
        p->setPen(Qt::NoPen);
        p->setBrush(bg);
        p->drawRoundedRect(l.card, 4, 4);
    }
    if (highlight || selected || match) {
        p->setPen(QPen(match && !highlight && !selected ? amber : accent, 1.5));
        p->setBrush(Qt::NoBrush);
        p->drawRoundedRect(QRectF(l.card).adjusted(0.5, 0.5, -0.5, -0.5), 4, 4);
    }
    if (mention) {
        p->setPen(Qt::NoPen);
        p->setBrush(amber);
        p->drawRect(QRect(l.card.left(), l.card.top() + 2, 3, l.card.height() - 4));
    }
    const QFont smallF = smallFont(option.font);
    p->setFont(smallF);
    p->setPen(muted(pal));
    p->drawText(l.time, Qt::AlignLeft | Qt::AlignVCenter,
                index.data(Role::CreatedAtRole).toDateTime().toString(QStringLiteral("HH:mm")));
    if (!l.quote.isNull())
        paintQuote(p, option, index, l.quote);
    QFont bold = option.font;
    bold.setBold(true);
    p->setFont(bold);
    p->setPen(theme::nameColour(index.data(Role::AuthorIdRole).toString(), pal));
    p->drawText(l.header.adjusted(0, 0, 8, 0), Qt::AlignLeft | Qt::AlignVCenter, l.name);
    paintBody(p, option, index, l);
    paintButtons(p, option, l, true);
}

void MessageDelegate::paintBody(QPainter *p, const QStyleOptionViewItem &option,
                                const QModelIndex &index, const Layout &l) const
{
    const QPalette &pal = option.palette;
    const bool dark = theme::isDark(pal);
    const QColor base = pal.color(QPalette::Base);
    if (index.data(Role::DeletedRole).toBool()) {
        QFont f = option.font;
        f.setItalic(true);
        p->setFont(f);
        p->setPen(muted(pal));
        p->drawText(l.body.adjusted(m_compact ? l.nameWidth : 0, 0, 0, 0),
                    Qt::AlignLeft | Qt::AlignVCenter, QStringLiteral("\U0001F5D1 message deleted"));
    } else if (!l.drawing.isNull()) {
        // Drawings keep their white paper, also in dark theme.
        const QImage image = index.data(Role::DrawingImageRole).value<QImage>();
        p->setPen(QPen(dark ? mix(base, Qt::white, 0.15) : mix(base, Qt::black, 0.12), 1));
        p->setBrush(Qt::white);
        p->drawRoundedRect(l.drawing, 6, 6);
        const QRect inner = l.drawing.adjusted(6, 6, -6, -6);
        if (!image.isNull()) {
            p->drawImage(inner, image);
        } else {
            p->setFont(smallFont(option.font));
            p->setPen(QColor(0x80, 0x86, 0x93));
            p->drawText(inner, Qt::AlignCenter,
                        index.data(Role::DrawingMissingRole).toBool()
                            ? QStringLiteral("drawing unavailable")
                            : QStringLiteral("loading drawing\u2026"));
        }
    } else {
        auto doc =
            bodyDocument(index, l.body.width(), pal, option.font, m_compact ? l.nameWidth : 0);
        QAbstractTextDocumentLayout::PaintContext ctx;
        ctx.palette = pal;
        p->save();
        p->translate(l.body.topLeft());
        doc->documentLayout()->draw(p, ctx);
        paintQuoteBars(p, doc.get(), muted(pal));
        p->restore();
    }
}

void MessageDelegate::paintButtons(QPainter *p, const QStyleOptionViewItem &option, const Layout &l,
                                   bool overlay) const
{
    const QPalette &pal = option.palette;
    const bool dark = theme::isDark(pal);
    const QColor base = pal.color(QPalette::Base);
    const QColor accent = theme::accent(pal);
    const QColor mutedColour = muted(pal);
    if (overlay && !l.buttons.isEmpty()) {
        // Over the end of a compact line: an opaque strip, so no text shows through.
        QRect strip = l.buttons.first().rect;
        for (const Button &b : l.buttons)
            strip = strip.united(b.rect);
        p->setPen(Qt::NoPen);
        p->setBrush(base);
        p->drawRoundedRect(strip.adjusted(-6, 0, 2, 0), 4, 4);
    }
    p->setFont(smallFont(option.font));
    for (const Button &b : l.buttons) {
        const bool vote = b.action == Action::Support || b.action == Action::Reject;
        const QColor tone = b.action == Action::Support  ? green
                            : b.action == Action::Reject ? red
                            : b.action == Action::Delete ? red
                                                         : accent;
        QColor fill = dark ? mix(base, Qt::white, 0.06) : mix(base, Qt::black, 0.035);
        QColor text = b.enabled ? pal.color(QPalette::Text) : mutedColour;
        const bool zero = vote && b.label.endsWith(QStringLiteral(" 0"));
        if (b.active) {
            fill = mix(base, tone, dark ? 0.35 : 0.18);
            text = dark ? mix(tone, Qt::white, 0.4) : mix(tone, Qt::black, 0.3);
        } else if (zero) {
            // Nobody voted yet: a quiet outline, so cards with votes stand out.
            fill = Qt::transparent;
            text = mutedColour;
            p->setPen(QPen(dark ? mix(base, Qt::white, 0.12) : mix(base, Qt::black, 0.10), 1));
        } else if (!vote) {
            fill = Qt::transparent;
            text = tone;
        }
        if (b.active)
            p->setPen(QPen(tone, 1));
        else if (!zero || b.active)
            p->setPen(Qt::NoPen);
        p->setBrush(fill);
        p->drawRoundedRect(QRectF(b.rect).adjusted(0.5, 0.5, -0.5, -0.5), b.rect.height() / 2.0,
                           b.rect.height() / 2.0);
        p->setPen(text);
        p->drawText(b.rect, Qt::AlignCenter, b.label);
    }
}

void MessageDelegate::paintCard(QPainter *p, const QStyleOptionViewItem &option,
                                const QModelIndex &index, const Layout &l) const
{
    const QPalette &pal = option.palette;
    const bool dark = theme::isDark(pal);
    const QColor base = pal.color(QPalette::Base);
    const QColor accent = theme::accent(pal);
    const bool mine = index.data(Role::IsMineRole).toBool();
    const bool mention = index.data(Role::MentionRole).toBool();
    const bool highlight = index.data(Role::HighlightRole).toBool();
    const bool match = index.data(Role::SearchMatchRole).toBool();

    // Card background: my messages tinted with the accent, mentions with amber.
    QColor bg = base;
    if (mine)
        bg = mix(base, accent, dark ? 0.16 : 0.07);
    if (mention)
        bg = mix(base, amber, dark ? 0.18 : 0.10);
    QPainterPath path;
    path.addRoundedRect(QRectF(l.card).adjusted(0.5, 0.5, -0.5, -0.5), 9, 9);
    p->fillPath(path, bg);
    QColor border = dark ? mix(base, Qt::white, 0.08) : mix(base, Qt::black, 0.09);
    qreal borderWidth = 1;
    if (match) {
        border = amber;
        borderWidth = 1.5;
    }
    if (highlight || (option.state & QStyle::State_Selected)) {
        border = accent;
        borderWidth = 2;
    }
    p->setPen(QPen(border, borderWidth));
    p->drawPath(path);
    if (mention) {
        // A bar on the left, so the state is not told by colour alone.
        p->setPen(Qt::NoPen);
        p->setBrush(amber);
        p->drawRoundedRect(QRectF(l.card.left() + 1, l.card.top() + 6, 4, l.card.height() - 12), 2,
                           2);
    }

    const QFont smallF = smallFont(option.font);
    const QFontMetrics smallFm(smallF);
    const QColor mutedColour = muted(pal);

    if (!l.header.isNull()) {
        QFont bold = option.font;
        bold.setBold(true);
        p->setFont(bold);
        const QFontMetrics bfm(bold);
        const QString author = index.data(Role::AuthorNameRole).toString();
        p->setPen(theme::nameColour(index.data(Role::AuthorIdRole).toString(), pal));
        const QString shown = bfm.elidedText(author, Qt::ElideRight, l.header.width() / 2);
        p->drawText(l.header, Qt::AlignLeft | Qt::AlignVCenter, shown);
        int x = l.header.left() + bfm.horizontalAdvance(shown) + 8;
        auto tag = [&](const QString &text, const QColor &colour) {
            const int tw = smallFm.horizontalAdvance(text) + 12;
            const QRect tr(x, l.header.center().y() - smallFm.height() / 2 - 1, tw,
                           smallFm.height() + 2);
            p->setPen(Qt::NoPen);
            p->setBrush(mix(base, colour, dark ? 0.30 : 0.16));
            p->drawRoundedRect(tr, tr.height() / 2, tr.height() / 2);
            p->setPen(dark ? mix(colour, Qt::white, 0.35) : mix(colour, Qt::black, 0.25));
            p->setFont(smallF);
            p->drawText(tr, Qt::AlignCenter, text);
            x += tw + 5;
        };
        if (index.data(Role::AuthorAnonymousRole).toBool())
            tag(QStringLiteral("anon"), QColor(0x80, 0x86, 0x93));
        if (index.data(Role::AuthorIsCreatorRole).toBool())
            tag(QStringLiteral("creator"), green);
        if (mine)
            tag(QStringLiteral("you"), accent);
        p->setFont(smallF);
        p->setPen(mutedColour);
        QString time =
            index.data(Role::CreatedAtRole).toDateTime().toString(QStringLiteral("HH:mm"));
        if (index.data(Role::EditedRole).toBool())
            time += QStringLiteral("  (edited)");
        p->drawText(QRect(x + 2, l.header.top(), l.header.right() - x, l.header.height()),
                    Qt::AlignLeft | Qt::AlignVCenter, time);
        p->drawText(l.header, Qt::AlignRight | Qt::AlignVCenter,
                    QStringLiteral("#%1").arg(index.data(Role::IdRole).toLongLong()));
    } else if (!l.meta.isNull()) {
        // Grouped cards: time and id on hover, "(edited)" always, beside the buttons.
        p->setFont(smallF);
        p->setPen(mutedColour);
        p->drawText(
            l.meta, Qt::AlignRight | Qt::AlignVCenter,
            metaText(index, option.state & (QStyle::State_MouseOver | QStyle::State_Selected)));
    }

    if (!l.quote.isNull())
        paintQuote(p, option, index, l.quote);
    paintBody(p, option, index, l);
    paintButtons(p, option, l, false);
}

bool MessageDelegate::editorEvent(QEvent *event, QAbstractItemModel *model,
                                  const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() != QEvent::MouseButtonRelease)
        return PlainTipDelegate::editorEvent(event, model, option, index);
    auto *mouse = static_cast<QMouseEvent *>(event);
    if (mouse->button() != Qt::LeftButton)
        return false;
    const QPoint pos = mouse->position().toPoint();
    const Layout l = layout(option, index, true);
    for (const Button &b : l.buttons) {
        if (b.rect.contains(pos)) {
            if (b.enabled)
                emit actionTriggered(b.action, index);
            return true;
        }
    }
    if (l.quote.contains(pos) && index.data(Role::ReplyMessageRole).isValid()) {
        emit actionTriggered(Action::JumpToQuote, index);
        return true;
    }
    if (!l.drawing.isNull() && l.drawing.contains(pos)) {
        emit actionTriggered(Action::OpenDrawing, index);
        return true;
    }
    if (l.body.contains(pos) && l.drawing.isNull() && !index.data(Role::DeletedRole).toBool() &&
        !l.notice) {
        auto doc = bodyDocument(index, l.body.width(), option.palette, option.font,
                                m_compact ? l.nameWidth : 0);
        const QString anchor = doc->documentLayout()->anchorAt(pos - l.body.topLeft());
        if (!anchor.isEmpty()) {
            emit linkActivated(QUrl(anchor));
            return true;
        }
    }
    return false;
}

bool MessageDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view,
                                const QStyleOptionViewItem &option, const QModelIndex &index)
{
    const Layout l = layout(option, index, true);
    for (const Button &b : l.buttons) {
        if (b.rect.contains(event->pos())) {
            QString tip;
            switch (b.action) {
            case Action::Support:
                tip = b.enabled ? QStringLiteral("Support (click again to withdraw)")
                                : QStringLiteral("You cannot vote on your own message");
                break;
            case Action::Reject:
                tip = b.enabled ? QStringLiteral("Reject (click again to withdraw)")
                                : QStringLiteral("You cannot vote on your own message");
                break;
            case Action::Reply:
                tip = QStringLiteral("Reply to the author (R)");
                break;
            case Action::Quote:
                tip = QStringLiteral("Quote this message (Q)");
                break;
            case Action::Edit:
                tip = QStringLiteral("Edit (E, or ArrowUp in an empty composer)");
                break;
            case Action::Delete:
                tip = QStringLiteral("Delete (Del)");
                break;
            default:
                break;
            }
            QToolTip::showText(event->globalPos(), tip, view);
            return true;
        }
    }
    if (l.quote.contains(event->pos())) {
        QToolTip::showText(event->globalPos(),
                           QStringLiteral("Click to jump to the quoted message"), view);
        return true;
    }
    return PlainTipDelegate::helpEvent(event, view, option, index);
}

} // namespace ic::desktop
