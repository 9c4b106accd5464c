#include "Composer.h"

#include <QFileInfo>
#include <QImageReader>
#include <QKeyEvent>
#include <QMimeData>
#include <QTextBlock>

namespace ic::desktop {
namespace {

const QString fullPlaceholder =
    QStringLiteral("Write a message \u2014 Enter sends, Shift+Enter for a new line");
const QString shortPlaceholder = QStringLiteral("Write a message\u2026");

// The first local file among dropped/pasted URLs that Qt can read as an image; empty if none.
QString imageFile(const QMimeData *source)
{
    if (!source->hasUrls())
        return {};
    for (const QUrl &url : source->urls()) {
        if (!url.isLocalFile())
            continue;
        const QString path = url.toLocalFile();
        if (QFileInfo(path).isFile() && !QImageReader::imageFormat(path).isEmpty())
            return path;
    }
    return {};
}

} // namespace

Composer::Composer(QWidget *parent) : QPlainTextEdit(parent)
{
    setTabChangesFocus(true);
    setPlaceholderText(fullPlaceholder);
    setAccessibleName(QStringLiteral("Message"));
    connect(this, &QPlainTextEdit::textChanged, this, &Composer::updateHeight);
    // Any edit of the user's own ends a completion cycle; so does moving the caret away.
    connect(this, &QPlainTextEdit::textChanged, this, [this] {
        if (!m_completing)
            endCompletion();
    });
    connect(this, &QPlainTextEdit::cursorPositionChanged, this, [this] {
        if (!m_completing && textCursor().position() != m_completionEnd)
            endCompletion();
    });
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

void Composer::resizeEvent(QResizeEvent *event)
{
    QPlainTextEdit::resizeEvent(event);
    updatePlaceholder();
}

void Composer::updatePlaceholder()
{
    // The composer is one line high: a placeholder that wraps would be cut in half.
    const int room = viewport()->width() - 2 * int(document()->documentMargin()) - 4;
    const QString wanted = fontMetrics().horizontalAdvance(fullPlaceholder) <= room
                               ? fullPlaceholder
                               : shortPlaceholder;
    if (placeholderText() != wanted)
        setPlaceholderText(wanted);
}

bool Composer::canInsertFromMimeData(const QMimeData *source) const
{
    return source->hasImage() || !imageFile(source).isEmpty() ||
           QPlainTextEdit::canInsertFromMimeData(source);
}

void Composer::insertFromMimeData(const QMimeData *source)
{
    // Images become a drawing (with a preview first); only text goes into the message.
    if (source->hasImage()) {
        emit imagePasted(qvariant_cast<QImage>(source->imageData()));
        return;
    }
    const QString file = imageFile(source);
    if (!file.isEmpty()) {
        QImageReader reader(file);
        reader.setAutoTransform(true);
        emit imagePasted(reader.read()); // a null image is refused with a sentence
        return;
    }
    QPlainTextEdit::insertFromMimeData(source);
}

void Composer::endCompletion()
{
    m_completion = {};
}

bool Composer::completeName(bool forward)
{
    if (!m_users)
        return false;
    const QTextCursor caret = textCursor();
    if (caret.hasSelection())
        return false;
    const bool cycling = m_completion.start >= 0 && caret.position() == m_completionEnd;
    if (!cycling) {
        m_completion = ic::desktop::completeName(toPlainText(), caret.position(), *m_users);
        if (m_completion.isEmpty()) {
            endCompletion();
            return false;
        }
        m_typedPartial =
            toPlainText().mid(m_completion.start, caret.position() - m_completion.start);
        m_completionIndex = forward ? 0 : int(m_completion.names.size()) - 1;
    } else {
        const int n = int(m_completion.names.size());
        m_completionIndex = (m_completionIndex + (forward ? 1 : n - 1)) % n;
    }
    QTextCursor c = caret;
    c.setPosition(m_completion.start);
    c.setPosition(caret.position(), QTextCursor::KeepAnchor);
    m_completing = true;
    c.insertText(m_completion.replacement(m_completionIndex));
    setTextCursor(c);
    m_completionEnd = c.position();
    m_completing = false;
    return true;
}

bool Composer::event(QEvent *event)
{
    if (event->type() == QEvent::KeyPress) {
        // Before QWidget::event turns Tab into a focus change.
        auto *key = static_cast<QKeyEvent *>(event);
        const bool plain = !(key->modifiers() & (Qt::ControlModifier | Qt::AltModifier));
        const bool tab = key->key() == Qt::Key_Tab && !(key->modifiers() & Qt::ShiftModifier);
        const bool backtab = key->key() == Qt::Key_Backtab ||
                             (key->key() == Qt::Key_Tab && (key->modifiers() & Qt::ShiftModifier));
        if (plain && (tab || backtab) && completeName(tab))
            return true;
    }
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
    if (event->key() == Qt::Key_Escape && m_completion.start >= 0) {
        // Back to what was typed before Tab.
        QTextCursor c = textCursor();
        c.setPosition(m_completion.start);
        c.setPosition(m_completionEnd, QTextCursor::KeepAnchor);
        m_completing = true;
        c.insertText(m_typedPartial);
        setTextCursor(c);
        m_completing = false;
        endCompletion();
        return;
    }
    if (event->key() == Qt::Key_Escape) {
        emit cancelRequested();
        return;
    }
    QPlainTextEdit::keyPressEvent(event);
}

} // namespace ic::desktop
