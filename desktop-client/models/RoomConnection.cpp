#include "RoomConnection.h"

#include "protocol/Codes.h"
#include "protocol/PickBackend.h"
#include "validation/UrlEncoding.h"
#include "validation/Validation.h"

#include <QBuffer>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QUuid>

namespace ic::desktop {

using client::ChatClient;

RoomConnection::RoomConnection(Config config, QObject *parent)
    : QObject(parent), m_config(std::move(config)), m_session(new RoomSession(m_config.room, this))
{
    createClient();
}

RoomConnection::~RoomConnection()
{
    // Our owner (the room's view) is being destroyed: nothing may reach it any more. Then close,
    // so the server sees a normal close frame.
    disconnect(this, nullptr, nullptr, nullptr);
    m_session->disconnect();
    if (m_client) {
        m_client->disconnect();
        m_client->close();
    }
}

void RoomConnection::createClient()
{
    ChatClient::Options options;
    options.balancerUrl = m_config.server;
    options.sessionCookie = m_config.cookie;
    options.origin = m_config.origin;
    options.serverUrl = m_config.webSocketUrl;
    options.platform = QStringLiteral("desktop");
    // Member deltas instead of the full list on every change, and typing signals.
    options.protocolVersion = proto::protocolVersionExtensions;
    // A message whose RP was lost with the connection goes out once more after the rejoin.
    options.resendUnacknowledged = true;
    m_client = new ChatClient(options, this);
    connect(m_client, &ChatClient::rejoinRefused, this, &RoomConnection::onRejoinRefused);

    connect(m_client, &ChatClient::stateChanged, this, [this](ChatClient::State state) {
        if (state != ChatClient::State::Connected && m_session->joined())
            m_session->connectionLost();
        emit stateChanged(state);
    });
    connect(m_client, &ChatClient::connected, this, &RoomConnection::onConnected);
    connect(m_client, &ChatClient::frameReceived, m_session, &RoomSession::applyFrame);
    connect(m_client, &ChatClient::requestFinished, this, &RoomConnection::onRequestFinished);
    connect(m_client, &ChatClient::pickFailed, this, &RoomConnection::joinFailed);
    connect(m_client, &ChatClient::httpFailed, this, &RoomConnection::onHttpFailed);
    connect(m_client, &ChatClient::drawingFetched, this, &RoomConnection::onDrawingFetched);
    connect(m_client, &ChatClient::drawingUploaded, this,
            [this](const QString &fileName, const QString &group) {
                if (!m_uploads.remove(fileName))
                    return;
                track(m_client->sendDrawing(m_config.room, fileName, group), Action::Drawing);
                emit drawingSent(fileName);
            });
    connect(m_session, &RoomSession::drawingNeeded, this,
            [this](const QString &fileName, const QString &group) {
                const QString key = fileName + QLatin1Char('@') + group;
                if (m_fetches.contains(key))
                    return;
                m_fetches.insert(key);
                m_client->fetchDrawing(fileName, group);
            });
}

ChatClient::State RoomConnection::state() const
{
    return m_client->state();
}

void RoomConnection::start()
{
    m_stopped = false;
    m_client->open(m_config.room);
    if (!m_joinSent) {
        // Queued by ChatClient until the init frame is out; later reconnects re-join by themselves.
        m_joinSent = true;
        track(m_client->createAndJoin(m_config.room, m_config.password, m_config.userName),
              Action::Join);
    }
}

void RoomConnection::stop()
{
    m_stopped = true;
    m_client->close();
}

void RoomConnection::takeOver()
{
    // ChatClient stays away after ER 209; opening again re-joins the remembered room, and the
    // server then tells the other connection.
    m_client->open(m_config.room);
}

void RoomConnection::retryNow()
{
    m_client->reconnectNow();
}

int RoomConnection::reconnectInMs() const
{
    return m_client->reconnectIn();
}

void RoomConnection::onRejoinRefused(const QString &room, const proto::ServerFrame &reply)
{
    if (room != validation::canonicalRoomName(m_config.room))
        return;
    if (reply.errorCode() == proto::ErrorCode::RoomNotFound) {
        setRoomGone(true);
        return;
    }
    QString sentence = proto::errorSentence(reply.errorCode());
    emit rejoinRefused(sentence.isEmpty() ? QStringLiteral("The server refused the request.")
                                          : sentence);
}

void RoomConnection::setRoomGone(bool gone)
{
    if (m_roomGone == gone)
        return;
    m_roomGone = gone;
    emit roomGoneChanged(gone);
}

bool RoomConnection::recreateNeedsPassword() const
{
    return m_session->passwordProtected() || !m_config.password.isEmpty();
}

QString RoomConnection::recreateRoom(const QString &password)
{
    if (!m_roomGone || (recreateNeedsPassword() && password.isEmpty()))
        return {};
    m_config.password = password;
    return track(m_client->createAndJoin(m_config.room, password, m_config.userName), Action::Join);
}

void RoomConnection::onConnected()
{
    const QByteArray cookie = m_client->sessionCookie();
    if (!cookie.isEmpty() && cookie != m_config.cookie) {
        m_config.cookie = cookie;
        emit cookieChanged(cookie);
    }
}

QString RoomConnection::track(const QString &requestId, Action action, qint64 messageId, int vote)
{
    if (!requestId.isEmpty())
        m_pending.insert(requestId, Pending{action, messageId, vote});
    return requestId;
}

QString RoomConnection::sendText(const QString &text, const std::optional<QString> &replyUser,
                                 const std::optional<qint64> &replyMessage)
{
    return track(m_client->sendText(m_config.room, text, replyUser, replyMessage), Action::Send);
}

QString RoomConnection::editText(qint64 id, const QString &text,
                                 const std::optional<QString> &replyUser,
                                 const std::optional<qint64> &replyMessage)
{
    return track(m_client->editText(m_config.room, id, text, replyUser, replyMessage), Action::Edit,
                 id);
}

QString RoomConnection::deleteMessage(qint64 id)
{
    return track(m_client->deleteMessage(m_config.room, id), Action::Delete, id);
}

QString RoomConnection::vote(qint64 id, bool support)
{
    // The server toggles: the same vote again withdraws it, the opposite one moves it.
    const int direction = support ? 1 : -1;
    const int current =
        m_session->messages()
            ->data(m_session->messages()->index(m_session->messages()->rowForId(id)),
                   MessageListModel::MyVoteRole)
            .toInt();
    const int next = current == direction ? 0 : direction;
    return track(m_client->vote(m_config.room, id, support), Action::Vote, id, next);
}

QString RoomConnection::rename(const QString &userName)
{
    const QString requestId = track(m_client->rename(m_config.room, userName), Action::Rename);
    m_config.userName = userName;
    return requestId;
}

QString RoomConnection::changeDescription(const QString &text)
{
    return track(m_client->changeDescription(m_config.room, text), Action::Description);
}

QString RoomConnection::sendDrawing(const QImage &image)
{
    const QString group = m_session->roomId();
    if (group.isEmpty() || image.isNull()) {
        emit drawingFailed(QStringLiteral("Not joined yet: the drawing can be sent once the room "
                                          "is connected."));
        return {};
    }
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    // Names must match [A-Za-z0-9_-]{1,128}; a random UUID keeps them unguessable and unique.
    const QString fileName =
        QStringLiteral("drawing_") + QUuid::createUuid().toString(QUuid::Id128);
    m_uploads.insert(fileName);
    m_client->uploadDrawing(fileName, group, png);
    return fileName;
}

void RoomConnection::onRequestFinished(const QString &requestId, const proto::ServerFrame &reply)
{
    const auto it = m_pending.find(requestId);
    if (it == m_pending.end())
        return;
    const Pending pending = *it;
    m_pending.erase(it);
    const bool ok = reply.kind() == proto::Command::Reply;
    QString error;
    if (!ok) {
        const auto code = reply.errorCode();
        error = code == proto::ErrorCode::ConnectionError
                    ? QStringLiteral("The connection was lost before the server confirmed it.")
                    : proto::errorSentence(code);
        if (error.isEmpty())
            error = QStringLiteral("The server refused the request.");
    }
    if (ok && pending.action == Action::Vote)
        m_session->messages()->setMyVote(pending.messageId, pending.vote);
    if (ok && pending.action == Action::Join)
        setRoomGone(false);
    if (!ok && pending.action == Action::Join) {
        emit joinFailed(error, {});
        // A wrong password means the name is taken: /pick_backend's aN has the free
        // alternatives, but ChatClient only reports them for refused picks, so ask once more.
        if (reply.errorCode() == proto::ErrorCode::InvalidPassword)
            fetchAlternatives(error);
    }
    emit requestDone(requestId, pending.action, ok, error);
}

void RoomConnection::fetchAlternatives(const QString &sentence)
{
    if (!m_http)
        m_http = new QNetworkAccessManager(this);
    QUrl url = m_config.server.adjusted(QUrl::RemoveQuery | QUrl::RemoveFragment |
                                        QUrl::StripTrailingSlash);
    url.setPath(url.path() + QStringLiteral("/pick_backend"));
    // Already percent-encoded like the web client's encodeURIComponent; TolerantMode keeps it.
    url.setQuery(QStringLiteral("roomName=") + validation::urlEncode(m_config.room),
                 QUrl::TolerantMode);
    QNetworkRequest request(url);
    request.setTransferTimeout(10000);
    QNetworkReply *reply = m_http->get(request);
    connect(reply, &QNetworkReply::finished, this, [this, reply, sentence] {
        reply->deleteLater();
        QStringList alternatives;
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        for (const QJsonValue &value : answer.value(proto::pick::alternativeNamesKey).toArray())
            alternatives << value.toString();
        // Nothing new to say without names: the first joinFailed already told the user.
        if (!alternatives.isEmpty())
            emit joinFailed(sentence, alternatives);
    });
}

void RoomConnection::onDrawingFetched(const QString &fileName, const QString &group,
                                      const QByteArray &data)
{
    m_fetches.remove(fileName + QLatin1Char('@') + group);
    QImage image;
    image.loadFromData(data, "PNG");
    if (image.isNull())
        m_session->messages()->setDrawingMissing(fileName, group);
    else
        m_session->messages()->setDrawingImage(fileName, group, image);
}

void RoomConnection::onHttpFailed(const QString &what, int status, const QString &sentence)
{
    Q_UNUSED(status)
    if (what == u"get_text_file") {
        // The signal does not say which drawing failed: mark every outstanding fetch missing
        // (a placeholder, never the raw marker); a later successful fetch still replaces it.
        const auto fetches = std::exchange(m_fetches, {});
        for (const QString &key : fetches) {
            const qsizetype at = key.lastIndexOf(QLatin1Char('@'));
            m_session->messages()->setDrawingMissing(key.left(at), key.mid(at + 1));
        }
    } else if (what == u"upload_text_file") {
        m_uploads.clear();
        emit drawingFailed(sentence.isEmpty() ? QStringLiteral("The drawing could not be uploaded.")
                                              : sentence);
    }
}

} // namespace ic::desktop
