#pragma once
// "Join or create a room" (Ctrl+K): room name or a pasted link, optional password and nickname,
// the recent rooms list. Validates as the user types, with the server's rules.

#include "AppSettings.h"
#include "RoomLink.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace ic::desktop {

class JoinDialog : public QDialog
{
    Q_OBJECT
public:
    explicit JoinDialog(AppSettings *settings, QWidget *parent = nullptr);

    RoomLink link() const { return m_link; }
    QString password() const;
    QString userName() const;
    void setInput(const QString &text);

private:
    void validate();
    void fillRecent();

    AppSettings *m_settings;
    QLineEdit *m_room;
    QLineEdit *m_password;
    QLineEdit *m_name;
    QLabel *m_problem;
    QListWidget *m_recent;
    QPushButton *m_join;
    RoomLink m_link;
};

} // namespace ic::desktop
