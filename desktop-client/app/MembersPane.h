#pragma once
// The side pane of a room: the members (click one to reply) above the pinned messages ("Picks",
// click one to jump to it), in a vertical splitter so either can be given more room.

#include <QSplitter>

class QLabel;
class QListView;

namespace ic::desktop {

class PinnedMessagesModel;
class RoomSession;

class MembersPane : public QSplitter
{
    Q_OBJECT
public:
    explicit MembersPane(RoomSession *session, QWidget *parent = nullptr);

    PinnedMessagesModel *pinnedMessages() const { return m_pinned; }
    QListView *pinnedView() const { return m_pinnedList; }

signals:
    void replyRequested(const QString &userId);
    void jumpRequested(qint64 id);

private:
    QWidget *buildMembers(RoomSession *session);
    QWidget *buildPinned();
    void updatePinnedTitle();

    PinnedMessagesModel *m_pinned;
    QListView *m_pinnedList = nullptr;
    QLabel *m_pinnedTitle = nullptr;
    QLabel *m_pinnedEmpty = nullptr;
};

} // namespace ic::desktop
