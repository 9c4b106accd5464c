#include "Composer.h"

#include <QKeyEvent>
#include <QTextBlock>

namespace ic::desktop {

Composer::Composer(QWidget *parent)
    : QPlainTextEdit(parent)
{
    setTabChangesFocus(true);
    setPlaceholderText(QStringLiteral("Write a message — Enter sends, Shift+Enter for a new line"));
    setAccessibleName(QStringLiteral("Message"));
    connect(this, &QPlainTextEdit::textChanged, this, &Composer::updateHeight);
    updateHeight();
}

QSize Composer::sizeHint() const
{
    return {400, minimumSizeHint().height()};
}

QSize Composer::minimumSizeHint() const
{
    const int lines = std::clamp(int(document()->size().height()), 1, 6);
    const int h = fontMetrics().lineSpacing() * lines + 2 * int(document()->documentMargin()) + 2 * frameWidth() + 4;
    return {100, h};
}

void Composer::updateHeight()
{
    setFixedHeight(minimumSizeHint().height());
}

void Composer::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
        emit submitRequested();
        return;
    }
    if (event->key() == Qt::Key_Up && event->modifiers() == Qt::NoModifier && document()->isEmpty()) {
        emit editLastRequested();
        return;
    }
    if (event->key() == Qt::Key_Escape) {
        emit cancelRequested();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace ic::desktop
