#include "Composer.h"

#include <QKeyEvent>
#include <QTextBlock>

namespace ic::desktop {

Composer::Composer(QWidget *parent) : QPlainTextEdit(parent)
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
    const int h = fontMetrics().lineSpacing() * lines + 2 * int(document()->documentMargin()) +
                  2 * frameWidth() + 4;
    return {100, h};
}

void Composer::updateHeight()
{
    setFixedHeight(minimumSizeHint().height());
}

bool Composer::event(QEvent *event)
{
    if (event->type() == QEvent::ShortcutOverride) {
        // The text control claims some of the app's shortcuts (Ctrl+K = delete to end of line
        // on X11, Ctrl+D, Ctrl+Tab); the window's shortcuts win here.
        auto *key = static_cast<QKeyEvent *>(event);
        const QKeySequence pressed(key->keyCombination());
        static const QList<QKeySequence> appShortcuts = {
            QKeySequence(QStringLiteral("Ctrl+K")),
            QKeySequence(QStringLiteral("Ctrl+F")),
            QKeySequence(QStringLiteral("Ctrl+D")),
            QKeySequence(QStringLiteral("Ctrl+W")),
            QKeySequence(QStringLiteral("Ctrl+Tab")),
            QKeySequence(QStringLiteral("Ctrl+Shift+Tab")),
            QKeySequence(QStringLiteral("Ctrl+Shift+O")),
            QKeySequence(QStringLiteral("Ctrl+Shift+Backtab")),
            QKeySequence(QStringLiteral("Ctrl+;"))};
        if (appShortcuts.contains(pressed)) {
            event->ignore();
            return true;
        }
    }
    return QPlainTextEdit::event(event);
}

void Composer::keyPressEvent(QKeyEvent *event)
{
    const bool enter = event->key() == Qt::Key_Return || event->key() == Qt::Key_Enter;
    if (enter && !(event->modifiers() & Qt::ShiftModifier)) {
        emit submitRequested();
        return;
    }
    if (event->key() == Qt::Key_Up && event->modifiers() == Qt::NoModifier &&
        document()->isEmpty()) {
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
