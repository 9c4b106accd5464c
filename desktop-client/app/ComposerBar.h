#pragma once
// The bottom of a room's page: who you are (with Rename), the reply/quote/edit mode, who is
// typing, the text field with emoji, draw and send, the length counter and the last error.
// A message's text stays in the field until the server confirms it.

#include "RoomConnection.h"

#include <QFrame>
#include <optional>

class QHBoxLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;
class QToolButton;

namespace ic::desktop {

class AppSettings;
class Composer;
class ElidingLabel;
class EmojiPicker;

class ComposerBar : public QFrame
{
    Q_OBJECT
public:
    ComposerBar(RoomConnection *connection, AppSettings *settings, QWidget *parent = nullptr);

    Composer *composer() const { return m_composer; }
    EmojiPicker *emojiPicker() const { return m_emoji; } // created on first use; null before
    QString errorText() const;

    void openEmojiPicker();
    void startReply(const QString &userId, std::optional<qint64> quotedId = std::nullopt);
    void startEdit(qint64 id);
    void cancelMode();
    void submit();
    void showError(const QString &text);
    void saveDraft();
    // "You are <name>" from the session.
    void refreshIdentity();
    // Its controls in keyboard order: the text field first, then emoji, draw, send, rename.
    QList<QWidget *> focusOrder() const;
    // Without the row's Draw button, which a narrow window drops (the header and Ctrl+D have it).
    QSize minimumSizeHint() const override;

signals:
    void drawRequested();

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    void updateCounter();
    int drawCost() const;
    void onRequestDone(const QString &requestId, RoomConnection::Action action, bool ok,
                       const QString &error);
    RoomSession *session() const { return m_connection->session(); }

    RoomConnection *m_connection;
    AppSettings *m_settings;
    QWidget *m_modeBar;
    // Elided: a long name must not make the window (or the overlay) wider.
    ElidingLabel *m_modeText;
    ElidingLabel *m_identity;
    QToolButton *m_rename;
    QLineEdit *m_renameEdit;
    Composer *m_composer;
    QLabel *m_counter;
    QToolButton *m_draw;
    QPushButton *m_send;
    QLabel *m_error;
    QLabel *m_typing;
    QTimer *m_typingTimer; // hides "X is typing…" 5 s after the last signal
    QToolButton *m_emojiButton;
    QHBoxLayout *m_row;
    EmojiPicker *m_emoji = nullptr;
    std::optional<QString> m_replyUser;
    std::optional<qint64> m_replyMessage;
    qint64 m_editingId = 0;
    QString m_sendRequest;
    QString m_sentText;
};

} // namespace ic::desktop
