#include "ElidingLabel.h"

#include "PlainText.h"

#include <QResizeEvent>

namespace ic::desktop {

ElidingLabel::ElidingLabel(QWidget *parent) : QLabel(parent)
{
    setTextFormat(Qt::PlainText);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void ElidingLabel::setFullText(const QString &text)
{
    m_full = text;
    updateGeometry();
    updateShown();
}

QSize ElidingLabel::minimumSizeHint() const
{
    // Room for "x…" only: everything else is elided.
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(QStringLiteral("xx\u2026")), QLabel::minimumSizeHint().height()};
}

QSize ElidingLabel::sizeHint() const
{
    const QFontMetrics fm(font());
    return {fm.horizontalAdvance(m_full) + 2, QLabel::sizeHint().height()};
}

void ElidingLabel::resizeEvent(QResizeEvent *event)
{
    QLabel::resizeEvent(event);
    updateShown();
}

void ElidingLabel::updateShown()
{
    const QString shown = fontMetrics().elidedText(m_full, Qt::ElideRight, width());
    setText(shown);
    setToolTip(shown == m_full ? QString() : plainToolTip(m_full));
}

} // namespace ic::desktop
