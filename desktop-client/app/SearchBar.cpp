#include "SearchBar.h"

#include "MessageListModel.h"
#include "PlainText.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QToolButton>

namespace ic::desktop {

SearchBar::SearchBar(MessageListModel *messages, QWidget *parent)
    : QFrame(parent), m_messages(messages)
{
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::AlternateBase);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(12, 4, 12, 4);
    m_edit = new QLineEdit(this);
    m_edit->setPlaceholderText(
        QStringLiteral("Search messages — Enter: next, Shift+Enter: previous"));
    m_edit->setClearButtonEnabled(true);
    m_edit->installEventFilter(this);
    m_count = plainLabel(new QLabel(this));
    auto *prev = new QToolButton(this);
    prev->setText(QStringLiteral("\u25B2"));
    prev->setToolTip(QStringLiteral("Previous match"));
    auto *next = new QToolButton(this);
    next->setText(QStringLiteral("\u25BC"));
    next->setToolTip(QStringLiteral("Next match"));
    auto *closeButton = new QToolButton(this);
    closeButton->setText(QStringLiteral("\u2715"));
    closeButton->setToolTip(QStringLiteral("Close search (Esc)"));
    layout->addWidget(m_edit, 1);
    layout->addWidget(m_count);
    layout->addWidget(prev);
    layout->addWidget(next);
    layout->addWidget(closeButton);
    connect(m_edit, &QLineEdit::textChanged, this, &SearchBar::update);
    connect(prev, &QToolButton::clicked, this, [this] { step(-1); });
    connect(next, &QToolButton::clicked, this, [this] { step(1); });
    connect(closeButton, &QToolButton::clicked, this, &SearchBar::close);
    hide();
}

void SearchBar::open()
{
    show();
    m_edit->setFocus();
    m_edit->selectAll();
}

void SearchBar::close()
{
    m_edit->clear();
    hide();
    emit closed();
}

void SearchBar::update()
{
    m_hits = m_messages->setSearchText(m_edit->text());
    m_pos = m_hits.isEmpty() ? -1 : int(m_hits.size()) - 1; // newest first
    if (m_edit->text().trimmed().isEmpty())
        m_count->clear();
    else if (m_hits.isEmpty())
        m_count->setText(QStringLiteral("no results"));
    step(0);
}

void SearchBar::step(int delta)
{
    if (m_hits.isEmpty())
        return;
    const int n = int(m_hits.size());
    m_pos = ((m_pos + delta) % n + n) % n;
    m_count->setText(QStringLiteral("%1 of %2").arg(m_pos + 1).arg(n));
    const qint64 id = m_hits.at(m_pos);
    m_messages->setHighlightedId(id);
    emit matchSelected(id);
}

bool SearchBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_edit && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            step(key->modifiers() & Qt::ShiftModifier ? -1 : 1);
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            close();
            return true;
        }
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace ic::desktop
