#pragma once
// The page of one room in its tab. It composes the header bar, the banners (connection, version,
// server status, opened elsewhere, limits, refused join), the message list with its search bar,
// the members pane and the composer bar, and wires them to the room's connection.

#include "MessageDelegate.h"
#include "RoomConnection.h"

#include <QPointer>
#include <QSet>
#include <QWidget>

class QLabel;
class QListView;
class QPushButton;
class QSplitter;
class QTimer;

namespace ic::desktop {

class AppSettings;
class Composer;
class ComposerBar;
class DrawingWindow;
class EmojiPicker;
class MembersPane;
class MessageListView;
class PinnedMessagesModel;
class RoomHeaderBar;
class SearchBar;

class RoomView : public QWidget
{
    Q_OBJECT
public:
    RoomView(RoomConnection *connection, AppSettings *settings, QWidget *parent = nullptr);
    ~RoomView() override;

    RoomConnection *connection() const { return m_connection; }
    RoomSession *session() const { return m_connection->session(); }
    QListView *messageView() const;
    Composer *composer() const;
    QString connectionBannerText() const;
    QString errorText() const;
    int searchHitCount() const;
    DrawingWindow *drawingWindow() const;
    PinnedMessagesModel *pinnedMessages() const;
    QListView *pinnedView() const;
    // Created on first use; null before.
    EmojiPicker *emojiPicker() const;
    // Opens the emoji picker above the composer; a picked emoji goes in at the caret.
    void openEmojiPicker();

    void openSearch();
    // The loaded messages as plain text ("Download the chat as a text file").
    QString transcript() const;
    void saveTranscript();
    void openDrawing();
    // A pasted or dropped image: a preview with Send/Cancel, sent as a drawing; an image too
    // large even when scaled down is refused with a sentence under the composer.
    void offerImage(const QImage &image);
    void setCompact(bool compact);
    // Message density: one line per short message (View → Compact messages).
    void setCompactMessages(bool compact);
    // Scrolls to "New since you were last here"; false when nothing is unread.
    bool jumpToFirstUnread();
    MessageListView *messageList() const { return m_list; }
    // The members and picks pane beside the messages (View menu, or the header's button).
    void setMembersVisible(bool visible);
    bool membersVisible() const;
    void setShowNotices(bool show);
    // The messages/members splitter (its sizes are kept across restarts).
    QSplitter *splitter() const { return m_splitter; }
    void saveDraft();
    // Message actions, also reachable by keyboard and context menu.
    void startReply(const QString &userId, std::optional<qint64> quotedId = std::nullopt);
    void startEdit(qint64 id);
    void cancelComposerMode();
    void submit();
    void jumpTo(qint64 id);
    // The room was found gone after a reconnect: "Create it again" asks first (a password room
    // asks for its password and is never re-created without one).
    void askRecreate();
    QString roomGoneText() const;

signals:
    void leaveRequested();
    // An alternative name chip was clicked after a refused join: open that room instead.
    void openRoomRequested(const QString &room);
    // "Cannot reach the server" → "Change server…".
    void changeServerRequested();

private:
    struct Banner
    {
        QWidget *frame = nullptr;
        QLabel *text = nullptr;
        QPushButton *button = nullptr;
    };
    Banner makeBanner(const QString &tone, const QString &buttonText);
    void buildBanners();
    void setJoinAlternatives(const QStringList &names);
    void connectParts();
    void connectSession();
    void updateHeader();
    void updateConnectionBanner();
    void onAction(MessageDelegate::Action action, const QModelIndex &index);
    void showError(const QString &text);
    void showDrawing(const QImage &image);

    RoomConnection *m_connection;
    AppSettings *m_settings;
    RoomHeaderBar *m_header;
    MessageListView *m_list;
    SearchBar *m_searchBar;
    MembersPane *m_members;
    ComposerBar *m_composerBar;
    QSplitter *m_splitter;
    Banner m_connectionBanner;
    QPushButton *m_changeServer = nullptr;
    Banner m_versionBanner;
    Banner m_statusBanner;
    Banner m_replacedBanner;
    Banner m_limitBanner;
    Banner m_joinBanner;
    Banner m_goneBanner;
    QWidget *m_joinChips = nullptr;
    QTimer *m_countdown;
    bool m_everJoined = false;
    bool m_compactMode = false;
    bool m_membersWanted = true;
    QPointer<DrawingWindow> m_drawing;
    QSet<QString> m_pastedUploads; // drawings sent from a paste, not from the drawing window
};

} // namespace ic::desktop
