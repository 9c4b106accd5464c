#include "ComposerBar.h"

#include "AppSettings.h"
#include "Composer.h"
#include "ElidingLabel.h"
#include "EmojiPicker.h"
#include "PlainText.h"
#include "TextFormat.h"
#include "protocol/Limits.h"
#include "validation/UrlEncoding.h"

#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QResizeEvent>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace ic::desktop {
namespace {
const int messageMax = proto::Limits{}.messageTextMax;
}

ComposerBar::ComposerBar(RoomConnection *connection, AppSettings *settings, QWidget *parent)
    : QFrame(parent), m_connection(connection), m_settings(settings)
{
    setObjectName(QStringLiteral("composerBox"));
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Window);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(14, 6, 14, 10);
    layout->setSpacing(4);

    m_modeBar = new QFrame(this);
    auto *modeLayout = new QHBoxLayout(m_modeBar);
    modeLayout->setContentsMargins(8, 2, 2, 2);
    m_modeText = new ElidingLabel(m_modeBar);
    auto *cancel = new QToolButton(m_modeBar);
    cancel->setText(QStringLiteral("Cancel (Esc)"));
    cancel->setAutoRaise(true);
    connect(cancel, &QToolButton::clicked, this, &ComposerBar::cancelMode);
    modeLayout->addWidget(m_modeText, 1);
    modeLayout->addWidget(cancel);
    m_modeBar->setObjectName(QStringLiteral("modeBar"));
    m_modeBar->setStyleSheet(
        QStringLiteral("QFrame#modeBar { border-left: 3px solid palette(highlight);"
                       " background: palette(alternate-base); border-radius: 3px; }"));
    m_modeBar->hide();
    layout->addWidget(m_modeBar);

    auto *identityRow = new QHBoxLayout;
    m_identity = new ElidingLabel(this);
    m_identity->setForegroundRole(QPalette::PlaceholderText);
    auto *rename = m_rename = new QToolButton(this);
    rename->setText(QStringLiteral("Rename"));
    rename->setAutoRaise(true);
    rename->setToolTip(
        QStringLiteral("Change your name in this room (empty = a new anonymous name)"));
    m_renameEdit = new QLineEdit(this);
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
    m_counter = new QLabel(this);
    identityRow->addWidget(m_counter);
    m_typing = plainLabel(new QLabel(this)); // the name is user text
    // A long name wraps (or is cut) instead of widening the window.
    m_typing->setWordWrap(true);
    m_typing->setMinimumWidth(1);
    m_typing->setObjectName(QStringLiteral("typing"));
    m_typing->setStyleSheet(QStringLiteral("font-style: italic;"));
    m_typing->hide();
    layout->addWidget(m_typing);
    m_typingTimer = new QTimer(this);
    m_typingTimer->setSingleShot(true);
    m_typingTimer->setInterval(5000);
    connect(m_typingTimer, &QTimer::timeout, m_typing, &QLabel::hide);
    layout->addLayout(identityRow);

    auto *row = m_row = new QHBoxLayout;
    m_composer = new Composer(this);
    m_composer->setObjectName(QStringLiteral("composer"));
    m_composer->setMembers(connection->session()->users());
    row->addWidget(m_composer, 1);
    m_emojiButton = new QToolButton(this);
    m_emojiButton->setObjectName(QStringLiteral("emojiButton"));
    m_emojiButton->setText(QStringLiteral("\U0001F642"));
    m_emojiButton->setToolTip(QStringLiteral("Insert an emoji (Ctrl+;)"));
    m_emojiButton->setAccessibleName(QStringLiteral("Emoji"));
    connect(m_emojiButton, &QToolButton::clicked, this, &ComposerBar::openEmojiPicker);
    row->addWidget(m_emojiButton, 0, Qt::AlignBottom);
    auto *draw = m_draw = new QToolButton(this);
    draw->setText(QStringLiteral("Draw"));
    draw->setToolTip(QStringLiteral("Send a drawing"));
    connect(draw, &QToolButton::clicked, this, &ComposerBar::drawRequested);
    row->addWidget(draw, 0, Qt::AlignBottom);
    m_send = new QPushButton(QStringLiteral("Send"), this);
    m_send->setDefault(true);
    connect(m_send, &QPushButton::clicked, this, &ComposerBar::submit);
    row->addWidget(m_send, 0, Qt::AlignBottom);
    layout->addLayout(row);

    m_error = plainLabel(new QLabel(this));
    m_error->setWordWrap(true);
    m_error->setStyleSheet(QStringLiteral("color: #d94848; font-weight: 600;"));
    m_error->hide();
    layout->addWidget(m_error);

    connect(m_composer, &Composer::submitRequested, this, &ComposerBar::submit);
    connect(m_composer, &Composer::cancelRequested, this, &ComposerBar::cancelMode);
    connect(m_composer, &Composer::editLastRequested, this, [this] {
        if (const qint64 id = session()->messages()->lastMessageOf(session()->myUserId()))
            startEdit(id);
    });
    connect(m_composer, &QPlainTextEdit::textChanged, this, &ComposerBar::updateCounter);
    connect(m_composer, &QPlainTextEdit::textChanged, this, [this] {
        // ChatClient sends at most one a second and the server passes on one per 2.5 s.
        if (m_connection->client() && session()->joined() && !m_composer->toPlainText().isEmpty())
            m_connection->client()->sendTyping(session()->roomName());
    });
    connect(session(), &RoomSession::typing, this, [this](const QString &, const QString &name) {
        m_typing->setText(QStringLiteral("%1 is typing…").arg(name));
        m_typing->show();
        m_typingTimer->start();
    });
    connect(m_connection, &RoomConnection::stateChanged, this, [this] {
        if (m_connection->state() == client::ChatClient::State::Connected)
            m_error->hide();
    });
    connect(m_connection, &RoomConnection::requestDone, this, &ComposerBar::onRequestDone);

    m_composer->setPlainText(
        m_settings->draft(m_connection->config().server, m_connection->roomName()));
    updateCounter();
}

QString ComposerBar::errorText() const
{
    return m_error->isVisibleTo(this) ? m_error->text() : QString();
}

void ComposerBar::refreshIdentity()
{
    const QString name = session()->myName();
    m_identity->setFullText(name.isEmpty() ? QStringLiteral("Joining…")
                                           : QStringLiteral("You are %1").arg(name));
}

void ComposerBar::updateCounter()
{
    const auto n = validation::characterCount(m_composer->toPlainText());
    // Shown only near the limit, so it does not distract while chatting.
    m_counter->setVisible(n > messageMax * 9 / 10);
    m_counter->setText(QStringLiteral("%1 / %2").arg(QLocale().toString(qlonglong(n)),
                                                     QLocale().toString(messageMax)));
    m_counter->setStyleSheet(n > messageMax ? QStringLiteral("color: #d94848; font-weight: bold;")
                                            : QString());
}

void ComposerBar::submit()
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

void ComposerBar::onRequestDone(const QString &requestId, RoomConnection::Action action, bool ok,
                                const QString &error)
{
    if (requestId == m_sendRequest) {
        m_sendRequest.clear();
        m_send->setText(QStringLiteral("Send"));
        if (ok) {
            if (m_composer->toPlainText() == m_sentText)
                m_composer->clear();
            cancelMode();
            m_settings->setDraft(m_connection->config().server, m_connection->roomName(),
                                 m_composer->toPlainText());
        } else {
            showError(QStringLiteral("Not sent: %1 Your text is still here.").arg(error));
        }
        return;
    }
    // Joins have their banner, drawings their window (RoomView).
    if (ok || action == RoomConnection::Action::Join || action == RoomConnection::Action::Drawing)
        return;
    switch (action) {
    case RoomConnection::Action::Rename:
        showError(QStringLiteral("Rename failed: %1").arg(error));
        break;
    case RoomConnection::Action::Description:
        showError(QStringLiteral("Description not changed: %1").arg(error));
        break;
    default:
        showError(error);
        break;
    }
}

void ComposerBar::showError(const QString &text)
{
    m_error->setText(text);
    m_error->show();
}

void ComposerBar::startReply(const QString &userId, std::optional<qint64> quotedId)
{
    m_editingId = 0;
    m_replyUser = userId;
    m_replyMessage = quotedId;
    const QString name = session()->users()->nameOf(userId);
    if (quotedId) {
        const ChatMessage *m = session()->messages()->messageById(*quotedId);
        m_modeText->setFullText(QStringLiteral("Quoting >> #%1 %2: %3")
                                    .arg(*quotedId)
                                    .arg(name, m ? snippet(m->text, 30) : QString()));
    } else {
        m_modeText->setFullText(QStringLiteral("Replying to %1").arg(name));
    }
    m_modeBar->show();
    m_composer->setFocus();
}

void ComposerBar::startEdit(qint64 id)
{
    const ChatMessage *m = session()->messages()->messageById(id);
    if (!m || m->deleted || m->kind != ChatMessage::Kind::Text)
        return;
    m_replyUser.reset();
    m_replyMessage.reset();
    m_editingId = id;
    m_modeText->setFullText(QStringLiteral("Editing #%1 — Enter saves").arg(id));
    m_modeBar->show();
    m_composer->setPlainText(m->text);
    m_composer->moveCursor(QTextCursor::End);
    m_composer->setFocus();
}

void ComposerBar::cancelMode()
{
    // Leaving edit mode drops the edited text: it belongs to the old message.
    if (m_editingId)
        m_composer->clear();
    m_editingId = 0;
    m_replyUser.reset();
    m_replyMessage.reset();
    m_modeBar->hide();
}

void ComposerBar::saveDraft()
{
    if (!m_editingId)
        m_settings->setDraft(m_connection->config().server, m_connection->roomName(),
                             m_composer->toPlainText());
}

QList<QWidget *> ComposerBar::focusOrder() const
{
    return {m_composer, m_emojiButton, m_draw, m_send, m_rename};
}

void ComposerBar::openEmojiPicker()
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

int ComposerBar::drawCost() const
{
    return std::max(0, m_row->spacing()) + m_draw->sizeHint().width();
}

QSize ComposerBar::minimumSizeHint() const
{
    QSize laidOut = QFrame::minimumSizeHint();
    if (!m_draw->isHidden())
        laidOut.rwidth() -= drawCost();
    return laidOut;
}

void ComposerBar::resizeEvent(QResizeEvent *event)
{
    QFrame::resizeEvent(event);
    m_draw->setVisible(width() >= minimumSizeHint().width() + drawCost());
}

bool ComposerBar::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_renameEdit && event->type() == QEvent::KeyPress &&
        static_cast<QKeyEvent *>(event)->key() == Qt::Key_Escape) {
        m_renameEdit->hide();
        m_composer->setFocus();
        return true;
    }
    return QFrame::eventFilter(watched, event);
}

} // namespace ic::desktop
