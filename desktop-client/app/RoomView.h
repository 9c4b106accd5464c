#pragma once
// The page of one room in its tab: header (name, counts, link, description), banners
// (connection, version, server status, opened elsewhere, limits), the message list, members,
// search, and the composer with reply/quote/edit modes.

#include "MessageDelegate.h"
#include "RoomConnection.h"

#include <QPointer>
#include <QWidget>

class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSplitter;
class QTimer;
class QToolButton;

namespace ic::desktop {

class AppSettings;
class Composer;
class DrawingWindow;
class EmojiPicker;
class PicksModel;
class ElidingLabel;

class RoomView : public QWidget
{
    Q_OBJECT
public:
    RoomView(RoomConnection *connection, AppSettings *settings, QWidget *parent = nullptr);
    ~RoomView() override;

    RoomConnection *connection() const { return m_connection; }
    RoomSession *session() const { return m_connection->session(); }
    QListView *messageView() const { return m_list; }
    Composer *composer() const { return m_composer; }
    QString connectionBannerText() const;
    QString errorText() const;
    int searchHitCount() const { return int(m_searchHits.size()); }
    DrawingWindow *drawingWindow() const;
    PicksModel *picks() const { return m_picks; }
    QListView *picksView() const { return m_picksList; }
    // Created on first use; null before.
    EmojiPicker *emojiPicker() const { return m_emoji; }
    // Opens the emoji picker above the composer; a picked emoji goes in at the caret.
    void openEmojiPicker();

    void openSearch();
    // The loaded messages as plain text ("Download the chat as a text file").
    QString transcript() const;
    void saveTranscript();
    void openDrawing();
    void setCompact(bool compact);
    // The members and picks pane beside the messages (View menu, or the header's button).
    void setMembersVisible(bool visible);
    bool membersVisible() const;
    void setShowNotices(bool show);
    void saveDraft();
    // Message actions, also reachable by keyboard and context menu.
    void startReply(const QString &userId, std::optional<qint64> quotedId = std::nullopt);
    void startEdit(qint64 id);
    void cancelComposerMode();
    void submit();
    void jumpTo(qint64 id);

signals:
    void leaveRequested();
    // An alternative name chip was clicked after a refused join: open that room instead.
    void openRoomRequested(const QString &room);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    struct Banner
    {
        QWidget *frame = nullptr;
        QLabel *text = nullptr;
        QPushButton *button = nullptr;
    };
    Banner makeBanner(const QString &tone, const QString &buttonText);
    QWidget *buildHeader();
    QWidget *buildSearchBar();
    QWidget *buildComposer();
    QWidget *buildPicksPane();
    void setJoinAlternatives(const QStringList &names);
    void updatePicksTitle();
    void connectSession();
    void updateHeader();
    void updateConnectionBanner();
    void updateCounter();
    void updateSearch();
    void stepSearch(int delta);
    void onAction(MessageDelegate::Action action, const QModelIndex &index);
    void onRequestDone(const QString &requestId, RoomConnection::Action action, bool ok,
                       const QString &error);
    void showError(const QString &text);
    void applyNoticeVisibility(int first, int last);
    void showDrawing(const QImage &image);
    bool atBottom() const;
    qint64 currentMessageId() const;

    RoomConnection *m_connection;
    AppSettings *m_settings;
    MessageDelegate *m_delegate;
    QListView *m_list;
    QListView *m_userList;
    QSplitter *m_splitter;
    QWidget *m_header;
    ElidingLabel *m_title;
    ElidingLabel *m_meta;
    QLabel *m_description;
    QToolButton *m_editDescription;
    QLineEdit *m_descriptionEdit;
    Banner m_connectionBanner;
    Banner m_versionBanner;
    Banner m_statusBanner;
    Banner m_replacedBanner;
    Banner m_limitBanner;
    Banner m_joinBanner;
    QTimer *m_countdown;
    QWidget *m_searchBar;
    QLineEdit *m_searchEdit;
    QLabel *m_searchCount;
    QList<qint64> m_searchHits;
    int m_searchPos = -1;
    QPushButton *m_newMessages;
    int m_newCount = 0;
    bool m_wasAtBottom = true;
    QWidget *m_modeBar;
    QLabel *m_modeText;
    QLabel *m_identity;
    QLineEdit *m_renameEdit;
    Composer *m_composer;
    QLabel *m_counter;
    QPushButton *m_send;
    QLabel *m_error;
    QLabel *m_typing = nullptr; // "X is typing…", hidden 5 s after the last signal
    QTimer *m_typingTimer = nullptr;
    std::optional<QString> m_replyUser;
    std::optional<qint64> m_replyMessage;
    qint64 m_editingId = 0;
    QString m_sendRequest;
    QString m_sentText;
    bool m_showNotices = true;
    bool m_everJoined = false;
    bool m_compactMode = false;
    bool m_membersWanted = true;
    QPointer<DrawingWindow> m_drawing;
    PicksModel *m_picks;
    QListView *m_picksList = nullptr;
    QLabel *m_picksTitle = nullptr;
    QLabel *m_picksEmpty = nullptr;
    QWidget *m_joinChips = nullptr;
    QToolButton *m_emojiButton = nullptr;
    EmojiPicker *m_emoji = nullptr;
};

} // namespace ic::desktop
