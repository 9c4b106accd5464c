#include "MembersPane.h"

#include "MessageListModel.h"
#include "PinnedMessagesModel.h"
#include "PlainText.h"
#include "RoomSession.h"
#include "Theme.h"

#include <QLabel>
#include <QListView>
#include <QPainter>
#include <QVBoxLayout>

namespace ic::desktop {
namespace {

// Members: a presence dot (filled = online, ring = offline, so not by colour alone), the name,
// and "you"/"creator" marks.
class UserDelegate : public PlainTipDelegate
{
public:
    using PlainTipDelegate::PlainTipDelegate;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &) const override
    {
        return {160, QFontMetrics(option.font).height() + 12};
    }
    void paint(QPainter *p, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override
    {
        p->save();
        p->setRenderHint(QPainter::Antialiasing);
        const QPalette &pal = option.palette;
        if (option.state & (QStyle::State_MouseOver | QStyle::State_Selected)) {
            p->setPen(Qt::NoPen);
            p->setBrush(theme::isDark(pal) ? QColor(255, 255, 255, 18) : QColor(0, 0, 0, 12));
            p->drawRoundedRect(option.rect.adjusted(4, 1, -4, -1), 6, 6);
        }
        const bool online = index.data(UserListModel::OnlineRole).toBool();
        const QRectF dot(option.rect.left() + 12, option.rect.center().y() - 4, 8, 8);
        if (online) {
            p->setPen(Qt::NoPen);
            p->setBrush(QColor(0x2e, 0xa0, 0x5a));
        } else {
            p->setPen(QPen(pal.color(QPalette::Dark), 1.5));
            p->setBrush(Qt::NoBrush);
        }
        p->drawEllipse(dot);
        QFont f = option.font;
        f.setBold(index.data(UserListModel::IsMeRole).toBool());
        p->setFont(f);
        QColor text = pal.color(QPalette::Text);
        if (!online)
            text.setAlphaF(0.55);
        p->setPen(text);
        const QRect tr = option.rect.adjusted(28, 0, -8, 0);
        QString label = index.data(UserListModel::NameRole).toString();
        QStringList marks;
        if (index.data(UserListModel::IsMeRole).toBool())
            marks << QStringLiteral("you");
        if (index.data(UserListModel::IsCreatorRole).toBool())
            marks << QStringLiteral("creator");
        if (index.data(UserListModel::AnonymousRole).toBool())
            marks << QStringLiteral("anon");
        const QFontMetrics fm(f);
        const QString shown = fm.elidedText(label, Qt::ElideRight, tr.width() * 2 / 3);
        p->drawText(tr, Qt::AlignLeft | Qt::AlignVCenter, shown);
        if (!marks.isEmpty()) {
            QFont sf = option.font;
            sf.setPointSizeF(sf.pointSizeF() * 0.85);
            p->setFont(sf);
            QColor muted = pal.color(QPalette::Text);
            muted.setAlphaF(0.55);
            p->setPen(muted);
            p->drawText(tr.adjusted(fm.horizontalAdvance(shown) + 6, 0, 0, 0),
                        Qt::AlignLeft | Qt::AlignVCenter, marks.join(QStringLiteral(" · ")));
        }
        p->restore();
    }
};

} // namespace

MembersPane::MembersPane(RoomSession *session, QWidget *parent)
    : QSplitter(Qt::Vertical, parent), m_pinned(new PinnedMessagesModel(session->messages(), this))
{
    setObjectName(QStringLiteral("sidePane"));
    setChildrenCollapsible(false);
    addWidget(buildMembers(session));
    addWidget(buildPinned());
    setStretchFactor(0, 1);
    setStretchFactor(1, 1);
}

QWidget *MembersPane::buildMembers(RoomSession *session)
{
    auto *pane = new QWidget(this);
    pane->setAutoFillBackground(true);
    pane->setBackgroundRole(QPalette::Base);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 8, 0, 0);
    auto *title = new QLabel(QStringLiteral("<b>Members</b>"), pane);
    title->setContentsMargins(12, 0, 0, 4);
    layout->addWidget(title);
    auto *list = new QListView(pane);
    list->setModel(session->users());
    list->setItemDelegate(new UserDelegate(list));
    list->setAccessibleName(QStringLiteral("Members"));
    list->setFrameShape(QFrame::NoFrame);
    list->setMouseTracking(true);
    list->setToolTip(QStringLiteral("Click a member to reply to them"));
    layout->addWidget(list);
    connect(list, &QListView::clicked, this, [this](const QModelIndex &index) {
        if (!index.data(UserListModel::IsMeRole).toBool())
            emit replyRequested(index.data(UserListModel::IdRole).toString());
    });
    return pane;
}

QWidget *MembersPane::buildPinned()
{
    auto *pane = new QWidget(this);
    pane->setAutoFillBackground(true);
    pane->setBackgroundRole(QPalette::Base);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 8, 0, 0);
    layout->setSpacing(0);
    m_pinnedTitle = new QLabel(pane);
    m_pinnedTitle->setContentsMargins(12, 0, 0, 4);
    m_pinnedTitle->setToolTip(
        QStringLiteral("Messages with support or reject votes (the creator's votes pin)"));
    layout->addWidget(m_pinnedTitle);
    m_pinnedList = new QListView(pane);
    m_pinnedList->setObjectName(QStringLiteral("picks"));
    m_pinnedList->setAccessibleName(QStringLiteral("Picks"));
    m_pinnedList->setModel(m_pinned);
    m_pinnedList->setItemDelegate(new PlainTipDelegate(m_pinnedList));
    m_pinnedList->setFrameShape(QFrame::NoFrame);
    m_pinnedList->setWordWrap(true);
    m_pinnedList->setTextElideMode(Qt::ElideRight);
    m_pinnedList->setUniformItemSizes(false);
    m_pinnedList->setSpacing(2);
    m_pinnedList->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_pinnedList->setCursor(Qt::PointingHandCursor);
    m_pinnedList->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_pinnedList->setStyleSheet(
        QStringLiteral("QListView#picks::item { padding: 4px 8px; border-radius: 6px; }"));
    layout->addWidget(m_pinnedList, 1);
    m_pinnedEmpty =
        new QLabel(QStringLiteral("No picks yet — vote with + / − on a message."), pane);
    m_pinnedEmpty->setWordWrap(true);
    m_pinnedEmpty->setContentsMargins(12, 4, 12, 8);
    m_pinnedEmpty->setForegroundRole(QPalette::PlaceholderText);
    m_pinnedEmpty->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_pinnedEmpty, 1);
    // activated covers Enter on the keyboard; clicked the mouse (activated on a single click
    // depends on the style).
    auto jump = [this](const QModelIndex &index) {
        if (index.isValid())
            emit jumpRequested(index.data(MessageListModel::IdRole).toLongLong());
    };
    connect(m_pinnedList, &QListView::clicked, this, jump);
    connect(m_pinnedList, &QListView::activated, this, jump);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_pinned, signal, this, &MembersPane::updatePinnedTitle);
    connect(m_pinned, &QAbstractItemModel::modelReset, this, &MembersPane::updatePinnedTitle);
    connect(m_pinned, &QAbstractItemModel::layoutChanged, this, &MembersPane::updatePinnedTitle);
    updatePinnedTitle();
    return pane;
}

void MembersPane::updatePinnedTitle()
{
    const int n = m_pinned->rowCount();
    m_pinnedTitle->setText(n ? QStringLiteral("<b>Picks</b> (%1)").arg(n)
                             : QStringLiteral("<b>Picks</b>"));
    m_pinnedList->setVisible(n > 0);
    m_pinnedEmpty->setVisible(n == 0);
}

} // namespace ic::desktop
