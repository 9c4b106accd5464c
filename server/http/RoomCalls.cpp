#include "http/RoomCalls.h"

#include "core/ServerContext.h"
#include "http/UniversalAccess.h"
#include "protocol/ServerFrame.h"
#include "protocol/JsonWriter.h"
#include "rooms/RoomHost.h"
#include "rooms/RoomSnapshot.h"
#include "transport/HttpResponse.h"
#include "validation/UrlEncoding.h"

#include <QDateTime>

namespace ic::server {
namespace {

void answer(const HttpRoomRequest &request, int status, const QByteArray &body,
            const QByteArray &contentType)
{
    Delivery delivery;
    delivery.finished = true;
    delivery.httpClose = !request.keepAlive;
    delivery.bytes.append(httpResponse(status, contentType, body, request.keepAlive));
    request.home->deliverFromAnywhere(request.connection, std::move(delivery));
}

void httpError(const HttpRoomRequest &request, int status, const QString &sentence)
{
    answer(request, status, errorBody(sentence, request.json),
           request.json ? QByteArrayLiteral("application/json")
                        : QByteArrayLiteral("text/plain; charset=utf-8"));
}

} // namespace

void answerRoomCall(RoomHost &host, HttpRoomRequest request)
{
    ServerContext &context = host.context();
    const QByteArray json = QByteArrayLiteral("application/json");
    const QByteArray text = QByteArrayLiteral("text/plain; charset=utf-8");
    switch (request.kind) {
    case HttpRoomRequest::Kind::Exists: {
        // and ram are floats: written by hand, JsonWriter only knows integers.
        const QByteArray body =
            QByteArrayLiteral("{\"cpu\":") + QByteArray::number(context.hostCpu.load(), 'f', 2) +
            ",\"ram\":" + QByteArray::number(context.hostMemory.load(), 'f', 2) +
            ",\"uo\":" + QByteArray::number(context.metrics().usersOnline.load()) +
            ",\"rf\":" + (host.find(request.room) ? "true" : "false") + '}';
        answer(request, 200, body, json);
        return;
    }
    case HttpRoomRequest::Kind::Delete:
        if (host.deleteRoom(request.room))
            answer(request, 200, QByteArrayLiteral("{\"deleted\":true}"), json);
        else
            answer(request, 404, errorBody(QStringLiteral("room not found"), true), json);
        return;
    case HttpRoomRequest::Kind::Retrieve:
    case HttpRoomRequest::Kind::Send:
        break;
    }

    if (host.isMoving(request.room)) {
        httpError(request, 503, QStringLiteral("the room is moving to another server, try again"));
        return;
    }
    Room *room = host.find(request.room);
    bool created = false;
    if (!room) {
        if (!request.password.isEmpty() && !request.newPassword) {
            host.hashNewPassword(request.password, [&host, request](PasswordHash hash) mutable {
                request.newPassword = std::move(hash);
                answerRoomCall(host, std::move(request));
            });
            return;
        }
        if (context.metrics().rooms.load(std::memory_order_relaxed) >=
            context.settings().maxRooms) {
            context.metrics().countRateLimited("rooms");
            httpError(request, 503,
                      QStringLiteral("this server has too many rooms, try again later"));
            return;
        }
        room = &host.create(request.room, QUuid(), request.newPassword.value_or(PasswordHash()));
        created = true;
    } else if (room->hasPassword() || !request.password.isEmpty()) {
        const bool checked = request.passwordMatches && request.checkedRoomId == room->id();
        if (!checked && room->hasPassword() && !request.password.isEmpty()) {
            if (!host.allowPasswordCheck(request.address, request.room)) {
                context.metrics().countRateLimited("password");
                httpError(request, 429,
                          QStringLiteral("too many password attempts, try again later"));
                return;
            }
            const QString roomId = room->id();
            host.verifyPassword(request.password, room->password(),
                                [&host, request, roomId](bool ok) mutable {
                                    request.passwordMatches = ok;
                                    request.checkedRoomId = roomId;
                                    answerRoomCall(host, std::move(request));
                                });
            return;
        }
        if (!checked || !*request.passwordMatches) {
            httpError(request, 403, QStringLiteral("invalid room password"));
            return;
        }
    }
    room->touch(proto::nowNanoseconds());
    if (request.kind == HttpRoomRequest::Kind::Retrieve) {
        RetrievalOptions options;
        options.json = request.json;
        options.quiet = request.quiet;
        options.last = request.last;
        options.fromId = request.fromId;
        answer(request, 200, retrievalBody(*room, created, options), request.json ? json : text);
        return;
    }
    if (!host.allowHttpSend(request.room, QDateTime::currentMSecsSinceEpoch())) {
        context.metrics().countRateLimited("http");
        httpError(request, 429, QStringLiteral("too many messages sent to this room, slow down"));
        return;
    }
    const qint64 receivedNs = proto::nowNanoseconds();
    RoomResult result = room->postExternal(validation::urlEncode(request.text), receivedNs);
    if (result.error == ErrorCode::ServerError) {
        httpError(request, 503,
                  QStringLiteral("this server holds as many messages as it may, try again later"));
        return;
    }
    if (result.error == ErrorCode::MessageTooLong) {
        httpError(request, 413,
                  QStringLiteral("message is too long (at most %1 characters)")
                      .arg(context.settings().room.limits.messageTextMax));
        return;
    }
    context.metrics().messagesReceived.Increment();
    host.broadcast(request.room, std::move(result), receivedNs);
    answer(request, 200, sendingBody(created, request.json), request.json ? json : text);
}

void importRoom(RoomHost &host, const QByteArray &snapshot, const HttpRoomRequest &request)
{
    ServerContext &context = host.context();
    if (host.find(request.room)) {
        httpError(request, 409, QStringLiteral("this server already holds the room"));
        return;
    }
    if (context.metrics().rooms.load(std::memory_order_relaxed) >= context.settings().maxRooms) {
        httpError(request, 503, QStringLiteral("this server holds as many rooms as it may"));
        return;
    }
    RoomSettings settings = context.settings().room;
    settings.serverBytes = &context.metrics().storedMessageBytes;
    QString error;
    RoomSnapshot::Problem problem = RoomSnapshot::Problem::None;
    std::unique_ptr<Room> room = RoomSnapshot::decode(snapshot, settings, &error, &problem);
    if (!room) {
        httpError(request, problem == RoomSnapshot::Problem::OverBudget ? 413 : 400, error);
        return;
    }
    if (room->name() != request.room) {
        httpError(request, 400, QStringLiteral("the snapshot's room name changed while reading"));
        return;
    }
    const qint64 messages = room->messageCount();
    host.adopt(std::move(room));
    proto::JsonWriter writer(64);
    writer.beginObject();
    writer.member("imported", true);
    writer.member("messages", messages);
    writer.endObject();
    answer(request, 200, writer.take(), QByteArrayLiteral("application/json"));
}

} // namespace ic::server
