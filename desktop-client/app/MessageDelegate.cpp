#include "MessageDelegate.h"

#include "ChatMessage.h"
#include "MessageListModel.h"
#include "TextFormat.h"
#include "Theme.h"

#include <QAbstractItemView>
#include <QAbstractTextDocumentLayout>
#include <QDateTime>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
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

QString bodyHtml(const QString &text, const QColor &link)
{
    // Escape, then turn links into anchors; `pre-wrap` keeps the user's line breaks and spaces.
    QString html;
    qsizetype pos = 0;
    for (const auto &span : findLinks(text)) {
        html += text.mid(pos, span.start - pos).toHtmlEscaped();
        html += QStringLiteral("<a href=\"%1\" style=\"color:%2\">%3</a>")
                    .arg(span.url.toHtmlEscaped(), link.name(), span.url.toHtmlEscaped());
        pos = span.start + span.length;
    }
    html += text.mid(pos).toHtmlEscaped();
    return QStringLiteral("<div style=\"white-space: pre-wrap\">") + html +
           QStringLiteral("</div>");
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

std::unique_ptr<QTextDocument> MessageDelegate::bodyDocument(const QModelIndex &index, int width,
                                                             const QPalette &palette,
                                                             const QFont &font) const
{
    auto doc = std::make_unique<QTextDocument>();
    const QString text = index.data(Role::TextRole).toString();
    QFont f = font;
    if (isSingleEmoji(text))
        f.setPointSizeF(font.pointSizeF() * 2.6); // a lone emoji shows enlarged
    doc->setDefaultFont(f);
    doc->setDocumentMargin(0);
    doc->setTextWidth(width);
    doc->setHtml(bodyHtml(text, palette.color(QPalette::Link)));
    return doc;
}

int MessageDelegate::bodyHeight(const QModelIndex &index, int width, const QFont &font) const
{
    const QString key = QStringLiteral("%1|%2|%3|%4")
                            .arg(index.data(Role::IdRole).toLongLong())
                            .arg(qHash(index.data(Role::TextRole).toString()))
                            .arg(width)
                            .arg(font.pointSizeF());
    const auto it = m_heights.constFind(key);
    if (it != m_heights.cend())
        return *it;
    if (m_heights.size() > 20000)
        m_heights.clear();
    const int h = int(std::ceil(bodyDocument(index, width, QPalette(), font)->size().height()));
    m_heights.insert(key, h);
    return h;
}

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
        l.separator = QRect(r.left(), y, r.width(), separatorHeight);
        y += separatorHeight;
    }
    const auto kind = ChatMessage::Kind(index.data(Role::KindRole).toInt());
    if (kind == ChatMessage::Kind::Notice) {
        l.notice = true;
        l.body =
            QRect(r.left() + outerMargin, y + 2, r.width() - 2 * outerMargin, small.height() + 6);
        l.height = l.body.bottom() + 3 - r.top();
        return l;
    }

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
        l.body = QRect(x, cy, w, bodyHeight(index, w, option.font));
    }
    cy = l.body.bottom() + 1 + 6;

    if (!deleted) {
        // Vote pills always (counts are information); the other actions on hover/selection.
        const bool mine = index.data(Role::IsMineRole).toBool();
        const bool canVote = !mine || m_amCreator;
        const int myVote = index.data(Role::MyVoteRole).toInt();
        int bx = x;     // next left-aligned button
        int rx = x + w; // right edge for the next right-aligned button
        auto add = [&](Action a, const QString &label, bool active, bool enabled,
                       bool alignRight = false) {
            const int bw = small.horizontalAdvance(label) + 18;
            Button b{QRect(0, cy, bw, buttonRowHeight), a, label, active, enabled};
            if (alignRight) {
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
        add(Action::Support,
            QStringLiteral("\u25B2 support %1").arg(index.data(Role::SupportRole).toLongLong()),
            myVote > 0, canVote);
        add(Action::Reject,
            QStringLiteral("\u25BC reject %1").arg(index.data(Role::RejectRole).toLongLong()),
            myVote < 0, canVote);
        if (withActions) {
            if (mine)
                add(Action::Delete, QStringLiteral("Delete"), false, true, true);
            if (mine && kind == ChatMessage::Kind::Text)
                add(Action::Edit, QStringLiteral("Edit"), false, true, true);
            if (kind == ChatMessage::Kind::Text)
                add(Action::Quote, QStringLiteral("Quote"), false, true, true);
            add(Action::Reply, QStringLiteral("Reply"), false, true, true);
        }
        cy += buttonRowHeight;
    }
    cy += 8;
    l.card = QRect(cardLeft, y, cardWidth, cy - y);
    l.height = l.card.bottom() + 1 - r.top();
    return l;
}

QSize MessageDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    opt.rect.setTop(0);
    if (opt.rect.width() <= 0)
        opt.rect.setWidth(600);
    return QSize(opt.rect.width(), layout(opt, index, false).height);
}

void MessageDelegate::paint(QPainter *p, const QStyleOptionViewItem &option,
                            const QModelIndex &index) const
{
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

    if (l.notice) {
        QFont f = smallFont(option.font);
        f.setItalic(true);
        p->setFont(f);
        p->setPen(muted(pal));
        p->drawText(l.body, Qt::AlignHCenter | Qt::AlignVCenter,
                    QStringLiteral("\u2022 ") + index.data(Role::TextRole).toString() +
                        QStringLiteral(" \u2022"));
    } else {
        paintCard(p, option, index, l);
    }
    p->restore();
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
    const bool grouped = index.data(Role::GroupedRole).toBool();

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
    } else if (option.state & QStyle::State_MouseOver) {
        // Grouped cards show their time and id on hover only.
        p->setFont(smallF);
        p->setPen(mutedColour);
        QString meta =
            index.data(Role::CreatedAtRole).toDateTime().toString(QStringLiteral("HH:mm"));
        meta += QStringLiteral("  #%1").arg(index.data(Role::IdRole).toLongLong());
        p->drawText(
            QRect(l.card.left(), l.card.top() + 4, l.card.width() - padding, smallFm.height()),
            Qt::AlignRight | Qt::AlignVCenter, meta);
    } else if (index.data(Role::EditedRole).toBool()) {
        p->setFont(smallF);
        p->setPen(mutedColour);
        p->drawText(
            QRect(l.card.left(), l.card.top() + 4, l.card.width() - padding, smallFm.height()),
            Qt::AlignRight | Qt::AlignVCenter, QStringLiteral("(edited)"));
    }

    if (!l.quote.isNull()) {
        const QVariant quoted = index.data(Role::ReplyMessageRole);
        QString text;
        bool unavailable = false;
        if (quoted.isValid()) {
            if (index.data(Role::QuoteAvailableRole).toBool()) {
                text = QStringLiteral(">> #%1  %2: %3")
                           .arg(quoted.toLongLong())
                           .arg(index.data(Role::QuoteAuthorRole).toString(),
                                index.data(Role::QuoteSnippetRole).toString());
            } else {
                text = QStringLiteral(">> #%1  message unavailable").arg(quoted.toLongLong());
                unavailable = true;
            }
        } else {
            text =
                QStringLiteral("\u21AA to %1").arg(index.data(Role::ReplyUserNameRole).toString());
        }
        p->setPen(Qt::NoPen);
        p->setBrush(dark ? mix(base, Qt::white, 0.06) : mix(base, Qt::black, 0.04));
        p->drawRoundedRect(l.quote, 5, 5);
        p->setBrush(quoted.isValid() ? accent : mutedColour);
        p->drawRect(QRect(l.quote.left(), l.quote.top() + 2, 3, l.quote.height() - 4));
        QFont qf = smallF;
        qf.setItalic(unavailable);
        p->setFont(qf);
        p->setPen(unavailable ? mutedColour : pal.color(QPalette::Text));
        p->drawText(l.quote.adjusted(10, 0, -6, 0), Qt::AlignLeft | Qt::AlignVCenter,
                    smallFm.elidedText(text, Qt::ElideRight, l.quote.width() - 16));
    }

    const bool deleted = index.data(Role::DeletedRole).toBool();
    if (deleted) {
        QFont f = option.font;
        f.setItalic(true);
        p->setFont(f);
        p->setPen(mutedColour);
        p->drawText(l.body, Qt::AlignLeft | Qt::AlignVCenter,
                    QStringLiteral("\U0001F5D1 message deleted"));
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
            p->setFont(smallF);
            p->setPen(QColor(0x80, 0x86, 0x93));
            p->drawText(inner, Qt::AlignCenter,
                        index.data(Role::DrawingMissingRole).toBool()
                            ? QStringLiteral("drawing unavailable")
                            : QStringLiteral("loading drawing\u2026"));
        }
    } else {
        auto doc = bodyDocument(index, l.body.width(), pal, option.font);
        QAbstractTextDocumentLayout::PaintContext ctx;
        ctx.palette = pal;
        ctx.palette.setColor(QPalette::Text, pal.color(QPalette::Text));
        p->save();
        p->translate(l.body.topLeft());
        doc->documentLayout()->draw(p, ctx);
        p->restore();
    }

    p->setFont(smallF);
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
    Q_UNUSED(grouped)
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
        auto doc = bodyDocument(index, l.body.width(), option.palette, option.font);
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
