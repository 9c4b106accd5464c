#pragma once
// The top of a room's page: the room's name, member counts and lock, the buttons (copy link,
// draw, search, members, leave) and the description, which the creator can edit in place.
// When the window is too narrow for all the buttons, the less important ones go into a "⋯" menu.

#include <QFrame>
#include <QList>

class QAction;
class QHBoxLayout;
class QLabel;
class QLineEdit;
class QMenu;
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
    // Narrow enough for the title, the counts and the "⋯" button: the buttons collapse into it.
    QSize minimumSizeHint() const override;
    // The "⋯" button (shown only while some buttons are folded into its menu) and its menu.
    QToolButton *moreButton() const { return m_more; }
    QMenu *moreMenu() const { return m_moreMenu; }

signals:
    void drawRequested();
    void searchRequested();
    void membersToggleRequested();
    void leaveRequested();
    // The description editor closed (saved or cancelled): the focus may go back to the composer.
    void editingFinished();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct Item
    {
        QToolButton *button;
        QAction *action; // its twin in the "⋯" menu
        int keep;        // folded in ascending order: the lowest goes first
    };
    void fitButtons();

    RoomConnection *m_connection;
    ElidingLabel *m_title;
    ElidingLabel *m_meta;
    QLabel *m_description;
    QToolButton *m_editDescription;
    QLineEdit *m_descriptionEdit;
    QHBoxLayout *m_top;
    QList<Item> m_items;
    QToolButton *m_more;
    QMenu *m_moreMenu;
};

} // namespace ic::desktop
