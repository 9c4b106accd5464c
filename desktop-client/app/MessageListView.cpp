#include "MessageListView.h"

#include "RoomSession.h"
#include "Theme.h"

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
    // "↑ First unread" at the top while the unread divider is scrolled out of view above.
    m_firstUnread = new QPushButton(QStringLiteral("\u2191 Jump to first unread"), this);
    m_firstUnread->setObjectName(QStringLiteral("firstUnreadButton"));
    m_firstUnread->hide();
    m_firstUnread->setCursor(Qt::PointingHandCursor);
    m_firstUnread->setToolTip(QStringLiteral("Ctrl+J"));
    m_firstUnread->setStyleSheet(m_newMessages->styleSheet());
    m_firstUnread->setFocusPolicy(Qt::NoFocus); // as "new messages": never steals typing
    connect(m_firstUnread, &QPushButton::clicked, this, [this] {
        jumpToFirstUnread();
        emit composerFocusRequested();
    });
    // Checked a moment later, never inside a scroll signal: finding the divider's place may lay
    // out rows, which must not happen while the list is following or keeping its position.
    m_firstUnreadCheck = new QTimer(this);
    m_firstUnreadCheck->setSingleShot(true);
    m_firstUnreadCheck->setInterval(30);
    connect(m_firstUnreadCheck, &QTimer::timeout, this, &MessageListView::updateFirstUnreadButton);
    connect(verticalScrollBar(), &QScrollBar::valueChanged, m_firstUnreadCheck,
            qOverload<>(&QTimer::start));
    connect(verticalScrollBar(), &QScrollBar::rangeChanged, m_firstUnreadCheck,
            qOverload<>(&QTimer::start));

    // Stick to the newest message while the user is at the bottom. The list lays out in
    // batches, so the scroll range grows for a while after a big load: follow it.
    connect(verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        if (m_relayout)
            return; // the range shrinks while re-measuring: not the user's scrolling
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
        // A user scrolled up keeps the place (the relayout starts from an empty range).
        const int value = verticalScrollBar()->value();
        m_relayout = true;
        doItemsLayout();
        m_relayout = false;
        if (!m_wasAtBottom)
            verticalScrollBar()->setValue(value);
        m_firstUnreadCheck->start();
    });
}

void MessageListView::setCompact(bool compact)
{
    if (compact == m_delegate->isCompact())
        return;
    m_delegate->setCompact(compact);
    const bool bottom = m_wasAtBottom;
    doItemsLayout();
    if (bottom)
        scrollToBottom();
}

bool MessageListView::jumpToFirstUnread()
{
    auto *model = m_session->messages();
    const int row = model->rowForId(model->firstUnreadId());
    if (row < 0)
        return false;
    scrollTo(model->index(row), QAbstractItemView::PositionAtTop);
    m_firstUnread->hide();
    return true;
}

void MessageListView::updateFirstUnreadButton()
{
    auto *model = m_session->messages();
    const int row = model->rowForId(model->firstUnreadId());
    if (row < 0 && !m_firstUnread->isVisible())
        return;
    const QRect rect = row < 0 ? QRect() : visualRect(model->index(row));
    // visualRect is empty for rows not laid out yet; such a row is above when its index is
    // before the first visible one.
    const QModelIndex top = indexAt(QPoint(4, 4));
    const bool above =
        row >= 0 && (rect.isValid() ? rect.bottom() < 0 : (top.isValid() && row < top.row()));
    if (above == m_firstUnread->isVisible())
        return;
    if (above) {
        m_firstUnread->adjustSize();
        m_firstUnread->move((width() - m_firstUnread->width()) / 2, 10);
        m_firstUnread->show();
        m_firstUnread->raise();
    } else {
        m_firstUnread->hide();
    }
}

void MessageListView::resizeEvent(QResizeEvent *event)
{
    QListView::resizeEvent(event);
    if (m_firstUnread->isVisible())
        m_firstUnread->move((width() - m_firstUnread->width()) / 2, 10);
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

void MessageListView::focusInEvent(QFocusEvent *event)
{
    // Coming in by keyboard, the current message is one the user is looking at: the newest
    // visible one (the newest when following the room), or the one already current when it is
    // on screen. QAbstractItemView would otherwise make the oldest message current, and the first
    // ↓ would jump to the top of the history.
    if (event->reason() != Qt::MouseFocusReason && model()) {
        const QModelIndex current = currentIndex();
        const bool onScreen = current.isValid() && !isRowHidden(current.row()) &&
                              visualRect(current).intersects(viewport()->rect());
        if (!onScreen) {
            const QModelIndex bottom = lastVisibleRow();
            if (bottom.isValid()) {
                // No scrolling: the message is already in view.
                const bool scroll = hasAutoScroll();
                setAutoScroll(false);
                selectionModel()->setCurrentIndex(bottom, QItemSelectionModel::NoUpdate);
                setAutoScroll(scroll);
            }
        }
    }
    QListView::focusInEvent(event);
    viewport()->update();
}

QModelIndex MessageListView::lastVisibleRow() const
{
    // The lowest row that shows on screen; the newest loaded row when none is laid out yet.
    const QRect area = viewport()->rect();
    for (int y = area.bottom() - 1; y >= area.top(); y -= 4) {
        const QModelIndex index = indexAt(QPoint(area.width() / 2, y));
        if (index.isValid() && !isRowHidden(index.row()))
            return index;
    }
    int row = model()->rowCount() - 1;
    while (row >= 0 && isRowHidden(row))
        --row;
    return row >= 0 ? model()->index(row, 0) : QModelIndex();
}

void MessageListView::focusOutEvent(QFocusEvent *event)
{
    QListView::focusOutEvent(event);
    viewport()->update();
}

void MessageListView::paintEvent(QPaintEvent *event)
{
    QListView::paintEvent(event);
    QPainter p(viewport());
    if (hasFocus()) {
        // Keyboard users must see that the arrows and R/Q/E now act on the messages.
        p.setPen(QPen(theme::accent(palette()), 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(viewport()->rect().adjusted(1, 1, -1, -1));
    }
    // An empty state, so a fresh room does not look broken.
    if (model() && model()->rowCount() > 0)
        return;
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
        // Coming into the list, the first arrow key goes to the newest message (the bottom the
        // user is looking at), not to the top of the history.
        static const QList<int> arrive{Qt::Key_Down, Qt::Key_Up, Qt::Key_PageUp, Qt::Key_PageDown,
                                       Qt::Key_End};
        if (arrive.contains(event->key())) {
            int row = model()->rowCount() - 1;
            while (row >= 0 && isRowHidden(row))
                --row;
            if (row >= 0) {
                setCurrentIndex(model()->index(row, 0));
                scrollTo(currentIndex());
                return;
            }
        }
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
