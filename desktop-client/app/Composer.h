#pragma once
// The message input: Enter sends, Shift+Enter inserts a newline, ArrowUp in an empty composer
// asks to edit my last message, Escape cancels reply/edit. Grows with its text up to 6 lines.

#include <QImage>
#include <QPlainTextEdit>

namespace ic::desktop {

class Composer : public QPlainTextEdit
{
    Q_OBJECT
public:
    explicit Composer(QWidget *parent = nullptr);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

signals:
    void submitRequested();
    // An image was pasted or dropped (clipboard image or a local image file): it is offered as
    // a drawing instead of going into the text.
    void imagePasted(const QImage &image);
    void editLastRequested();
    void cancelRequested();

protected:
    bool event(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    bool canInsertFromMimeData(const QMimeData *source) const override;
    void insertFromMimeData(const QMimeData *source) override;

private:
    void updateHeight();
    void updatePlaceholder();
};

} // namespace ic::desktop
