#pragma once
// The top of a room's page: the room's name, member counts and lock, the buttons (copy link,
// draw, search, members, leave) and the description, which the creator can edit in place.

#include <QFrame>

class QLabel;
class QLineEdit;
class QToolButton;

namespace ic::desktop {

class ElidingLabel;
class RoomConnection;

class RoomHeaderBar : public QFrame
{
    Q_OBJECT
public:
    explicit RoomHeaderBar(RoomConnection *connection, QWidget *parent = nullptr);

    // Shows the session's current name, counts and description.
    void refresh();

signals:
    void drawRequested();
    void searchRequested();
    void membersToggleRequested();
    void leaveRequested();
    // The description editor closed (saved or cancelled): the focus may go back to the composer.
    void editingFinished();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    RoomConnection *m_connection;
    ElidingLabel *m_title;
    ElidingLabel *m_meta;
    QLabel *m_description;
    QToolButton *m_editDescription;
    QLineEdit *m_descriptionEdit;
};

} // namespace ic::desktop
