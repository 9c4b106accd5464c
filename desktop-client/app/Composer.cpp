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
