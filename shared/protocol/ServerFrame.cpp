#include "protocol/ServerFrame.h"

#include "protocol/JsonWriter.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <chrono>

namespace ic::proto {
namespace {

void writeMessage(JsonWriter &writer, const WireMessage &message)
{
    writer.beginObject();
    if (message.id)
        writer.member("id", *message.id);
    if (message.text)
        writer.member("t", *message.text);
    if (message.supportCount)
        writer.member("sC", *message.supportCount);
    if (message.rejectCount)
        writer.member("rC", *message.rejectCount);
    if (message.lastEdited)
        writer.member("lE", *message.lastEdited);
    if (message.lastVoted)
        writer.member("lV", *message.lastVoted);
    if (message.replyUser)
        writer.member("rU", *message.replyUser);
    if (message.replyMessage)
        writer.member("rM", *message.replyMessage);
    if (message.userId)
        writer.member("uId", *message.userId);
    if (message.createdAt)
        writer.member("cAt", *message.createdAt);
    writer.endObject();
}

void writeOptional(JsonWriter &writer, const char *name, const std::optional<QString> &value)
{
    if (value)
        writer.member(name, *value);
}

void writeIds(JsonWriter &writer, const char *name, const QStringList &ids)
{
    writer.key(name);
    writer.beginArray();
    for (const QString &id : ids)
        writer.value(id);
    writer.endArray();
}

std::optional<QString> optionalString(const QJsonObject &object, QLatin1StringView name)
{
    const QJsonValue value = object.value(name);
    if (!value.isString())
        return std::nullopt;
    return value.toString();
}

std::optional<qint64> optionalInteger(const QJsonObject &object, QLatin1StringView name)
{
    const QJsonValue value = object.value(name);
    if (!value.isDouble())
        return std::nullopt;
    return value.toInteger();
}

} // namespace

ErrorCode ServerFrame::errorCode() const
{
    if (kind() != Command::Error || !messages || messages->isEmpty() || !messages->first().text)
        return ErrorCode::None;
    bool ok = false;
    const int code = messages->first().text->toInt(&ok);
    return ok ? ErrorCode(code) : ErrorCode::ServerError;
}

QByteArray encodeMessage(const WireMessage &message)
{
    JsonWriter writer(96 + (message.text ? message.text->size() : 0));
    writeMessage(writer, message);
    return writer.take();
}

QByteArray encodeServerFrame(const ServerFrame &frame)
{
    qsizetype reserve = 128;
    if (frame.messages) {
        for (const WireMessage &message : *frame.messages)
            reserve += 96 + (message.text ? message.text->size() : 0);
    }
    if (frame.users)
        reserve += frame.users->size() * 80;
    if (frame.voters) {
        for (const WireVoters &entry : *frame.voters)
            reserve += 32 + 39 * (entry.support.size() + entry.reject.size());
    }
    JsonWriter writer(reserve);
    writer.beginObject();
    writer.member("c", frame.command);
    writeOptional(writer, "rq", frame.requestId);
    writeOptional(writer, "pd", frame.details);
    if (frame.messages) {
        writer.key("m");
        writer.beginArray();
        for (const WireMessage &message : *frame.messages)
            writeMessage(writer, message);
        writer.endArray();
    }
    writeOptional(writer, "rId", frame.roomId);
    writeOptional(writer, "uId", frame.userId);
    writeOptional(writer, "rCuId", frame.creatorUserId);
    if (frame.time)
        writer.member("cAt", *frame.time);
    if (frame.users) {
        writer.key("rU");
        writer.beginArray();
        for (const WireUser &user : *frame.users) {
            writer.beginObject();
            writer.member("uId", user.id);
            writer.member("n", user.name);
            writer.member("an", user.anonymous);
            writer.member("o", user.online);
            writer.endObject();
        }
        writer.endArray();
    }
    writeOptional(writer, "bN", frame.build);
    writeOptional(writer, "sS", frame.status);
    if (frame.memberVersion)
        writer.member("mV", *frame.memberVersion);
    writeOptional(writer, "mA", frame.memberAction);
    if (frame.voters) {
        writer.key("vU");
        writer.beginArray();
        for (const WireVoters &entry : *frame.voters) {
            writer.beginObject();
            writer.member("id", entry.id);
            writeIds(writer, "s", entry.support);
            writeIds(writer, "r", entry.reject);
            writer.endObject();
        }
        writer.endArray();
    }
    writer.endObject();
    return writer.take();
}

QByteArray encodeErrorFrame(ErrorCode code, const std::optional<QString> &requestId, qint64 timeNs)
{
    JsonWriter writer(96);
    writer.beginObject();
    writer.member("c", u"ER");
    if (requestId)
        writer.member("rq", *requestId);
    writer.key("m");
    writer.beginArray();
    writer.beginObject();
    writer.member("t", QString::number(int(code)));
    writer.endObject();
    writer.endArray();
    writer.member("cAt", timeNs);
    writer.endObject();
    return writer.take();
}

std::optional<ServerFrame> decodeServerFrame(const QByteArray &json)
{
    const QJsonDocument document = QJsonDocument::fromJson(json);
    if (!document.isObject())
        return std::nullopt;
    const QJsonObject object = document.object();
    ServerFrame frame;
    frame.command = object.value(QLatin1StringView("c")).toString();
    frame.requestId = optionalString(object, QLatin1StringView("rq"));
    frame.details = optionalString(object, QLatin1StringView("pd"));
    frame.roomId = optionalString(object, QLatin1StringView("rId"));
    frame.userId = optionalString(object, QLatin1StringView("uId"));
    frame.creatorUserId = optionalString(object, QLatin1StringView("rCuId"));
    frame.time = optionalInteger(object, QLatin1StringView("cAt"));
    frame.build = optionalString(object, QLatin1StringView("bN"));
    frame.status = optionalString(object, QLatin1StringView("sS"));
    frame.memberVersion = optionalInteger(object, QLatin1StringView("mV"));
    frame.memberAction = optionalString(object, QLatin1StringView("mA"));
    const QJsonValue messages = object.value(QLatin1StringView("m"));
    if (messages.isArray()) {
        QList<WireMessage> list;
        const QJsonArray array = messages.toArray();
        list.reserve(array.size());
        for (const QJsonValue &value : array) {
            const QJsonObject m = value.toObject();
            WireMessage message;
            message.id = optionalInteger(m, QLatin1StringView("id"));
            message.text = optionalString(m, QLatin1StringView("t"));
            message.supportCount = optionalInteger(m, QLatin1StringView("sC"));
            message.rejectCount = optionalInteger(m, QLatin1StringView("rC"));
            message.lastEdited = optionalInteger(m, QLatin1StringView("lE"));
            message.lastVoted = optionalInteger(m, QLatin1StringView("lV"));
            message.replyUser = optionalString(m, QLatin1StringView("rU"));
            message.replyMessage = optionalInteger(m, QLatin1StringView("rM"));
            message.userId = optionalString(m, QLatin1StringView("uId"));
            message.createdAt = optionalInteger(m, QLatin1StringView("cAt"));
            list.append(std::move(message));
        }
        frame.messages = std::move(list);
    }
    const QJsonValue voters = object.value(QLatin1StringView("vU"));
    if (voters.isArray()) {
        QList<WireVoters> list;
        const auto ids = [](const QJsonValue &value) {
            QStringList out;
            for (const QJsonValue &id : value.toArray())
                out.append(id.toString());
            return out;
        };
        for (const QJsonValue &value : voters.toArray()) {
            const QJsonObject v = value.toObject();
            list.append({v.value(QLatin1StringView("id")).toInteger(),
                         ids(v.value(QLatin1StringView("s"))),
                         ids(v.value(QLatin1StringView("r")))});
        }
        frame.voters = std::move(list);
    }
    const QJsonValue users = object.value(QLatin1StringView("rU"));
    if (users.isArray()) {
        QList<WireUser> list;
        for (const QJsonValue &value : users.toArray()) {
            const QJsonObject u = value.toObject();
            list.append({u.value(QLatin1StringView("uId")).toString(),
                         u.value(QLatin1StringView("n")).toString(),
                         u.value(QLatin1StringView("an")).toBool(),
                         u.value(QLatin1StringView("o")).toBool()});
        }
        frame.users = std::move(list);
    }
    return frame;
}

qint64 nowNanoseconds()
{
    using namespace std::chrono;
    return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

qint64 nowSeconds()
{
    return QDateTime::currentSecsSinceEpoch();
}

} // namespace ic::proto
