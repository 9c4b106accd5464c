#include "PlainText.h"

#include <QAbstractItemView>
#include <QHelpEvent>
#include <QLabel>
#include <QToolTip>

namespace ic::desktop {

QLabel *plainLabel(QLabel *label)
{
    label->setTextFormat(Qt::PlainText);
    return label;
}

QString plainToolTip(const QString &text)
{
    // A tool tip is rich text when it looks like it; wrapping the escaped text in a paragraph makes
    // it rich text on purpose, so the escaping always applies.
    return QStringLiteral("<p style='white-space:pre-wrap'>%1</p>").arg(text.toHtmlEscaped());
}

bool PlainTipDelegate::helpEvent(QHelpEvent *event, QAbstractItemView *view,
                                 const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event && view && event->type() == QEvent::ToolTip && index.isValid()) {
        const QString tip = index.data(Qt::ToolTipRole).toString();
        if (tip.isEmpty())
            QToolTip::hideText();
        else
            QToolTip::showText(event->globalPos(), plainToolTip(tip), view,
                               view->visualRect(index));
        return true;
    }
    return QStyledItemDelegate::helpEvent(event, view, option, index);
}

QString notificationText(const QString &text)
{
    QString out = text;
    out.replace(QLatin1Char('&'), QChar(0xFF06)); // FULLWIDTH AMPERSAND: no entities
    out.replace(QLatin1Char('<'), QChar(0x2039)); // SINGLE LEFT-POINTING ANGLE QUOTATION MARK
    out.replace(QLatin1Char('>'), QChar(0x203A));
    return out;
}

} // namespace ic::desktop
