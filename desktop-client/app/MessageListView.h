#pragma once
// A room's message stream: message cards (MessageDelegate), an empty state, a context menu and
// keys for the per-message actions, and "N new messages ↓" while the user has scrolled up;
// otherwise it follows the newest message.

#include "MessageDelegate.h"

#include <QListView>

class QPushButton;

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

signals:
    void actionRequested(ic::desktop::MessageDelegate::Action action, const QModelIndex &index);
    // The user is done here (Esc, or "new messages" clicked): typing goes to the composer.
    void composerFocusRequested();

protected:
    void paintEvent(QPaintEvent *event) override;
    void keyPressEvent(QKeyEvent *event) override;

private:
    void showContextMenu(const QPoint &pos);
    void onRowsInserted(int first, int last);
    void applyNoticeVisibility(int first, int last);
    bool atBottom() const;

    RoomSession *m_session;
    MessageDelegate *m_delegate;
    QPushButton *m_newMessages;
    int m_newCount = 0;
    bool m_wasAtBottom = true;
    bool m_showNotices = true;
};

} // namespace ic::desktop
