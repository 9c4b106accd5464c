#pragma once
// The message input: Enter sends, Shift+Enter inserts a newline, ArrowUp in an empty composer
// asks to edit my last message, Escape cancels reply/edit. Grows with its text up to 6 lines.

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
    void editLastRequested();
    void cancelRequested();

protected:
    bool event(QEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void updateHeight();
};

} // namespace ic::desktop
