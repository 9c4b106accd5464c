#pragma once
// A room's message stream: message cards (MessageDelegate), an empty state, a context menu and
// keys for the per-message actions, and "N new messages ↓" while the user has scrolled up;
// otherwise it follows the newest message.

#include "MessageDelegate.h"

#include <QListView>

class QPushButton;
class QTimer;

namespace ic::desktop {

class RoomSession;

class MessageListView : public QListView
{
    Q_OBJECT
public:
    explicit MessageListView(RoomSession *session, QWidget *parent = nullptr);

    MessageDelegate *messageDelegate() const { return m_delegate; }
    void setShowNotices(bool show);
    // Centres the message and flashes it; false when it is not loaded (deleted or dropped).
    bool jumpTo(qint64 id);
    // Centres the message without the flash (search highlights it itself).
    void showMessage(qint64 id);
    // Scrolls to the unread divider ("New since you were last here"); false when there is none.
    bool jumpToFirstUnread();
    // The "↑ First unread" button: shown while the divider is above the visible part.
    QPushButton *firstUnreadButton() const { return m_firstUnread; }
    // Compact density (see MessageDelegate::setCompact).
    void setCompact(bool compact);

signals:
    void actionRequested(ic::desktop::MessageDelegate::Action action, const QModelIndex &index);
    // The user is done here (Esc, or "new messages" clicked): typing goes to the composer.
    void composerFocusRequested();

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void focusInEvent(QFocusEvent *event) override;
    void focusOutEvent(QFocusEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void showContextMenu(const QPoint &pos);
    void onRowsInserted(int first, int last);
    void applyNoticeVisibility(int first, int last);
    bool atBottom() const;
    QModelIndex lastVisibleRow() const;
    void updateFirstUnreadButton();

    RoomSession *m_session;
    MessageDelegate *m_delegate;
    QPushButton *m_newMessages;
    QPushButton *m_firstUnread;
    QTimer *m_firstUnreadCheck;
    int m_newCount = 0;
    bool m_wasAtBottom = true;
    bool m_relayout = false; // re-measuring rows: scroll changes are not the user's
    bool m_showNotices = true;
};

} // namespace ic::desktop
