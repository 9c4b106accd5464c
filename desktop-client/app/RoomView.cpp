#include "RoomView.h"

#include "AppSettings.h"
#include "Composer.h"
#include "DrawingCanvas.h"
#include "DrawingWindow.h"
#include "EmojiPicker.h"
#include "ElidingLabel.h"
#include "PicksModel.h"
#include "PlainText.h"
#include "RoomLink.h"
#include "TextFormat.h"
#include "Theme.h"
#include "protocol/Limits.h"
#include "validation/UrlEncoding.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDesktopServices>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QLocale>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QScrollBar>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace ic::desktop {
namespace {

using Role = MessageListModel::Role;
const int messageMax = proto::Limits{}.messageTextMax;

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

// The message list with an empty state, so a fresh room does not look broken.
class MessageListView : public QListView
{
public:
    using QListView::QListView;

protected:
    void paintEvent(QPaintEvent *event) override
    {
        QListView::paintEvent(event);
        if (model() && model()->rowCount() > 0)
            return;
        QPainter p(viewport());
        QColor c = palette().color(QPalette::Text);
        c.setAlphaF(0.5);
        p.setPen(c);
        p.drawText(
            viewport()->rect(), Qt::AlignCenter | Qt::TextWordWrap,
            QStringLiteral("No messages yet — say hello!\nShare the room with “Copy link”."));
    }
};

QString stateSentence(client::ChatClient::State state, int seconds, bool everJoined)
{
    using State = client::ChatClient::State;
    switch (state) {
    case State::Waiting:
        if (!everJoined)
            return QStringLiteral("Cannot reach the server — retrying in %1 s…").arg(seconds);
        return QStringLiteral(
                   "Connection lost — reconnecting in %1 s… Messages stay readable; what you "
                   "send now goes out after reconnecting.")
            .arg(seconds);
    case State::Resolving:
    case State::Connecting:
        return QStringLiteral("Connecting…");
    case State::Disconnected:
        return QStringLiteral("Disconnected.");
    case State::Connected:
        break;
    }
    return {};
}

} // namespace

RoomView::RoomView(RoomConnection *connection, AppSettings *settings, QWidget *parent)
    : QWidget(parent), m_connection(connection), m_settings(settings),
      m_delegate(new MessageDelegate(this)), m_list(new MessageListView(this)),
      m_userList(new QListView(this)), m_splitter(new QSplitter(this)),
      m_countdown(new QTimer(this)),
      m_picks(new PicksModel(connection->session()->messages(), this))
{
    setObjectName(QStringLiteral("RoomView"));
    m_countdown->setInterval(500);
    connect(m_countdown, &QTimer::timeout, this, &RoomView::updateConnectionBanner);

    m_header = buildHeader();
    m_connectionBanner = makeBanner(QStringLiteral("warn"), QStringLiteral("Retry now"));
    connect(m_connectionBanner.button, &QPushButton::clicked, m_connection,
            &RoomConnection::retryNow);
    m_versionBanner = makeBanner(QStringLiteral("info"), QStringLiteral("Reconnect"));
    connect(m_versionBanner.button, &QPushButton::clicked, this, [this] {
        m_versionBanner.frame->hide();
        m_connection->takeOver();
    });
    m_statusBanner = makeBanner(QStringLiteral("warn"), QString());
    m_replacedBanner = makeBanner(QStringLiteral("warn"), QStringLiteral("Use here"));
    connect(m_replacedBanner.button, &QPushButton::clicked, this, [this] {
        m_replacedBanner.frame->hide();
        m_connection->takeOver();
    });
    m_limitBanner = makeBanner(QStringLiteral("info"), QStringLiteral("Dismiss"));
    connect(m_limitBanner.button, &QPushButton::clicked, m_limitBanner.frame, &QWidget::hide);
    m_joinBanner = makeBanner(QStringLiteral("error"), QStringLiteral("Close room"));
    connect(m_joinBanner.button, &QPushButton::clicked, this, &RoomView::leaveRequested);
    // Free alternative names as chips between the sentence and "Close room" (filled on demand).
    m_joinChips = new QWidget(m_joinBanner.frame);
    m_joinChips->setObjectName(QStringLiteral("joinAlternatives"));
    auto *chipsLayout = new QHBoxLayout(m_joinChips);
    chipsLayout->setContentsMargins(0, 0, 0, 0);
    chipsLayout->setSpacing(6);
    m_joinChips->hide();
    chipsLayout->addStretch(1); // chips are inserted before it, left-aligned
    // The sentence with the chips in a row under it, "Close room" at the far right.
    auto *bannerLayout = static_cast<QHBoxLayout *>(m_joinBanner.frame->layout());
    bannerLayout->removeWidget(m_joinBanner.text);
    auto *column = new QVBoxLayout;
    column->setSpacing(4);
    column->addWidget(m_joinBanner.text);
    column->addWidget(m_joinChips);
    bannerLayout->insertLayout(0, column, 1);

    // Messages: a plain QListView; batched layout keeps a 1000-message load responsive.
    m_list->setModel(session()->messages());
    m_list->setItemDelegate(m_delegate);
    m_list->setObjectName(QStringLiteral("messages"));
    m_list->setAccessibleName(QStringLiteral("Messages"));
    m_list->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_list->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_list->setResizeMode(QListView::Adjust);
    m_list->setLayoutMode(QListView::Batched);
    m_list->setBatchSize(200);
    m_list->setUniformItemSizes(false);
    m_list->setMouseTracking(true);
    m_list->setSelectionMode(QAbstractItemView::SingleSelection);
    m_list->setFrameShape(QFrame::NoFrame);
    m_list->setContextMenuPolicy(Qt::CustomContextMenu);
    m_list->setWordWrap(true);
    m_list->installEventFilter(this);
    m_list->viewport()->setAutoFillBackground(true);
    connect(m_delegate, &MessageDelegate::actionTriggered, this, &RoomView::onAction);
    connect(m_delegate, &MessageDelegate::linkActivated, this, [](const QUrl &url) {
        if (url.scheme() == u"http" || url.scheme() == u"https")
            QDesktopServices::openUrl(url);
    });
    connect(m_list, &QWidget::customContextMenuRequested, this, [this](const QPoint &pos) {
        const QModelIndex index = m_list->indexAt(pos);
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
            QAction *a =
                menu.addAction(label, this, [this, action, index] { onAction(action, index); });
            a->setEnabled(enabled && !deleted);
        };
        add(QStringLiteral("Reply\tR"), A::Reply);
        add(QStringLiteral("Quote\tQ"), A::Quote, text);
        const bool canVote = !mine || session()->amCreator();
        add(QStringLiteral("Support\t+"), A::Support, canVote);
        add(QStringLiteral("Reject\t-"), A::Reject, canVote);
        menu.addAction(QStringLiteral("Copy text"), this,
                       [index] {
                           QApplication::clipboard()->setText(
                               index.data(Role::TextRole).toString());
                       })
            ->setEnabled(text && !deleted);
        if (mine) {
            menu.addSeparator();
            add(QStringLiteral("Edit\tE"), A::Edit, text);
            add(QStringLiteral("Delete\tDel"), A::Delete);
        }
        menu.exec(m_list->viewport()->mapToGlobal(pos));
    });

    // "N new messages" appears over the list when the user has scrolled up.
    m_newMessages = new QPushButton(m_list);
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
        m_list->scrollToBottom();
        m_newMessages->hide();
        m_newCount = 0;
        m_composer->setFocus();
    });
    // Stick to the newest message while the user is at the bottom. The list lays out in
    // batches, so the scroll range grows for a while after a big load: follow it.
    connect(m_list->verticalScrollBar(), &QScrollBar::valueChanged, this, [this] {
        m_wasAtBottom = atBottom();
        if (m_wasAtBottom) {
            m_newMessages->hide();
            m_newCount = 0;
        }
    });
    connect(m_list->verticalScrollBar(), &QScrollBar::rangeChanged, this, [this](int, int max) {
        if (m_wasAtBottom)
            m_list->verticalScrollBar()->setValue(max);
    });

    auto *usersPane = new QWidget(this);
    usersPane->setAutoFillBackground(true);
    usersPane->setBackgroundRole(QPalette::Base);
    auto *usersLayout = new QVBoxLayout(usersPane);
    usersLayout->setContentsMargins(0, 8, 0, 0);
    auto *usersTitle = new QLabel(QStringLiteral("<b>Members</b>"), usersPane);
    usersTitle->setContentsMargins(12, 0, 0, 4);
    usersLayout->addWidget(usersTitle);
    m_userList->setModel(session()->users());
    m_userList->setItemDelegate(new UserDelegate(m_userList));
    m_userList->setAccessibleName(QStringLiteral("Members"));
    m_userList->setFrameShape(QFrame::NoFrame);
    m_userList->setMouseTracking(true);
    m_userList->setToolTip(QStringLiteral("Click a member to reply to them"));
    usersLayout->addWidget(m_userList);
    connect(m_userList, &QListView::clicked, this, [this](const QModelIndex &index) {
        if (!index.data(UserListModel::IsMeRole).toBool())
            startReply(index.data(UserListModel::IdRole).toString());
    });

    // Members on top, picks below, in a vertical splitter so either can be given more room.
    auto *sidePane = new QSplitter(Qt::Vertical, this);
    sidePane->setObjectName(QStringLiteral("sidePane"));
    sidePane->setChildrenCollapsible(false);
    sidePane->addWidget(usersPane);
    sidePane->addWidget(buildPicksPane());
    sidePane->setStretchFactor(0, 1);
    sidePane->setStretchFactor(1, 1);

    auto *listPane = new QWidget(this);
    auto *listLayout = new QVBoxLayout(listPane);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->setSpacing(0);
    m_searchBar = buildSearchBar();
    listLayout->addWidget(m_searchBar);
    listLayout->addWidget(m_list, 1);
    listLayout->addWidget(buildComposer());

    m_splitter->addWidget(listPane);
    m_splitter->addWidget(sidePane);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 0);
    m_splitter->setSizes({760, 210});
    m_splitter->setChildrenCollapsible(false);
    sidePane->setMinimumWidth(150);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_header);
    for (const Banner *b : {&m_joinBanner, &m_replacedBanner, &m_statusBanner, &m_connectionBanner,
                            &m_versionBanner, &m_limitBanner})
        layout->addWidget(b->frame);
    layout->addWidget(m_splitter, 1);

    m_composer->setPlainText(
        m_settings->draft(m_connection->config().server, m_connection->roomName()));
    connectSession();
    updateHeader();
    updateConnectionBanner();
    updateCounter();
}

RoomView::~RoomView()
{
    saveDraft(); // the drawing window is our child and goes with us
}

RoomView::Banner RoomView::makeBanner(const QString &tone, const QString &buttonText)
{
    Banner b;
    auto *frame = new QFrame(this);
    frame->setObjectName(QStringLiteral("banner_") + tone);
    const QString colour = tone == u"error"  ? QStringLiteral("#d94848")
                           : tone == u"warn" ? QStringLiteral("#e89a10")
                                             : QStringLiteral("#2f6feb");
    frame->setStyleSheet(
        QStringLiteral(
            "QFrame#%1 { background: %2; border: none; }"
            " QFrame#%1 QLabel { color: white; font-weight: 600; }"
            " QFrame#%1 QPushButton { color: white; background: rgba(0,0,0,0.18);"
            " border: 1px solid rgba(255,255,255,0.6); border-radius: 4px; padding: 2px 10px; }")
            .arg(frame->objectName(), colour));
    auto *layout = new QHBoxLayout(frame);
    layout->setContentsMargins(12, 5, 12, 5);
    b.frame = frame;
    b.text = plainLabel(new QLabel(frame));
    b.text->setWordWrap(true);
    b.text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(b.text, 1);
    if (!buttonText.isEmpty()) {
        b.button = new QPushButton(buttonText, frame);
        b.button->setCursor(Qt::PointingHandCursor);
        layout->addWidget(b.button);
    }
    frame->hide();
    return b;
}

QWidget *RoomView::buildHeader()
{
    auto *header = new QFrame(this);
    header->setObjectName(QStringLiteral("roomHeader"));
    header->setAutoFillBackground(true);
    header->setBackgroundRole(QPalette::Base);
    auto *layout = new QVBoxLayout(header);
    layout->setContentsMargins(16, 10, 12, 10);
    layout->setSpacing(4);

    auto *top = new QHBoxLayout;
    m_title = new ElidingLabel(header);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.35);
    titleFont.setBold(true);
    m_title->setFont(titleFont);
    top->addWidget(m_title, 3);
    m_meta = new ElidingLabel(header);
    m_meta->setForegroundRole(QPalette::PlaceholderText);
    top->addWidget(m_meta, 1);
    auto addButton = [&](const QString &text, const QString &tip, auto slot) {
        auto *b = new QToolButton(header);
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
            QTimer::singleShot(1500, this, &RoomView::updateHeader);
        });
    addButton(QStringLiteral("Draw"), QStringLiteral("Open the drawing window"),
              [this] { openDrawing(); });
    addButton(QStringLiteral("Search"), QStringLiteral("Search the loaded messages (Ctrl+F)"),
              [this] { openSearch(); });
    addButton(QStringLiteral("Members"), QStringLiteral("Show or hide the members and picks"),
              [this] { setMembersVisible(!membersVisible()); });
    addButton(QStringLiteral("Leave"), QStringLiteral("Leave this room (Ctrl+W)"),
              [this] { emit leaveRequested(); });
    layout->addLayout(top);

    auto *desc = new QHBoxLayout;
    m_description = plainLabel(new QLabel(header));
    m_description->setWordWrap(true);
    m_description->setTextInteractionFlags(Qt::TextSelectableByMouse);
    desc->addWidget(m_description, 1);
    m_descriptionEdit = new QLineEdit(header);
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
    m_editDescription = new QToolButton(header);
    m_editDescription->setText(QStringLiteral("Edit description"));
    m_editDescription->setAutoRaise(true);
    m_editDescription->hide();
    connect(m_editDescription, &QToolButton::clicked, this, [this] {
        m_descriptionEdit->setText(session()->description());
        m_description->hide();
        m_descriptionEdit->show();
        m_descriptionEdit->setFocus();
    });
    desc->addWidget(m_editDescription);
    layout->addLayout(desc);
    return header;
}

QWidget *RoomView::buildSearchBar()
{
    auto *bar = new QFrame(this);
    bar->setAutoFillBackground(true);
    bar->setBackgroundRole(QPalette::AlternateBase);
    auto *layout = new QHBoxLayout(bar);
    layout->setContentsMargins(12, 4, 12, 4);
    m_searchEdit = new QLineEdit(bar);
    m_searchEdit->setPlaceholderText(
        QStringLiteral("Search messages — Enter: next, Shift+Enter: previous"));
    m_searchEdit->setClearButtonEnabled(true);
    m_searchEdit->installEventFilter(this);
    m_searchCount = plainLabel(new QLabel(bar));
    auto *prev = new QToolButton(bar);
    prev->setText(QStringLiteral("\u25B2"));
    prev->setToolTip(QStringLiteral("Previous match"));
    auto *next = new QToolButton(bar);
    next->setText(QStringLiteral("\u25BC"));
    next->setToolTip(QStringLiteral("Next match"));
    auto *close = new QToolButton(bar);
    close->setText(QStringLiteral("\u2715"));
    close->setToolTip(QStringLiteral("Close search (Esc)"));
    layout->addWidget(m_searchEdit, 1);
    layout->addWidget(m_searchCount);
    layout->addWidget(prev);
    layout->addWidget(next);
    layout->addWidget(close);
    connect(m_searchEdit, &QLineEdit::textChanged, this, &RoomView::updateSearch);
    connect(prev, &QToolButton::clicked, this, [this] { stepSearch(-1); });
    connect(next, &QToolButton::clicked, this, [this] { stepSearch(1); });
    connect(close, &QToolButton::clicked, this, [this] {
        m_searchEdit->clear();
        m_searchBar->hide();
        m_composer->setFocus();
    });
    bar->hide();
    return bar;
}

QWidget *RoomView::buildComposer()
{
    auto *box = new QFrame(this);
    box->setObjectName(QStringLiteral("composerBox"));
    box->setAutoFillBackground(true);
    box->setBackgroundRole(QPalette::Window);
    auto *layout = new QVBoxLayout(box);
    layout->setContentsMargins(14, 6, 14, 10);
    layout->setSpacing(4);

    m_modeBar = new QFrame(box);
    auto *modeLayout = new QHBoxLayout(m_modeBar);
    modeLayout->setContentsMargins(8, 2, 2, 2);
    m_modeText = new QLabel(m_modeBar);
    auto *cancel = new QToolButton(m_modeBar);
    cancel->setText(QStringLiteral("Cancel (Esc)"));
    cancel->setAutoRaise(true);
    connect(cancel, &QToolButton::clicked, this, &RoomView::cancelComposerMode);
    modeLayout->addWidget(m_modeText, 1);
    modeLayout->addWidget(cancel);
    m_modeBar->setObjectName(QStringLiteral("modeBar"));
    m_modeBar->setStyleSheet(
        QStringLiteral("QFrame#modeBar { border-left: 3px solid palette(highlight);"
                       " background: palette(alternate-base); border-radius: 3px; }"));
    m_modeBar->hide();
    layout->addWidget(m_modeBar);

    auto *identityRow = new QHBoxLayout;
    m_identity = new QLabel(box);
    m_identity->setForegroundRole(QPalette::PlaceholderText);
    auto *rename = new QToolButton(box);
    rename->setText(QStringLiteral("Rename"));
    rename->setAutoRaise(true);
    rename->setToolTip(
        QStringLiteral("Change your name in this room (empty = a new anonymous name)"));
    m_renameEdit = new QLineEdit(box);
    m_renameEdit->setPlaceholderText(QStringLiteral("New name — Enter saves, Esc cancels"));
    m_renameEdit->setMaxLength(80);
    m_renameEdit->hide();
    m_renameEdit->installEventFilter(this);
    connect(rename, &QToolButton::clicked, this, [this] {
        m_renameEdit->setText(session()->myName());
        m_renameEdit->show();
        m_renameEdit->selectAll();
        m_renameEdit->setFocus();
    });
    connect(m_renameEdit, &QLineEdit::returnPressed, this, [this] {
        m_connection->rename(m_renameEdit->text().trimmed());
        m_renameEdit->hide();
        m_composer->setFocus();
    });
    identityRow->addWidget(m_identity);
    identityRow->addWidget(rename);
    identityRow->addWidget(m_renameEdit, 1);
    identityRow->addStretch();
    m_counter = new QLabel(box);
    identityRow->addWidget(m_counter);
    m_typing = new QLabel(box);
    m_typing->setObjectName(QStringLiteral("typing"));
    m_typing->setStyleSheet(QStringLiteral("font-style: italic;"));
    m_typing->hide();
    layout->addWidget(m_typing);
    m_typingTimer = new QTimer(this);
    m_typingTimer->setSingleShot(true);
    m_typingTimer->setInterval(5000);
    connect(m_typingTimer, &QTimer::timeout, m_typing, &QLabel::hide);
    layout->addLayout(identityRow);

    auto *row = new QHBoxLayout;
    m_composer = new Composer(box);
    m_composer->setObjectName(QStringLiteral("composer"));
    row->addWidget(m_composer, 1);
    m_emojiButton = new QToolButton(box);
    m_emojiButton->setObjectName(QStringLiteral("emojiButton"));
    m_emojiButton->setText(QStringLiteral("\U0001F642"));
    m_emojiButton->setToolTip(QStringLiteral("Insert an emoji (Ctrl+;)"));
    m_emojiButton->setAccessibleName(QStringLiteral("Emoji"));
    connect(m_emojiButton, &QToolButton::clicked, this, &RoomView::openEmojiPicker);
    row->addWidget(m_emojiButton, 0, Qt::AlignBottom);
    // Ctrl+; from anywhere in this room's page (the composer lets it through, see Composer).
    auto *emojiAction = new QAction(QStringLiteral("Insert emoji"), box);
    emojiAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+;")));
    emojiAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(emojiAction, &QAction::triggered, this, &RoomView::openEmojiPicker);
    addAction(emojiAction);
    auto *draw = new QToolButton(box);
    draw->setText(QStringLiteral("Draw"));
    draw->setToolTip(QStringLiteral("Send a drawing"));
    connect(draw, &QToolButton::clicked, this, &RoomView::openDrawing);
    row->addWidget(draw, 0, Qt::AlignBottom);
    m_send = new QPushButton(QStringLiteral("Send"), box);
    m_send->setDefault(true);
    connect(m_send, &QPushButton::clicked, this, &RoomView::submit);
    row->addWidget(m_send, 0, Qt::AlignBottom);
    layout->addLayout(row);

    m_error = plainLabel(new QLabel(box));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d94848; font-weight: 600;"));
    m_error->hide();
    layout->addWidget(m_error);

    connect(m_composer, &Composer::submitRequested, this, &RoomView::submit);
    connect(m_composer, &Composer::cancelRequested, this, &RoomView::cancelComposerMode);
    connect(m_composer, &Composer::editLastRequested, this, [this] {
        if (const qint64 id = session()->messages()->lastMessageOf(session()->myUserId()))
            startEdit(id);
    });
    connect(m_composer, &QPlainTextEdit::textChanged, this, &RoomView::updateCounter);
    connect(m_composer, &QPlainTextEdit::textChanged, this, [this] {
        // ChatClient sends at most one a second and the server passes on one per 2.5 s.
        if (m_connection->client() && session()->joined() && !m_composer->toPlainText().isEmpty())
            m_connection->client()->sendTyping(session()->roomName());
    });
    return box;
}

void RoomView::connectSession()
{
    RoomSession *s = session();
    auto *model = s->messages();
    connect(s, &RoomSession::identityChanged, this, [this] {
        m_delegate->setAmCreator(session()->amCreator());
        updateHeader();
    });
    connect(s, &RoomSession::joinedChanged, this, [this](bool joined) {
        if (joined) {
            m_everJoined = true;
            m_joinBanner.frame->hide();
            m_replacedBanner.frame->hide();
        }
        updateHeader();
        updateConnectionBanner();
    });
    connect(s, &RoomSession::descriptionChanged, this, &RoomView::updateHeader);
    connect(s->users(), &UserListModel::countsChanged, this, &RoomView::updateHeader);
    connect(s, &RoomSession::typing, this, [this](const QString &, const QString &name) {
        m_typing->setText(QStringLiteral("%1 is typing…").arg(name));
        m_typing->show();
        m_typingTimer->start();
    });
    connect(s, &RoomSession::serverStatusChanged, this, [this](const QString &status) {
        const bool normal = status == proto::statusOnline;
        m_statusBanner.text->setText(
            status == proto::statusRestarting
                ? QStringLiteral("The server is restarting: this room's messages will be "
                                 "gone afterwards. The app reconnects by itself.")
                : QStringLiteral("The server is shutting down: this room's messages will "
                                 "be gone. The app reconnects by itself."));
        m_statusBanner.frame->setVisible(!normal);
    });
    connect(s, &RoomSession::newVersionAvailable, this, [this](const QString &build) {
        m_versionBanner.text->setText(
            QStringLiteral("A new server version is available (%1).").arg(build));
        m_versionBanner.frame->show();
    });
    connect(s, &RoomSession::replacedElsewhere, this, [this] {
        m_replacedBanner.text->setText(QStringLiteral(
            "This room is open elsewhere with your identity (another window or device), so it was "
            "disconnected here."));
        m_replacedBanner.frame->show();
    });
    connect(s, &RoomSession::limitNotice, this, [this](const QString &text) {
        m_limitBanner.text->setText(text);
        m_limitBanner.frame->show();
    });
    connect(m_connection, &RoomConnection::stateChanged, this, [this] {
        updateConnectionBanner();
        if (m_connection->state() == client::ChatClient::State::Connected)
            m_error->hide();
    });
    connect(m_connection, &RoomConnection::requestDone, this, &RoomView::onRequestDone);
    connect(
        m_connection, &RoomConnection::joinFailed, this,
        [this](const QString &sentence, const QStringList &alternatives) {
            // After a lost connection "no server" is transient: the reconnect banner covers it.
            if (m_everJoined && m_connection->state() != client::ChatClient::State::Disconnected)
                return;
            QString text =
                QStringLiteral("Could not join “%1”: %2").arg(m_connection->roomName(), sentence);
            // aN holds suffixes ("2", "3"): the free names are "<room>-<suffix>".
            QStringList names;
            for (const auto &a : alternatives)
                names << m_connection->roomName() + QLatin1Char('-') + a;
            if (!names.isEmpty())
                text += QStringLiteral(" These names are free:");
            m_joinBanner.text->setText(text);
            setJoinAlternatives(names);
            m_joinBanner.frame->show();
        });
    connect(m_connection, &RoomConnection::drawingSent, this, [this] {
        if (m_drawing)
            m_drawing->resetAfterSend();
    });
    connect(m_connection, &RoomConnection::drawingFailed, this, [this](const QString &sentence) {
        if (m_drawing)
            m_drawing->setStatus(sentence);
        else
            showError(sentence);
    });

    // Keep the newest message in view while the user is at the bottom; otherwise count them.
    connect(model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                applyNoticeVisibility(first, last);
                if (m_wasAtBottom) {
                    QTimer::singleShot(0, m_list, &QListView::scrollToBottom);
                } else {
                    m_newCount += last - first + 1;
                    m_newMessages->setText(
                        QStringLiteral("%1 new message%2 \u2193")
                            .arg(m_newCount)
                            .arg(m_newCount == 1 ? QString() : QStringLiteral("s")));
                    m_newMessages->adjustSize();
                    m_newMessages->move((m_list->width() - m_newMessages->width()) / 2,
                                        m_list->height() - m_newMessages->height() - 12);
                    m_newMessages->show();
                    m_newMessages->raise();
                }
            });
    connect(model, &QAbstractItemModel::modelReset, this, [this] {
        m_delegate->clearCache();
        applyNoticeVisibility(0, session()->messages()->rowCount() - 1);
        m_wasAtBottom = true;
        QTimer::singleShot(0, m_list, &QListView::scrollToBottom);
    });
    connect(model, &QAbstractItemModel::dataChanged, this, [this] {
        // Heights depend on text; the cache is keyed by text, but the view must re-measure.
        m_list->doItemsLayout();
    });
}

QWidget *RoomView::buildPicksPane()
{
    auto *pane = new QWidget(this);
    pane->setAutoFillBackground(true);
    pane->setBackgroundRole(QPalette::Base);
    auto *layout = new QVBoxLayout(pane);
    layout->setContentsMargins(0, 8, 0, 0);
    layout->setSpacing(0);
    m_picksTitle = new QLabel(pane);
    m_picksTitle->setContentsMargins(12, 0, 0, 4);
    m_picksTitle->setToolTip(
        QStringLiteral("Messages with support or reject votes (the creator's votes pin)"));
    layout->addWidget(m_picksTitle);
    m_picksList = new QListView(pane);
    m_picksList->setObjectName(QStringLiteral("picks"));
    m_picksList->setAccessibleName(QStringLiteral("Picks"));
    m_picksList->setModel(m_picks);
    m_picksList->setItemDelegate(new PlainTipDelegate(m_picksList));
    m_picksList->setFrameShape(QFrame::NoFrame);
    m_picksList->setWordWrap(true);
    m_picksList->setTextElideMode(Qt::ElideRight);
    m_picksList->setUniformItemSizes(false);
    m_picksList->setSpacing(2);
    m_picksList->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    m_picksList->setCursor(Qt::PointingHandCursor);
    m_picksList->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_picksList->setStyleSheet(
        QStringLiteral("QListView#picks::item { padding: 4px 8px; border-radius: 6px; }"));
    layout->addWidget(m_picksList, 1);
    m_picksEmpty = new QLabel(QStringLiteral("No picks yet — vote with + / − on a message."), pane);
    m_picksEmpty->setWordWrap(true);
    m_picksEmpty->setContentsMargins(12, 4, 12, 8);
    m_picksEmpty->setForegroundRole(QPalette::PlaceholderText);
    m_picksEmpty->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    layout->addWidget(m_picksEmpty, 1);
    // activated covers Enter on the keyboard; clicked the mouse (activated on a single click
    // depends on the style).
    auto jump = [this](const QModelIndex &index) {
        if (index.isValid())
            jumpTo(index.data(Role::IdRole).toLongLong());
    };
    connect(m_picksList, &QListView::clicked, this, jump);
    connect(m_picksList, &QListView::activated, this, jump);
    for (auto signal : {&QAbstractItemModel::rowsInserted, &QAbstractItemModel::rowsRemoved})
        connect(m_picks, signal, this, &RoomView::updatePicksTitle);
    connect(m_picks, &QAbstractItemModel::modelReset, this, &RoomView::updatePicksTitle);
    connect(m_picks, &QAbstractItemModel::layoutChanged, this, &RoomView::updatePicksTitle);
    updatePicksTitle();
    return pane;
}

void RoomView::updatePicksTitle()
{
    const int n = m_picks->rowCount();
    m_picksTitle->setText(n ? QStringLiteral("<b>Picks</b> (%1)").arg(n)
                            : QStringLiteral("<b>Picks</b>"));
    m_picksList->setVisible(n > 0);
    m_picksEmpty->setVisible(n == 0);
}

void RoomView::setJoinAlternatives(const QStringList &names)
{
    auto *layout = static_cast<QHBoxLayout *>(m_joinChips->layout());
    // Old chips go (deleteLater: this may run from a chip's own click).
    for (auto *old : m_joinChips->findChildren<QPushButton *>(Qt::FindDirectChildrenOnly)) {
        layout->removeWidget(old);
        old->deleteLater();
    }
    for (const QString &name : names) {
        auto *chip = new QPushButton(name, m_joinChips);
        chip->setObjectName(QStringLiteral("alternativeChip"));
        chip->setCursor(Qt::PointingHandCursor);
        chip->setToolTip(QStringLiteral("Join “%1” instead").arg(name));
        chip->setStyleSheet(
            QStringLiteral("QPushButton#alternativeChip { background: white; color: #b03030;"
                           " border: none; border-radius: 9px; padding: 2px 12px; min-height: "
                           "14px; font-weight: 600; }"
                           " QPushButton#alternativeChip:hover { background: #ffe9e9; }"
                           " QPushButton#alternativeChip:focus { outline: 2px solid white; }"));
        connect(chip, &QPushButton::clicked, this, [this, name] { emit openRoomRequested(name); });
        layout->insertWidget(layout->count() - 1, chip);
    }
    m_joinChips->setVisible(!names.isEmpty());
}

void RoomView::openEmojiPicker()
{
    if (!m_emoji) {
        // Our child, so it goes with the room; a Qt::Popup window of its own.
        m_emoji = new EmojiPicker(this);
        connect(m_emoji, &EmojiPicker::emojiPicked, this, [this](const QString &emoji) {
            // insertPlainText() goes in at the caret (replacing a selection), and the caret
            // stays where the composer had it before the popup took focus.
            m_composer->insertPlainText(emoji);
            m_composer->setFocus();
        });
    }
    m_emoji->popup(m_emojiButton);
}

void RoomView::updateHeader()
{
    RoomSession *s = session();
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
    const QString name = s->myName();
    m_identity->setText(name.isEmpty()
                            ? QStringLiteral("Joining…")
                            : QStringLiteral("You are <b>%1</b>").arg(name.toHtmlEscaped()));
}

void RoomView::updateConnectionBanner()
{
    using State = client::ChatClient::State;
    const State state = m_connection->state();
    const int ms = m_connection->reconnectInMs();
    const QString text = stateSentence(state, ms < 0 ? 0 : (ms + 999) / 1000, m_everJoined);
    // Disconnected is reached only on purpose (leave, or ER 209 with its own banner).
    const bool show = state != State::Connected && state != State::Disconnected &&
                      !m_replacedBanner.frame->isVisible();
    m_connectionBanner.text->setText(text);
    m_connectionBanner.button->setVisible(state == State::Waiting);
    m_connectionBanner.frame->setVisible(show && !text.isEmpty());
    if (state == State::Waiting && !m_countdown->isActive())
        m_countdown->start();
    else if (state != State::Waiting)
        m_countdown->stop();
}

QString RoomView::connectionBannerText() const
{
    return m_connectionBanner.frame->isVisibleTo(const_cast<RoomView *>(this))
               ? m_connectionBanner.text->text()
               : QString();
}

QString RoomView::errorText() const
{
    return m_error->isVisibleTo(const_cast<RoomView *>(this)) ? m_error->text() : QString();
}

void RoomView::updateCounter()
{
    const auto n = validation::characterCount(m_composer->toPlainText());
    // Shown only near the limit, so it does not distract while chatting.
    m_counter->setVisible(n > messageMax * 9 / 10);
    m_counter->setText(QStringLiteral("%1 / %2").arg(QLocale().toString(qlonglong(n)),
                                                     QLocale().toString(messageMax)));
    m_counter->setStyleSheet(n > messageMax ? QStringLiteral("color: #d94848; font-weight: bold;")
                                            : QString());
}

void RoomView::submit()
{
    const QString text = m_composer->toPlainText();
    if (text.trimmed().isEmpty())
        return;
    if (validation::characterCount(text) > messageMax) {
        showError(QStringLiteral("The message is too long: at most %1 characters.")
                      .arg(QLocale().toString(messageMax)));
        return;
    }
    m_error->hide();
    m_sentText = text;
    if (m_editingId) {
        // TM_E replaces text and reply fields, so the original reply fields go along.
        const ChatMessage *m = session()->messages()->messageById(m_editingId);
        m_sendRequest = m_connection->editText(m_editingId, text, m ? m->replyUser : std::nullopt,
                                               m ? m->replyMessage : std::nullopt);
    } else {
        m_sendRequest = m_connection->sendText(text, m_replyUser, m_replyMessage);
    }
    // The text stays until the server confirms (RP); a failure leaves it for another try.
    m_send->setText(QStringLiteral("Sending…"));
}

void RoomView::onRequestDone(const QString &requestId, RoomConnection::Action action, bool ok,
                             const QString &error)
{
    if (requestId == m_sendRequest) {
        m_sendRequest.clear();
        m_send->setText(QStringLiteral("Send"));
        if (ok) {
            if (m_composer->toPlainText() == m_sentText)
                m_composer->clear();
            cancelComposerMode();
            m_settings->setDraft(m_connection->config().server, m_connection->roomName(),
                                 m_composer->toPlainText());
        } else {
            showError(QStringLiteral("Not sent: %1 Your text is still here.").arg(error));
        }
        return;
    }
    if (ok || action == RoomConnection::Action::Join)
        return;
    switch (action) {
    case RoomConnection::Action::Rename:
        showError(QStringLiteral("Rename failed: %1").arg(error));
        break;
    case RoomConnection::Action::Description:
        showError(QStringLiteral("Description not changed: %1").arg(error));
        break;
    case RoomConnection::Action::Drawing:
        if (m_drawing)
            m_drawing->setStatus(QStringLiteral("Not sent: %1").arg(error));
        break;
    default:
        showError(error);
        break;
    }
}

void RoomView::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

void RoomView::startReply(const QString &userId, std::optional<qint64> quotedId)
{
    m_editingId = 0;
    m_replyUser = userId;
    m_replyMessage = quotedId;
    const QString name = session()->users()->nameOf(userId);
    if (quotedId) {
        const ChatMessage *m = session()->messages()->messageById(*quotedId);
        m_modeText->setText(
            QStringLiteral("Quoting <b>>> #%1</b> %2: %3")
                .arg(*quotedId)
                .arg(name.toHtmlEscaped(), m ? snippet(m->text, 30).toHtmlEscaped() : QString()));
    } else {
        m_modeText->setText(QStringLiteral("Replying to <b>%1</b>").arg(name.toHtmlEscaped()));
    }
    m_modeBar->show();
    m_composer->setFocus();
}

void RoomView::startEdit(qint64 id)
{
    const ChatMessage *m = session()->messages()->messageById(id);
    if (!m || m->deleted || m->kind != ChatMessage::Kind::Text)
        return;
    m_replyUser.reset();
    m_replyMessage.reset();
    m_editingId = id;
    m_modeText->setText(QStringLiteral("Editing <b>#%1</b> — Enter saves").arg(id));
    m_modeBar->show();
    m_composer->setPlainText(m->text);
    m_composer->moveCursor(QTextCursor::End);
    m_composer->setFocus();
}

void RoomView::cancelComposerMode()
{
    // Leaving edit mode drops the edited text: it belongs to the old message.
    if (m_editingId)
        m_composer->clear();
    m_editingId = 0;
    m_replyUser.reset();
    m_replyMessage.reset();
    m_modeBar->hide();
}

void RoomView::onAction(MessageDelegate::Action action, const QModelIndex &index)
{
    using A = MessageDelegate::Action;
    const qint64 id = index.data(Role::IdRole).toLongLong();
    switch (action) {
    case A::Support:
    case A::Reject:
        m_connection->vote(id, action == A::Support);
        break;
    case A::Reply:
        startReply(index.data(Role::AuthorIdRole).toString());
        break;
    case A::Quote:
        startReply(index.data(Role::AuthorIdRole).toString(), id);
        break;
    case A::Edit:
        startEdit(id);
        break;
    case A::Delete: {
        // Confirmed first (deleting is for everyone and cannot be undone); the question does not
        // block the event loop.
        auto *box = new QMessageBox(QMessageBox::Question, QStringLiteral("Delete message?"),
                                    QStringLiteral("Delete message #%1 for everyone?").arg(id),
                                    QMessageBox::Yes | QMessageBox::Cancel, this);
        box->setAttribute(Qt::WA_DeleteOnClose);
        connect(box, &QMessageBox::accepted, this, [this, id] { m_connection->deleteMessage(id); });
        box->open();
        break;
    }
    case A::JumpToQuote:
        jumpTo(index.data(Role::ReplyMessageRole).toLongLong());
        break;
    case A::OpenDrawing:
        showDrawing(index.data(Role::DrawingImageRole).value<QImage>());
        break;
    }
}

void RoomView::jumpTo(qint64 id)
{
    auto *model = session()->messages();
    const int row = model->rowForId(id);
    if (row < 0 || model->at(row).deleted) {
        showError(QStringLiteral("Message #%1 is unavailable (deleted or dropped).").arg(id));
        return;
    }
    m_list->scrollTo(model->index(row), QAbstractItemView::PositionAtCenter);
    model->setHighlightedId(id);
    QTimer::singleShot(2500, this, [this, id] {
        if (session()->messages()->highlightedId() == id)
            session()->messages()->setHighlightedId(0);
    });
}

void RoomView::showDrawing(const QImage &image)
{
    if (image.isNull())
        return;
    auto *window = new QWidget(this, Qt::Window);
    window->setAttribute(Qt::WA_DeleteOnClose);
    window->setWindowTitle(QStringLiteral("Drawing — %1").arg(session()->roomName()));
    auto *layout = new QVBoxLayout(window);
    auto *label = new QLabel(window);
    label->setPixmap(QPixmap::fromImage(image));
    label->setStyleSheet(QStringLiteral("background: white;"));
    layout->addWidget(label);
    auto *save = new QPushButton(QStringLiteral("Download as PNG…"), window);
    connect(save, &QPushButton::clicked, window, [window, image] {
        auto *dialog =
            new QFileDialog(window, QStringLiteral("Save drawing"), QStringLiteral("drawing.png"),
                            QStringLiteral("PNG images (*.png)"));
        dialog->setAcceptMode(QFileDialog::AcceptSave);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        connect(dialog, &QFileDialog::fileSelected, window,
                [image](const QString &file) { image.save(file, "PNG"); });
        dialog->open();
    });
    layout->addWidget(save, 0, Qt::AlignRight);
    window->show();
}

QString RoomView::transcript() const
{
    // One line per message, like the HTTP API's text output: "#id name: text".
    QString out;
    const auto *model = session()->messages();
    for (int row = 0; row < model->rowCount(); ++row) {
        const ChatMessage &m = model->at(row);
        if (m.kind == ChatMessage::Kind::Notice)
            continue;
        const QString time =
            QDateTime::fromSecsSinceEpoch(m.createdAt).toString(QStringLiteral("yyyy-MM-dd HH:mm"));
        const QString body = m.deleted                              ? QStringLiteral("(deleted)")
                             : m.kind == ChatMessage::Kind::Drawing ? QStringLiteral("(drawing)")
                                                                    : m.text;
        out += QStringLiteral("#%1 [%2] %3: %4\n")
                   .arg(m.id)
                   .arg(time, session()->users()->nameOf(m.authorId), body);
    }
    return out;
}

void RoomView::saveTranscript()
{
    auto *dialog = new QFileDialog(this, QStringLiteral("Save chat as text"),
                                   session()->roomName() + QStringLiteral(".txt"),
                                   QStringLiteral("Text files (*.txt)"));
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QFileDialog::fileSelected, this, [this](const QString &path) {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) ||
            file.write(transcript().toUtf8()) < 0)
            showError(QStringLiteral("Could not save the chat: %1").arg(file.errorString()));
    });
    dialog->open();
}

void RoomView::openSearch()
{
    m_searchBar->show();
    m_searchEdit->setFocus();
    m_searchEdit->selectAll();
}

void RoomView::updateSearch()
{
    m_searchHits = session()->messages()->setSearchText(m_searchEdit->text());
    m_searchPos = m_searchHits.isEmpty() ? -1 : int(m_searchHits.size()) - 1; // newest first
    if (m_searchEdit->text().trimmed().isEmpty())
        m_searchCount->clear();
    else if (m_searchHits.isEmpty())
        m_searchCount->setText(QStringLiteral("no results"));
    stepSearch(0);
}

void RoomView::stepSearch(int delta)
{
    if (m_searchHits.isEmpty())
        return;
    const int n = int(m_searchHits.size());
    m_searchPos = ((m_searchPos + delta) % n + n) % n;
    m_searchCount->setText(QStringLiteral("%1 of %2").arg(m_searchPos + 1).arg(n));
    const qint64 id = m_searchHits.at(m_searchPos);
    auto *model = session()->messages();
    model->setHighlightedId(id);
    m_list->scrollTo(model->index(model->rowForId(id)), QAbstractItemView::PositionAtCenter);
}

void RoomView::openDrawing()
{
    if (!m_drawing) {
        m_drawing = new DrawingWindow(session()->roomName(), this);
        connect(m_drawing, &DrawingWindow::sendRequested, m_connection,
                [this](const QImage &image) { m_connection->sendDrawing(image); });
    }
    m_drawing->show();
    m_drawing->raise();
    m_drawing->activateWindow();
}

void RoomView::setCompact(bool compact)
{
    // Overlay mode: just the stream and the composer.
    m_compactMode = compact;
    m_header->setVisible(!compact);
    m_splitter->widget(1)->setVisible(!compact && m_membersWanted);
}

void RoomView::setMembersVisible(bool visible)
{
    m_membersWanted = visible;
    m_splitter->widget(1)->setVisible(visible && !m_compactMode);
}

bool RoomView::membersVisible() const
{
    return m_membersWanted && !m_compactMode;
}

void RoomView::setShowNotices(bool show)
{
    m_showNotices = show;
    applyNoticeVisibility(0, session()->messages()->rowCount() - 1);
}

void RoomView::applyNoticeVisibility(int first, int last)
{
    auto *model = session()->messages();
    for (int row = first; row <= last && row < model->rowCount(); ++row) {
        if (model->at(row).kind == ChatMessage::Kind::Notice)
            m_list->setRowHidden(row, !m_showNotices);
    }
}

void RoomView::saveDraft()
{
    if (!m_editingId)
        m_settings->setDraft(m_connection->config().server, m_connection->roomName(),
                             m_composer->toPlainText());
}

bool RoomView::atBottom() const
{
    const QScrollBar *bar = m_list->verticalScrollBar();
    return bar->value() >= bar->maximum() - 8;
}

qint64 RoomView::currentMessageId() const
{
    const QModelIndex index = m_list->currentIndex();
    return index.isValid() ? index.data(Role::IdRole).toLongLong() : 0;
}

bool RoomView::eventFilter(QObject *watched, QEvent *event)
{
    if (event->type() != QEvent::KeyPress)
        return QWidget::eventFilter(watched, event);
    auto *key = static_cast<QKeyEvent *>(event);
    if (watched == m_searchEdit) {
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            stepSearch(key->modifiers() & Qt::ShiftModifier ? -1 : 1);
            return true;
        }
        if (key->key() == Qt::Key_Escape) {
            m_searchEdit->clear();
            m_searchBar->hide();
            m_composer->setFocus();
            return true;
        }
    } else if (watched == m_renameEdit || watched == m_descriptionEdit) {
        if (key->key() == Qt::Key_Escape) {
            static_cast<QWidget *>(watched)->hide();
            m_description->show();
            m_composer->setFocus();
            return true;
        }
    } else if (watched == m_list) {
        // Per-message actions by keyboard on the current card.
        const QModelIndex index = m_list->currentIndex();
        if (!index.isValid())
            return false;
        using A = MessageDelegate::Action;
        const bool mine = index.data(Role::IsMineRole).toBool();
        switch (key->key()) {
        case Qt::Key_R:
            onAction(A::Reply, index);
            return true;
        case Qt::Key_Q:
            onAction(A::Quote, index);
            return true;
        case Qt::Key_E:
            if (mine)
                onAction(A::Edit, index);
            return true;
        case Qt::Key_Delete:
            if (mine)
                onAction(A::Delete, index);
            return true;
        case Qt::Key_Plus:
            onAction(A::Support, index);
            return true;
        case Qt::Key_Minus:
            onAction(A::Reject, index);
            return true;
        case Qt::Key_Return:
        case Qt::Key_Enter:
            if (index.data(Role::ReplyMessageRole).isValid())
                onAction(A::JumpToQuote, index);
            return true;
        case Qt::Key_Escape:
            m_composer->setFocus();
            return true;
        default:
            break;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace ic::desktop

namespace ic::desktop {
DrawingWindow *RoomView::drawingWindow() const
{
    return m_drawing.data();
}
} // namespace ic::desktop
