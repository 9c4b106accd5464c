#include "MessageListView.h"

#include "RoomSession.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QKeyEvent>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QScrollBar>
#include <QTimer>

namespace ic::desktop {

using Role = MessageListModel::Role;

MessageListView::MessageListView(RoomSession *session, QWidget *parent)
    : QListView(parent), m_session(session), m_delegate(new MessageDelegate(this))
{
    // A plain QListView; batched layout keeps a 1000-message load responsive.
    setModel(session->messages());
    setItemDelegate(m_delegate);
    setObjectName(QStringLiteral("messages"));
    setAccessibleName(QStringLiteral("Messages"));
    setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setResizeMode(QListView::Adjust);
    setLayoutMode(QListView::Batched);
    setBatchSize(200);
    setUniformItemSizes(false);
    setMouseTracking(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setFrameShape(QFrame::NoFrame);
    setContextMenuPolicy(Qt::CustomContextMenu);
    setWordWrap(true);
    viewport()->setAutoFillBackground(true);
    connect(m_delegate, &MessageDelegate::actionTriggered, this, &MessageListView::actionRequested);
    connect(m_delegate, &MessageDelegate::linkActivated, this, [](const QUrl &url) {
        if (url.scheme() == u"http" || url.scheme() == u"https")
            QDesktopServices::openUrl(url);
    });
    connect(this, &QWidget::customContextMenuRequested, this, &MessageListView::showContextMenu);

    // "N new messages" appears over the list when the user has scrolled up.
    m_newMessages = new QPushButton(this);
    m_newMessages->hide();
    m_newMessages->setCursor(Qt::PointingHandCursor);
    m_newMessages->setStyleSheet(
        QStringLiteral("QPushButton { background: palette(highlight); color: "
                       "palette(highlighted-text); border: none;"
                       " border-radius: 13px; padding: 4px 14px; font-weight: bold; }"));
    // It never takes the focus: once it hides, the focus would pass to the next widget in the
    // chain (Rename), and the user's next Space would press that.
    m_newMessages->setFocusPolicy(Qt::NoFocus);
    connect(m_newMessages, &QPushButton::clicked, this, [this] {
        scrollToBottom();
        m_newMessages->hide();
        m_newCount = 0;
        emit composerFocusRequested();
    });
    // Stick to the newest message while the user is at the bottom. The list lays out in
    // batches, so the scroll range grows for a while after a big load: follow it.
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        m_wasAtBottom = atBottom();
        if (m_wasAtBottom) {
            m_newMessages->hide();
            m_newCount = 0;
        }
    });
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
        if (m_wasAtBottom)
            verticalScrollBar()->setValue(max);
    });

    auto *model = session->messages();
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) { onRowsInserted(first, last); });
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        m_delegate->clearCache();
        applyNoticeVisibility(0, m_session->messages()->rowCount() - 1);
        m_wasAtBottom = true;
        QTimer::singleShot(0, this, &QListView::scrollToBottom);
    });
    connect(model, &QAbstractItemModel::dataChanged, this, [this] {
        // Heights depend on text; the cache is keyed by text, but the view must re-measure.
        doItemsLayout();
    });
}

void MessageListView::onRowsInserted(int first, int last)
{
    // Keep the newest message in view while the user is at the bottom; otherwise count them.
    applyNoticeVisibility(first, last);
    // My own message arriving means I just sent it: show it, and it is not "new" to me.
    bool mine = false;
    for (int row = first; row <= last && !mine; ++row)
        mine = model()->index(row, 0).data(Role::IsMineRole).toBool();
    if (mine) {
        m_wasAtBottom = true;
        m_newCount = 0;
        m_newMessages->hide();
    }
    if (m_wasAtBottom) {
        QTimer::singleShot(0, this, &QListView::scrollToBottom);
        return;
    }
    m_newCount += last - first + 1;
    m_newMessages->setText(QStringLiteral("%1 new message%2 \u2193")
                               .arg(m_newCount)
                               .arg(m_newCount == 1 ? QString() : QStringLiteral("s")));
    m_newMessages->adjustSize();
    m_newMessages->move((width() - m_newMessages->width()) / 2,
                        height() - m_newMessages->height() - 12);
    m_newMessages->show();
    m_newMessages->raise();
}

void MessageListView::showContextMenu(const QPoint &pos)
{
    const QModelIndex index = indexAt(pos);
    if (!index.isValid() ||
        ChatMessage::Kind(index.data(Role::KindRole).toInt()) == ChatMessage::Kind::Notice)
        return;
    QMenu menu(this);
    const bool mine = index.data(Role::IsMineRole).toBool();
    const bool deleted = index.data(Role::DeletedRole).toBool();
    const bool text =
        ChatMessage::Kind(index.data(Role::KindRole).toInt()) == ChatMessage::Kind::Text;
    using A = MessageDelegate::Action;
    auto add = [&](const QString &label, A action, bool enabled = true) {
        QAction *a = menu.addAction(label, this,
                                    [this, action, index] { emit actionRequested(action, index); });
        a->setEnabled(enabled && !deleted);
    };
    add(QStringLiteral("Reply\tR"), A::Reply);
    add(QStringLiteral("Quote\tQ"), A::Quote, text);
    const bool canVote = !mine || m_session->amCreator();
    add(QStringLiteral("Support\t+"), A::Support, canVote);
    add(QStringLiteral("Reject\t-"), A::Reject, canVote);
    menu.addAction(
            QStringLiteral("Copy text"), this,
            [index] { QApplication::clipboard()->setText(index.data(Role::TextRole).toString()); })
        ->setEnabled(text && !deleted);
    if (mine) {
        menu.addSeparator();
        add(QStringLiteral("Edit\tE"), A::Edit, text);
        add(QStringLiteral("Delete\tDel"), A::Delete);
    }
    menu.exec(viewport()->mapToGlobal(pos));
}

void MessageListView::paintEvent(QPaintEvent *event)
{
    // An empty state, so a fresh room does not look broken.
    QListView::paintEvent(event);
    if (model() && model()->rowCount() > 0)
        return;
    QPainter p(viewport());
    QColor c = palette().color(QPalette::Text);
    c.setAlphaF(0.5);
    p.setPen(c);
    p.drawText(viewport()->rect(), Qt::AlignCenter | Qt::TextWordWrap,
               QStringLiteral("No messages yet — say hello!\nShare the room with “Copy link”."));
}

void MessageListView::keyPressEvent(QKeyEvent *event)
{
    // Per-message actions by keyboard on the current card.
    const QModelIndex index = currentIndex();
    if (!index.isValid()) {
        QListView::keyPressEvent(event);
        return;
    }
    using A = MessageDelegate::Action;
    const bool mine = index.data(Role::IsMineRole).toBool();
    switch (event->key()) {
    case Qt::Key_R:
        emit actionRequested(A::Reply, index);
        return;
    case Qt::Key_Q:
        emit actionRequested(A::Quote, index);
        return;
    case Qt::Key_E:
        if (mine)
            emit actionRequested(A::Edit, index);
        return;
    case Qt::Key_Delete:
        if (mine)
            emit actionRequested(A::Delete, index);
        return;
    case Qt::Key_Plus:
        emit actionRequested(A::Support, index);
        return;
    case Qt::Key_Minus:
        emit actionRequested(A::Reject, index);
        return;
    case Qt::Key_Return:
    case Qt::Key_Enter:
        if (index.data(Role::ReplyMessageRole).isValid())
            emit actionRequested(A::JumpToQuote, index);
        return;
    case Qt::Key_Escape:
        emit composerFocusRequested();
        return;
    default:
        QListView::keyPressEvent(event);
        return;
    }
}

void MessageListView::setShowNotices(bool show)
{
    m_showNotices = show;
    applyNoticeVisibility(0, m_session->messages()->rowCount() - 1);
}

void MessageListView::applyNoticeVisibility(int first, int last)
{
    auto *model = m_session->messages();
    for (int row = first; row <= last && row < model->rowCount(); ++row) {
        if (model->at(row).kind == ChatMessage::Kind::Notice)
            setRowHidden(row, !m_showNotices);
    }
}

bool MessageListView::jumpTo(qint64 id)
{
    auto *model = m_session->messages();
    const int row = model->rowForId(id);
    if (row < 0 || model->at(row).deleted)
        return false;
    scrollTo(model->index(row), QAbstractItemView::PositionAtCenter);
    model->setHighlightedId(id);
    QTimer::singleShot(2500, this, [this, id] {
        if (m_session->messages()->highlightedId() == id)
            m_session->messages()->setHighlightedId(0);
    });
    return true;
}

void MessageListView::showMessage(qint64 id)
{
    auto *model = m_session->messages();
    scrollTo(model->index(model->rowForId(id)), QAbstractItemView::PositionAtCenter);
}

bool MessageListView::atBottom() const
{
    const QScrollBar *bar = verticalScrollBar();
    return bar->value() >= bar->maximum() - 8;
}

} // namespace ic::desktop
