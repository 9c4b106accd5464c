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
#include <QMenu>
#include <QResizeEvent>
#include <QSet>
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

    auto *top = m_top = new QHBoxLayout;
    m_title = new ElidingLabel(this);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    top->addWidget(m_title, 3);
    m_meta = new ElidingLabel(this);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    top->addWidget(m_meta, 1);
    m_moreMenu = new QMenu(this);
    auto addButton = [&](const QString &text, const QString &tip, int keep, auto slot) {
        auto *action = new QAction(text, this);
        action->setToolTip(tip);
        action->setVisible(false);
        connect(action, &QAction::triggered, this, slot);
        m_moreMenu->addAction(action);
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        b->setCursor(Qt::PointingHandCursor);
        connect(b, &QToolButton::clicked, action, &QAction::trigger);
        top->addWidget(b);
        m_items.append({b, action, keep});
    };
    // Draw is also beside the message field and on Ctrl+D, Search on Ctrl+F: they fold first.
    addButton(
        QStringLiteral("Copy link"), QStringLiteral("Copy the room's link to the clipboard"), 3,
        [this] {
            QApplication::clipboard()->setText(
                roomPageUrl(m_connection->config().server, m_connection->roomName()).toString());
            m_meta->setFullText(QStringLiteral("Link copied."));
            QTimer::singleShot(1500, this, &RoomHeaderBar::refresh);
        });
    addButton(QStringLiteral("Draw"), QStringLiteral("Open the drawing window"), 0,
              [this] { emit drawRequested(); });
    addButton(QStringLiteral("Search"), QStringLiteral("Search the loaded messages (Ctrl+F)"), 1,
              [this] { emit searchRequested(); });
    addButton(QStringLiteral("Members"), QStringLiteral("Show or hide the members and picks"), 2,
              [this] { emit membersToggleRequested(); });
    addButton(QStringLiteral("Leave"), QStringLiteral("Leave this room (Ctrl+W)"), 4,
              [this] { emit leaveRequested(); });
    m_more = new QToolButton(this);
    m_more->setObjectName(QStringLiteral("headerMoreButton"));
    m_more->setText(QStringLiteral("\u22EF"));
    m_more->setAccessibleName(QStringLiteral("More"));
    m_more->setToolTip(QStringLiteral("More: the buttons the narrow window has no room for"));
    m_more->setAutoRaise(true);
    m_more->setCursor(Qt::PointingHandCursor);
    m_more->setPopupMode(QToolButton::InstantPopup);
    m_more->setMenu(m_moreMenu);
    m_more->hide();
    top->addWidget(m_more);
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
    updateGeometry();
}

QSize RoomHeaderBar::minimumSizeHint() const
{
    // The height is the layout's; the width only what stays when every button is folded.
    const QSize laidOut = QFrame::minimumSizeHint();
    const QMargins margins = layout()->contentsMargins();
    const int spacing = std::max(0, m_top->spacing());
    const int top = m_title->minimumSizeHint().width() + spacing +
                    m_meta->minimumSizeHint().width() + spacing + m_more->sizeHint().width();
    // The description row: its label wraps; the creator's edit button does not shrink.
    int desc = m_description->minimumSizeHint().width();
    if (!m_editDescription->isHidden())
        desc += spacing + m_editDescription->sizeHint().width();
    return {margins.left() + margins.right() + std::max(top, desc), laidOut.height()};
}

void RoomHeaderBar::resizeEvent(QResizeEvent *event)
{
    QFrame::resizeEvent(event);
    fitButtons();
}

void RoomHeaderBar::fitButtons()
{
    const QMargins margins = layout()->contentsMargins();
    const int spacing = std::max(0, m_top->spacing());
    // The room's name keeps a readable length (about a dozen characters) before a button folds.
    const int title =
        std::min(m_title->sizeHint().width(), m_title->fontMetrics().averageCharWidth() * 12);
    const int room = width() - margins.left() - margins.right() - title - spacing -
                     m_meta->minimumSizeHint().width();
    auto cost = [&](const QToolButton *b) { return spacing + b->sizeHint().width(); };
    QList<Item> order = m_items;
    std::sort(order.begin(), order.end(),
              [](const Item &a, const Item &b) { return a.keep < b.keep; });
    int needed = 0;
    for (const Item &item : order)
        needed += cost(item.button);
    QSet<const QToolButton *> folded;
    for (const Item &item : order) {
        if (needed <= room)
            break;
        if (folded.isEmpty())
            needed += cost(m_more);
        folded.insert(item.button);
        needed -= cost(item.button);
    }
    for (const Item &item : m_items) {
        const bool fold = folded.contains(item.button);
        item.button->setVisible(!fold);
        item.action->setVisible(fold);
    }
    m_more->setVisible(!folded.isEmpty());
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
