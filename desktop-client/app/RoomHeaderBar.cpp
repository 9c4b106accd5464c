#include "RoomHeaderBar.h"

#include "ElidingLabel.h"
#include "PlainText.h"
#include "RoomConnection.h"
#include "RoomLink.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace ic::desktop {

RoomHeaderBar::RoomHeaderBar(RoomConnection *connection, QWidget *parent)
    : QFrame(parent), m_connection(connection)
{
    setObjectName(QStringLiteral("roomHeader"));
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(16, 10, 12, 10);
    layout->setSpacing(4);

    auto *top = new QHBoxLayout;
    m_title = new ElidingLabel(this);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    top->addWidget(m_title, 3);
    m_meta = new ElidingLabel(this);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    top->addWidget(m_meta, 1);
    auto addButton = [&](const QString &text, const QString &tip, auto slot) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        b->setCursor(Qt::PointingHandCursor);
        connect(b, &QToolButton::clicked, this, slot);
        top->addWidget(b);
        return b;
    };
    addButton(
        QStringLiteral("Copy link"), QStringLiteral("Copy the room's link to the clipboard"),
        [this] {
            QApplication::clipboard()->setText(
                roomPageUrl(m_connection->config().server, m_connection->roomName()).toString());
            m_meta->setFullText(QStringLiteral("Link copied."));
            QTimer::singleShot(1500, this, &RoomHeaderBar::refresh);
        });
    addButton(QStringLiteral("Draw"), QStringLiteral("Open the drawing window"),
              [this] { emit drawRequested(); });
    addButton(QStringLiteral("Search"), QStringLiteral("Search the loaded messages (Ctrl+F)"),
              [this] { emit searchRequested(); });
    addButton(QStringLiteral("Members"), QStringLiteral("Show or hide the members and picks"),
              [this] { emit membersToggleRequested(); });
    addButton(QStringLiteral("Leave"), QStringLiteral("Leave this room (Ctrl+W)"),
              [this] { emit leaveRequested(); });
    layout->addLayout(top);

    auto *desc = new QHBoxLayout;
    m_description = plainLabel(new QLabel(this));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    desc->addWidget(m_description, 1);
    m_descriptionEdit = new QLineEdit(this);
    m_descriptionEdit->setMaxLength(400);
    m_descriptionEdit->setPlaceholderText(
        QStringLiteral("Describe the room (up to 400 characters); Enter saves, Esc cancels"));
    m_descriptionEdit->hide();
    m_descriptionEdit->installEventFilter(this);
    desc->addWidget(m_descriptionEdit, 1);
    connect(m_descriptionEdit, &QLineEdit::returnPressed, this, [this] {
        m_connection->changeDescription(m_descriptionEdit->text().trimmed());
        m_descriptionEdit->hide();
        m_description->show();
    });
    m_editDescription = new QToolButton(this);
    m_editDescription->setText(QStringLiteral("Edit description"));
    m_editDescription->setAutoRaise(true);
    m_editDescription->hide();
    connect(m_editDescription, &QToolButton::clicked, this, [this] {
        m_descriptionEdit->setText(m_connection->session()->description());
        m_description->hide();
        m_descriptionEdit->show();
        m_descriptionEdit->setFocus();
    });
    desc->addWidget(m_editDescription);
    layout->addLayout(desc);
}

void RoomHeaderBar::refresh()
{
    RoomSession *s = m_connection->session();
    m_title->setFullText(QStringLiteral("# ") + s->roomName());
    QStringList meta;
    const int members = s->users()->totalCount();
    meta << QStringLiteral("%1 online · %2 member%3")
                .arg(s->users()->onlineCount())
                .arg(members)
                .arg(members == 1 ? QString() : QStringLiteral("s"));
    if (s->createdAtNs() > 0) {
        const QDateTime started = QDateTime::fromMSecsSinceEpoch(s->createdAtNs() / 1000000);
        meta << QStringLiteral("started %1")
                    .arg(QLocale().toString(started, QStringLiteral("d MMM yyyy, HH:mm")));
    }
    if (s->passwordProtected())
        meta << QStringLiteral("\U0001F512 password");
    m_meta->setFullText(QStringLiteral("   ") + meta.join(QStringLiteral("  ·  ")));
    const QString d = s->description();
    m_description->setText(
        d.isEmpty() ? (s->amCreator()
                           ? QStringLiteral("No description yet — you created this room, add one.")
                           : QStringLiteral("No description."))
                    : d);
    m_description->setForegroundRole(d.isEmpty() ? QPalette::PlaceholderText
                                                 : QPalette::WindowText);
    m_editDescription->setVisible(s->amCreator());
}

bool RoomHeaderBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_descriptionEdit && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
        m_descriptionEdit->hide();
        m_description->show();
        emit editingFinished();
        return true;
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace ic::desktop
