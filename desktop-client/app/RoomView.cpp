#include "RoomView.h"

#include "AppSettings.h"
#include "Composer.h"
#include "ComposerBar.h"
#include "DrawingWindow.h"
#include "MembersPane.h"
#include "MessageListView.h"
#include "PastedImage.h"
#include "PlainText.h"
#include "RoomHeaderBar.h"
#include "RoomLink.h"
#include "SearchBar.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListView>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>

namespace ic::desktop {
namespace {

using Role = MessageListModel::Role;

QString stateSentence(client::ChatClient::State state, int seconds, bool everJoined,
                      const QString &server)
{
    using State = client::ChatClient::State;
    switch (state) {
    case State::Waiting:
        if (!everJoined)
            return QStringLiteral("Cannot reach the server %1 — retrying in %2 s…")
                .arg(server)
                .arg(seconds);
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
      m_header(new RoomHeaderBar(connection, this)),
      m_list(new MessageListView(connection->session(), this)),
      m_searchBar(new SearchBar(connection->session()->messages(), this)),
      m_members(new MembersPane(connection->session(), this)),
      m_composerBar(new ComposerBar(connection, settings, this)), m_splitter(new QSplitter(this)),
      m_countdown(new QTimer(this))
{
    setObjectName(QStringLiteral("RoomView"));
    m_countdown->setInterval(500);
    connect(m_countdown, &QTimer::timeout, this, &RoomView::updateConnectionBanner);
    buildBanners();

    auto *listPane = new QWidget(this);
    auto *listLayout = new QVBoxLayout(listPane);
    listLayout->setContentsMargins(0, 0, 0, 0);
    listLayout->setSpacing(0);
    listLayout->addWidget(m_searchBar);
    listLayout->addWidget(m_list, 1);
    listLayout->addWidget(m_composerBar);

    m_splitter->addWidget(listPane);
    m_splitter->addWidget(m_members);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 0);
    m_splitter->setSizes({760, 210});
    m_splitter->setChildrenCollapsible(false);
    // Narrow enough that a 400 px wide window still has the messages beside it (names elide).
    m_members->setMinimumWidth(120);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_header);
    for (const Banner *b : {&m_goneBanner, &m_joinBanner, &m_replacedBanner, &m_statusBanner,
                            &m_connectionBanner, &m_versionBanner, &m_limitBanner})
        layout->addWidget(b->frame);
    layout->addWidget(m_splitter, 1);

    // Ctrl+; from anywhere in this room's page (the composer lets it through, see Composer).
    auto *emojiAction = new QAction(QStringLiteral("Insert emoji"), m_composerBar);
    emojiAction->setShortcut(QKeySequence(QStringLiteral("Ctrl+;")));
    emojiAction->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    connect(emojiAction, &QAction::triggered, this, &RoomView::openEmojiPicker);
    addAction(emojiAction);

    // Keyboard order as the page reads, with the messages right before the text field: Shift+Tab
    // from the composer reaches them in one step (Esc there comes back). Then the composer's
    // buttons, Rename, and the member and pick lists.
    QList<QWidget *> order{m_list};
    order += m_composerBar->focusOrder();
    for (QListView *list : m_members->findChildren<QListView *>())
        order += list;
    for (int i = 1; i < order.size(); ++i)
        QWidget::setTabOrder(order[i - 1], order[i]);

    connectParts();
    connectSession();
    updateHeader();
    updateConnectionBanner();
}

RoomView::~RoomView()
{
    saveDraft(); // the drawing window is our child and goes with us
}

void RoomView::buildBanners()
{
    m_connectionBanner = makeBanner(QStringLiteral("warn"), QStringLiteral("Retry now"));
    connect(m_connectionBanner.button, &QPushButton::clicked, m_connection,
            &RoomConnection::retryNow);
    // A wrong address is the usual reason the first connection never works: offer to change it.
    m_changeServer = new QPushButton(QStringLiteral("Change server…"), m_connectionBanner.frame);
    m_changeServer->setObjectName(QStringLiteral("changeServerButton"));
    m_changeServer->setCursor(Qt::PointingHandCursor);
    m_changeServer->hide();
    connect(m_changeServer, &QPushButton::clicked, this, &RoomView::changeServerRequested);
    m_connectionBanner.frame->layout()->addWidget(m_changeServer);
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
    // The room is gone (a server restart lost it): the history stays readable; re-creating is
    // the user's choice, and saving what is shown is offered first.
    m_goneBanner = makeBanner(QStringLiteral("error"), QStringLiteral("Create it again…"));
    m_goneBanner.button->setObjectName(QStringLiteral("recreateButton"));
    connect(m_goneBanner.button, &QPushButton::clicked, this, &RoomView::askRecreate);
    auto *saveHistory = new QPushButton(QStringLiteral("Save history…"), m_goneBanner.frame);
    saveHistory->setObjectName(QStringLiteral("saveHistoryButton"));
    saveHistory->setCursor(Qt::PointingHandCursor);
    connect(saveHistory, &QPushButton::clicked, this, &RoomView::saveTranscript);
    static_cast<QHBoxLayout *>(m_goneBanner.frame->layout())->insertWidget(1, saveHistory);
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

void RoomView::connectParts()
{
    auto focusComposer = [this] { m_composerBar->composer()->setFocus(); };
    connect(m_header, &RoomHeaderBar::drawRequested, this, &RoomView::openDrawing);
    connect(m_header, &RoomHeaderBar::searchRequested, this, &RoomView::openSearch);
    connect(m_header, &RoomHeaderBar::membersToggleRequested, this,
            [this] { setMembersVisible(!membersVisible()); });
    connect(m_header, &RoomHeaderBar::leaveRequested, this, &RoomView::leaveRequested);
    connect(m_header, &RoomHeaderBar::editingFinished, this, focusComposer);
    connect(m_list, &MessageListView::actionRequested, this, &RoomView::onAction);
    connect(m_list, &MessageListView::composerFocusRequested, this, focusComposer);
    connect(m_searchBar, &SearchBar::matchSelected, m_list, &MessageListView::showMessage);
    connect(m_searchBar, &SearchBar::closed, this, focusComposer);
    connect(m_members, &MembersPane::replyRequested, this,
            [this](const QString &userId) { startReply(userId); });
    connect(m_members, &MembersPane::jumpRequested, this, &RoomView::jumpTo);
    connect(m_composerBar, &ComposerBar::drawRequested, this, &RoomView::openDrawing);
    connect(m_composerBar->composer(), &Composer::imagePasted, this, &RoomView::offerImage);
}

void RoomView::offerImage(const QImage &image)
{
    const PastedImage prepared = preparePastedImage(image);
    if (!prepared.ok()) {
        showError(prepared.error);
        return;
    }
    // A preview with Send/Cancel: a paste is easily an accident, and the image may be scaled.
    auto *dialog = new QDialog(this);
    dialog->setObjectName(QStringLiteral("imageSendDialog"));
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(
        QStringLiteral("Send image as a drawing — %1").arg(session()->roomName()));
    auto *layout = new QVBoxLayout(dialog);
    auto *preview = new QLabel(dialog);
    preview->setObjectName(QStringLiteral("imagePreview"));
    preview->setAlignment(Qt::AlignCenter);
    preview->setPixmap(
        QPixmap::fromImage(prepared.image.scaled(QSize(400, 250).boundedTo(prepared.image.size()),
                                                 Qt::KeepAspectRatio, Qt::SmoothTransformation)));
    layout->addWidget(preview);
    auto *summary = plainLabel(new QLabel(prepared.summary, dialog));
    summary->setObjectName(QStringLiteral("imageSummary"));
    summary->setWordWrap(true);
    layout->addWidget(summary);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, dialog);
    QPushButton *send = buttons->addButton(QStringLiteral("Send"), QDialogButtonBox::AcceptRole);
    send->setObjectName(QStringLiteral("imageSendButton"));
    send->setDefault(true);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, dialog, &QDialog::reject);
    connect(buttons, &QDialogButtonBox::accepted, dialog, [this, dialog, image = prepared.image] {
        const QString fileName = m_connection->sendDrawing(image);
        if (!fileName.isEmpty())
            m_pastedUploads.insert(fileName);
        dialog->accept();
    });
    connect(dialog, &QDialog::finished, this, [this] { m_composerBar->composer()->setFocus(); });
    dialog->open();
}

void RoomView::connectSession()
{
    RoomSession *s = session();
    connect(s, &RoomSession::identityChanged, this, [this] {
        m_list->messageDelegate()->setAmCreator(session()->amCreator());
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
    connect(m_connection, &RoomConnection::stateChanged, this, &RoomView::updateConnectionBanner);
    connect(m_connection, &RoomConnection::requestDone, this,
            [this](const QString &, RoomConnection::Action action, bool ok, const QString &error) {
                if (!ok && action == RoomConnection::Action::Drawing && m_drawing)
                    m_drawing->setStatus(QStringLiteral("Not sent: %1").arg(error));
            });
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
    connect(m_connection, &RoomConnection::roomGoneChanged, this, [this](bool gone) {
        m_goneBanner.text->setText(
            QStringLiteral("The room “%1” no longer exists on the server (a restart lost it). "
                           "The messages below are what you had; nothing was re-created.")
                .arg(m_connection->roomName()));
        m_goneBanner.frame->setVisible(gone);
    });
    connect(m_connection, &RoomConnection::rejoinRefused, this, [this](const QString &sentence) {
        m_joinBanner.text->setText(
            QStringLiteral("Could not rejoin “%1”: %2").arg(m_connection->roomName(), sentence));
        setJoinAlternatives({});
        m_joinBanner.frame->show();
    });
    connect(m_connection, &RoomConnection::drawingSent, this, [this](const QString &fileName) {
        // A pasted image leaves the drawing window's sheet alone.
        if (m_pastedUploads.remove(fileName))
            return;
        if (m_drawing)
            m_drawing->resetAfterSend();
    });
    connect(m_connection, &RoomConnection::drawingFailed, this, [this](const QString &sentence) {
        if (m_drawing && m_drawing->isVisible())
            m_drawing->setStatus(sentence);
        else
            showError(sentence);
    });
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

void RoomView::askRecreate()
{
    if (!m_connection->roomGone())
        return;
    const QString room = m_connection->roomName();
    if (m_connection->recreateNeedsPassword()) {
        auto *dialog = new QInputDialog(this);
        dialog->setObjectName(QStringLiteral("recreatePassword"));
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->setWindowTitle(QStringLiteral("Create the room again"));
        dialog->setLabelText(
            QStringLiteral("“%1” had a password. The new room gets the password you type here; "
                           "it is not created without one.")
                .arg(room));
        dialog->setTextEchoMode(QLineEdit::Password);
        dialog->setTextValue(m_connection->knownPassword());
        connect(dialog, &QInputDialog::textValueSelected, this, [this](const QString &password) {
            if (password.isEmpty())
                showError(QStringLiteral("Not created: this room needs a password."));
            else
                m_connection->recreateRoom(password);
        });
        dialog->open();
        return;
    }
    auto *box = new QMessageBox(
        QMessageBox::Question, QStringLiteral("Create the room again?"),
        QStringLiteral("Create “%1” again? It starts empty, with you as its creator; the others "
                       "get in when they come back.")
            .arg(room),
        QMessageBox::Yes | QMessageBox::Cancel, this);
    box->setObjectName(QStringLiteral("recreateConfirm"));
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::accepted, this, [this] { m_connection->recreateRoom({}); });
    box->open();
}

QString RoomView::roomGoneText() const
{
    return m_goneBanner.frame->isVisibleTo(this) ? m_goneBanner.text->text() : QString();
}

void RoomView::updateHeader()
{
    m_header->refresh();
    m_composerBar->refreshIdentity();
}

void RoomView::updateConnectionBanner()
{
    using State = client::ChatClient::State;
    const State state = m_connection->state();
    const int ms = m_connection->reconnectInMs();
    const QString text = stateSentence(state, ms < 0 ? 0 : (ms + 999) / 1000, m_everJoined,
                                       serverLabel(m_connection->config().server));
    // Disconnected is reached only on purpose (leave, or ER 209 with its own banner).
    const bool show = state != State::Connected && state != State::Disconnected &&
                      !m_replacedBanner.frame->isVisible();
    m_connectionBanner.text->setText(text);
    m_connectionBanner.button->setVisible(state == State::Waiting);
    m_changeServer->setVisible(state == State::Waiting && !m_everJoined);
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
    return m_composerBar->errorText();
}

void RoomView::showError(const QString &text)
{
    m_composerBar->showError(text);
}

void RoomView::submit()
{
    m_composerBar->submit();
}

void RoomView::startReply(const QString &userId, std::optional<qint64> quotedId)
{
    m_composerBar->startReply(userId, quotedId);
}

void RoomView::startEdit(qint64 id)
{
    m_composerBar->startEdit(id);
}

void RoomView::cancelComposerMode()
{
    m_composerBar->cancelMode();
}

void RoomView::saveDraft()
{
    m_composerBar->saveDraft();
}

void RoomView::openEmojiPicker()
{
    m_composerBar->openEmojiPicker();
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
    if (!m_list->jumpTo(id))
        showError(QStringLiteral("Message #%1 is unavailable (deleted or dropped).").arg(id));
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
    m_searchBar->open();
}

int RoomView::searchHitCount() const
{
    return m_searchBar->hitCount();
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
    m_members->setVisible(!compact && m_membersWanted);
    // A splitter in a hidden tab does not tell our layout that its minimum changed.
    m_splitter->updateGeometry();
}

void RoomView::setCompactMessages(bool compact)
{
    m_list->setCompact(compact);
}

bool RoomView::jumpToFirstUnread()
{
    return m_list->jumpToFirstUnread();
}

void RoomView::setMembersVisible(bool visible)
{
    m_membersWanted = visible;
    m_members->setVisible(visible && !m_compactMode);
    m_splitter->updateGeometry();
}

bool RoomView::membersVisible() const
{
    return m_membersWanted && !m_compactMode;
}

void RoomView::setShowNotices(bool show)
{
    m_list->setShowNotices(show);
}

QListView *RoomView::messageView() const
{
    return m_list;
}

Composer *RoomView::composer() const
{
    return m_composerBar->composer();
}

EmojiPicker *RoomView::emojiPicker() const
{
    return m_composerBar->emojiPicker();
}

PinnedMessagesModel *RoomView::pinnedMessages() const
{
    return m_members->pinnedMessages();
}

QListView *RoomView::pinnedView() const
{
    return m_members->pinnedView();
}

DrawingWindow *RoomView::drawingWindow() const
{
    return m_drawing.data();
}

} // namespace ic::desktop
