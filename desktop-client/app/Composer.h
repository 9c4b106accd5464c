#pragma once
// The message input: Enter sends, Shift+Enter inserts a newline, ArrowUp in an empty composer
// asks to edit my last message, Escape cancels reply/edit. Grows with its text up to 6 lines.
// Tab completes a member's name ("@An" or "An" → "@Ana "); Tab again cycles through the
// matches, Shift+Tab back, Esc puts back what was typed.

#include "NameCompletion.h"

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
    // The room's members, for Tab completion (none: Tab only moves the focus).
    void setMembers(const UserListModel *users) { m_users = users; }
    bool isCompletingName() const { return m_completion.start >= 0; }

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
    // Tab/Shift+Tab: completes or cycles; false when there is nothing to complete.
    bool completeName(bool forward);
    void endCompletion();

    const UserListModel *m_users = nullptr;
    NameCompletion m_completion; // start < 0: not completing
    QString m_typedPartial;      // put back by Esc
    int m_completionIndex = 0;
    int m_completionEnd = 0;   // where the inserted name ends (the caret)
    bool m_completing = false; // our own edit is under way: not a user's change
};

} // namespace ic::desktop
