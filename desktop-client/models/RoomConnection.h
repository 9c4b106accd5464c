#pragma once
// One joined room over its own ChatClient (rooms may live on different servers): joins, turns
// the user's actions into commands, feeds every frame to the RoomSession, and reports each
// request's outcome so the UI can keep the composer text until the server confirms it.

#include "RoomSession.h"
#include "client/ChatClient.h"

#include <QImage>
#include <QNetworkAccessManager>
#include <QObject>
#include <QSet>

namespace ic::desktop {

class RoomConnection : public QObject
{
    Q_OBJECT
public:
    struct Config
    {
        QUrl server{QStringLiteral("http://localhost:8080")};
        QString room;
        QString password;
        QString userName;
        QByteArray cookie; // session cookie value; empty = fetched from the balancer
        QString origin;    // Origin header override (tests); empty = the balancer's origin
        QUrl webSocketUrl; // tests: this server's ws:// address, no /pick_backend
    };

    enum class Action { Join, Send, Edit, Delete, Vote, Rename, Description, Drawing };
    Q_ENUM(Action)

    explicit RoomConnection(Config config, QObject *parent = nullptr);
    ~RoomConnection() override;

    RoomSession *session() const { return m_session; }
    client::ChatClient *client() const { return m_client; }
    client::ChatClient::State state() const;
    const Config &config() const { return m_config; }
    QString roomName() const { return m_config.room; }

    void start();
    void stop();
    // After ER 209 (opened elsewhere): take the room back on a fresh connection.
    void takeOver();
    void retryNow();
    int reconnectInMs() const;

    // The server answered the automatic rejoin with ER 202: the room no longer exists (lost in a
    // server restart). Nothing is re-created until the user asks for it with recreateRoom().
    bool roomGone() const { return m_roomGone; }
    // Whether re-creating needs a password: the room had one, or the user typed one.
    bool recreateNeedsPassword() const;
    // The password the user typed when opening the room (to prefill the question).
    QString knownPassword() const { return m_config.password; }
    // Creates the room again (R_C_J, the same session and name) after roomGone(). A password
    // room is never re-created open: with recreateNeedsPassword() an empty password sends
    // nothing. Returns the request id, empty when nothing was sent.
    QString recreateRoom(const QString &password);

    // Each returns the request id (empty when nothing was sent, e.g. not connected).
    QString sendText(const QString &text, const std::optional<QString> &replyUser = {},
                     const std::optional<qint64> &replyMessage = {});
    QString editText(qint64 id, const QString &text, const std::optional<QString> &replyUser = {},
                     const std::optional<qint64> &replyMessage = {});
    QString deleteMessage(qint64 id);
    QString vote(qint64 id, bool support);
    QString rename(const QString &userName);
    QString changeDescription(const QString &text);
    // Uploads the PNG (room UUID as group prefix), then sends the DM. Returns the file name.
    QString sendDrawing(const QImage &image);

signals:
    void stateChanged(ic::client::ChatClient::State state);
    void cookieChanged(const QByteArray &cookie);
    // Outcome of a request started through this object.
    void requestDone(const QString &requestId, ic::desktop::RoomConnection::Action action, bool ok,
                     const QString &error);
    void joinFailed(const QString &sentence, const QStringList &alternatives);
    void drawingSent(const QString &fileName);
    void drawingFailed(const QString &sentence);
    // The automatic rejoin found the room gone (ER 202): ask before re-creating it.
    void roomGoneChanged(bool gone);
    // The automatic rejoin was refused for another reason (e.g. the password changed).
    void rejoinRefused(const QString &sentence);

private:
    void createClient();
    void onConnected();
    void onRequestFinished(const QString &requestId, const proto::ServerFrame &reply);
    void onDrawingFetched(const QString &fileName, const QString &group, const QByteArray &data);
    void onHttpFailed(const QString &what, int status, const QString &sentence);
    void onRejoinRefused(const QString &room, const proto::ServerFrame &reply);
    void setRoomGone(bool gone);
    QString track(const QString &requestId, Action action, qint64 messageId = 0, int vote = 0);
    void fetchAlternatives(const QString &sentence);

    struct Pending
    {
        Action action;
        qint64 messageId = 0;
        int vote = 0; // for votes: +1/-1, to show my own vote state
    };

    Config m_config;
    RoomSession *m_session;
    client::ChatClient *m_client = nullptr;
    QNetworkAccessManager *m_http = nullptr; // created for the alternative-names lookup only
    QHash<QString, Pending> m_pending;
    QSet<QString> m_uploads; // drawings uploaded, DM not sent yet
    QSet<QString> m_fetches; // "name@group" being fetched
    bool m_joinSent = false; // ChatClient rejoins by itself after the first join
    bool m_stopped = false;
    bool m_roomGone = false;
};

} // namespace ic::desktop
