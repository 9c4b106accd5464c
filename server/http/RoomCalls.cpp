#include "http/RoomCalls.h"

#include "core/ServerContext.h"
#include "http/PlainHttpReplies.h"
#include "protocol/JsonWriter.h"
#include "protocol/ServerFrame.h"
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
    request.home->deliver(request.connection, std::move(delivery));
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
    // Through the host, which records the change for the room's replica.
    host.touch(request.room, proto::nowNanoseconds());
    if (request.kind == HttpRoomRequest::Kind::Retrieve) {
        RetrievalOptions options;
        options.json = request.json;
        options.quiet = request.quiet;
        options.last = request.last;
        options.fromId = request.fromId;
        const QByteArray body = retrievalBody(*room, created, options);
        if (!created) {
            answer(request, 200, body, request.json ? json : text);
            return;
        }
        // A room this call created is answered once its copy exists, like a WebSocket join.
        host.whenReplicated(request.room, [request, body, json, text](bool replicated) {
            if (replicated)
                answer(request, 200, body, request.json ? json : text);
            else
                httpError(request, 503,
                          QStringLiteral("the room moved to another server, try again"));
        });
        return;
    }
    if (!host.allowHttpSend(request.room, QDateTime::currentMSecsSinceEpoch())) {
        context.metrics().countRateLimited("http");
        httpError(request, 429, QStringLiteral("too many messages sent to this room, slow down"));
        return;
    }
    const qint64 receivedNs = proto::nowNanoseconds();
    RoomResult result =
        host.postExternal(request.room, validation::urlEncode(request.text), receivedNs);
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
    // The sender's answer, like a member's RP, waits until the room's copy has the message.
    host.whenReplicated(request.room, [request, created, json, text](bool replicated) {
        if (replicated)
            answer(request, 200, sendingBody(created, request.json), request.json ? json : text);
        else
            httpError(request, 503, QStringLiteral("the room moved to another server, try again"));
    });
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

void applyReplicaBatch(RoomHost &host, const QByteArray &batch, const HttpRoomRequest &request)
{
    const RoomHost::ReplicaApplied applied = host.applyReplica(batch);
    const QByteArray json = QByteArrayLiteral("application/json");
    proto::JsonWriter writer(128);
    writer.beginObject();
    switch (applied.status) {
    case RoomHost::ReplicaApplied::Ok:
        writer.member("acked", qint64(applied.seq));
        writer.member("instance", host.context().instance());
        writer.endObject();
        answer(request, 200, writer.take(), json);
        return;
    case RoomHost::ReplicaApplied::Resync:
        writer.member("resync", true);
        writer.member("error", QStringLiteral("error: this server's copy of the room is missing or "
                                              "differs: send the whole room (Init)"));
        writer.endObject();
        answer(request, 409, writer.take(), json);
        return;
    case RoomHost::ReplicaApplied::Promoted:
        writer.member("promoted", true);
        writer.member("error", QStringLiteral("error: this server holds the room as a live room "
                                              "now: the sender is no longer its primary"));
        writer.endObject();
        answer(request, 410, writer.take(), json);
        return;
    case RoomHost::ReplicaApplied::OverBudget:
        httpError(request, 413, applied.error);
        return;
    case RoomHost::ReplicaApplied::Malformed:
        break;
    }
    httpError(request, 400,
              applied.error.isEmpty() ? QStringLiteral("the replica batch is malformed")
                                      : applied.error);
}

} // namespace ic::server
