#include "JoinDialog.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include "PlainText.h"

#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace ic::desktop {

JoinDialog::JoinDialog(AppSettings *settings, QWidget *parent)
    : QDialog(parent), m_settings(settings), m_room(new QLineEdit(this)),
      m_password(new QLineEdit(this)), m_name(new QLineEdit(this)), m_problem(plainLabel(new QLabel(this))),
      m_recent(new QListWidget(this))
{
    setWindowTitle(QStringLiteral("Join or create a room"));
    m_room->setPlaceholderText(QStringLiteral("room name, or an instantchat:// / https:// link"));
    m_room->setClearButtonEnabled(true);
    m_password->setEchoMode(QLineEdit::Password);
    m_password->setPlaceholderText(QStringLiteral("optional"));
    m_name->setPlaceholderText(QStringLiteral("optional — anonymous name if empty"));
    m_name->setText(settings->userName());
    m_problem->setWordWrap(true);
    m_problem->setStyleSheet(QStringLiteral("color: #d94848"));

    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("&Room"), m_room);
    form->addRow(QString(), m_problem);
    form->addRow(QStringLiteral("&Password"), m_password);
    form->addRow(QStringLiteral("&Nickname"), m_name);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_join = buttons->addButton(QStringLiteral("Join or create"), QDialogButtonBox::AcceptRole);
    m_join->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *recentLabel =
        new QLabel(QStringLiteral("Recent rooms (double-click to join, Del to remove)"), this);
    m_recent->setAlternatingRowColors(true);
    m_recent->setMaximumHeight(160);
    connect(m_recent, &QListWidget::itemClicked, this, [this](QListWidgetItem *item) {
        m_room->setText(item->data(Qt::UserRole).toString());
    });
    connect(m_recent, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem *item) {
        m_room->setText(item->data(Qt::UserRole).toString());
        if (m_link.isValid())
            accept();
    });
    auto *remove = new QAction(QStringLiteral("Remove"), m_recent);
    remove->setShortcut(QKeySequence::Delete);
    remove->setShortcutContext(Qt::WidgetShortcut);
    m_recent->addAction(remove);
    m_recent->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(remove, &QAction::triggered, this, [this] {
        if (auto *item = m_recent->currentItem()) {
            m_settings->removeRecentRoom(item->data(Qt::UserRole + 1).toUrl(),
                                         item->data(Qt::UserRole + 2).toString());
            fillRecent();
        }
    });

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(recentLabel);
    layout->addWidget(m_recent);
    layout->addWidget(buttons);

    connect(m_room, &QLineEdit::textChanged, this, &JoinDialog::validate);
    fillRecent();
    recentLabel->setVisible(m_recent->count() > 0);
    m_recent->setVisible(m_recent->count() > 0);
    validate();
    resize(460, sizeHint().height());
}

void JoinDialog::fillRecent()
{
    m_recent->clear();
    for (const auto &r : m_settings->recentRooms()) {
        const bool otherServer = r.server != m_settings->server();
        const QString label =
            QStringLiteral("%1%2 — %3")
                .arg(r.room, otherServer ? QStringLiteral(" (%1)").arg(r.server.host()) : QString(),
                     QLocale().toString(r.lastVisit, QLocale::ShortFormat));
        auto *item = new QListWidgetItem(label, m_recent);
        item->setData(Qt::UserRole,
                      otherServer ? roomPageUrl(r.server, r.room).toString() : r.room);
        item->setData(Qt::UserRole + 1, r.server);
        item->setData(Qt::UserRole + 2, r.room);
    }
}

void JoinDialog::setInput(const QString &text)
{
    m_room->setText(text);
}

QString JoinDialog::password() const
{
    return m_password->text();
}

QString JoinDialog::userName() const
{
    return m_name->text().trimmed();
}

void JoinDialog::validate()
{
    m_link = parseRoomInput(m_room->text());
    const bool empty = m_room->text().trimmed().isEmpty();
    QString problem = empty ? QString() : roomNameProblem(m_link.error);
    if (!empty && problem.isEmpty() && m_link.room != m_room->text().trimmed() &&
        m_link.server.isEmpty())
        problem = QStringLiteral("Will join “%1”.").arg(m_link.room);
    m_problem->setStyleSheet(m_link.isValid() ? QStringLiteral("color: palette(mid)")
                                              : QStringLiteral("color: #d94848"));
    m_problem->setText(problem);
    m_problem->setVisible(!problem.isEmpty());
    m_join->setEnabled(m_link.isValid());
}

} // namespace ic::desktop
