#include "protocol/ClientFrame.h"

#include "protocol/JsonWriter.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonParseError>
#include <QJsonValue>
#include <cmath>

namespace ic::proto {
namespace {

// Largest integer a JSON number (a double) holds exactly; ids and times stay below it.
constexpr double maxExactInteger = 9007199254740992.0;

bool readOptionalString(const QJsonObject &object, QLatin1StringView name,
                        std::optional<QString> &out)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined() || value.isNull())
        return true;
    if (!value.isString())
        return false;
    out = value.toString();
    return true;
}

bool readOptionalInteger(const QJsonObject &object, QLatin1StringView name,
                         std::optional<qint64> &out)
{
    const QJsonValue value = object.value(name);
    if (value.isUndefined() || value.isNull())
        return true;
    if (!value.isDouble())
        return false;
    const double number = value.toDouble();
    if (!std::isfinite(number) || std::trunc(number) != number ||
        std::fabs(number) > maxExactInteger)
        return false;
    out = qint64(number);
    return true;
}

} // namespace

DecodedClientFrame decodeClientFrame(const QByteArray &json)
{
    DecodedClientFrame result;
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        result.error = DecodeError::InvalidJson;
        return result;
    }
    if (!document.isObject()) {
        result.error = DecodeError::NotObject;
        return result;
    }
    const QJsonObject object = document.object();
    ClientFrame &frame = result.frame;
    auto wrong = [&result](QLatin1StringView key) {
        result.error = DecodeError::WrongType;
        result.wrongKey = key;
        return result;
    };

    // Command and request id first, so a wrongly typed frame can still be answered with its rq.
    const QJsonValue command = object.value(QLatin1StringView("c"));
    if (command.isString()) {
        frame.command = command.toString();
        frame.kind = commandFromCode(frame.command);
    }
    if (!readOptionalString(object, QLatin1StringView("rq"), frame.requestId))
        return wrong(QLatin1StringView("rq"));
    if (!command.isUndefined() && !command.isNull() && !command.isString())
        return wrong(QLatin1StringView("c"));

    const QJsonValue keepAlive = object.value(QLatin1StringView("kA"));
    if (!keepAlive.isUndefined() && !keepAlive.isNull()) {
        if (!keepAlive.isString())
            return wrong(QLatin1StringView("kA"));
        frame.keepAlive = keepAlive.toString() == QLatin1StringView("OK");
    }

    const QJsonValue room = object.value(QLatin1StringView("r"));
    if (!room.isUndefined() && !room.isNull()) {
        if (!room.isObject())
            return wrong(QLatin1StringView("r"));
        const QJsonObject roomObject = room.toObject();
        std::optional<QString> name, password;
        if (!readOptionalString(roomObject, QLatin1StringView("n"), name))
            return wrong(QLatin1StringView("r.n"));
        if (!readOptionalString(roomObject, QLatin1StringView("p"), password))
            return wrong(QLatin1StringView("r.p"));
        frame.hasRoom = true;
        frame.roomName = name.value_or(QString());
        frame.roomPassword = password.value_or(QString());
    }

    if (!readOptionalString(object, QLatin1StringView("uN"), frame.userName))
        return wrong(QLatin1StringView("uN"));

    const QJsonValue message = object.value(QLatin1StringView("m"));
    if (!message.isUndefined() && !message.isNull()) {
        if (!message.isObject())
            return wrong(QLatin1StringView("m"));
        const QJsonObject messageObject = message.toObject();
        ClientMessage parsed;
        std::optional<QString> text;
        if (!readOptionalInteger(messageObject, QLatin1StringView("id"), parsed.id))
            return wrong(QLatin1StringView("m.id"));
        if (!readOptionalString(messageObject, QLatin1StringView("t"), text))
            return wrong(QLatin1StringView("m.t"));
        if (!readOptionalString(messageObject, QLatin1StringView("rU"), parsed.replyUser))
            return wrong(QLatin1StringView("m.rU"));
        if (!readOptionalInteger(messageObject, QLatin1StringView("rM"), parsed.replyMessage))
            return wrong(QLatin1StringView("m.rM"));
        parsed.text = text.value_or(QString());
        frame.message = std::move(parsed);
    }

    const QJsonValue support = object.value(QLatin1StringView("srM"));
    if (!support.isUndefined() && !support.isNull()) {
        if (!support.isBool())
            return wrong(QLatin1StringView("srM"));
        frame.support = support.toBool();
    }
    return result;
}

QByteArray encodeClientFrame(const ClientFrame &frame)
{
    JsonWriter writer;
    writer.beginObject();
    if (frame.keepAlive)
        writer.member("kA", u"OK");
    if (!frame.command.isEmpty())
        writer.member("c", frame.command);
    else if (frame.kind != Command::Unknown)
        writer.member("c", QString(commandCode(frame.kind)));
    if (frame.requestId)
        writer.member("rq", *frame.requestId);
    if (frame.hasRoom) {
        writer.key("r");
        writer.beginObject();
        writer.member("n", frame.roomName);
        writer.member("p", frame.roomPassword);
        writer.endObject();
    }
    if (frame.userName) {
        writer.member("uN", *frame.userName);
    } else if (frame.hasRoom) {
        writer.key("uN");
        writer.nullValue();
    }
    if (frame.message) {
        const ClientMessage &message = *frame.message;
        writer.key("m");
        writer.beginObject();
        if (message.id)
            writer.member("id", *message.id);
        writer.member("t", message.text);
        writer.key("rU");
        message.replyUser ? writer.value(*message.replyUser) : writer.nullValue();
        writer.key("rM");
        message.replyMessage ? writer.value(*message.replyMessage) : writer.nullValue();
        writer.endObject();
    }
    if (frame.support)
        writer.member("srM", *frame.support);
    writer.endObject();
    return writer.take();
}

InitFrame decodeInitFrame(const QByteArray &json)
{
    InitFrame init;
    // QJsonDocument refuses top-level scalars, so the literal `null` is recognised here.
    if (json.trimmed() == "null") {
        init.accepted = true;
        return init;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return init;
    init.accepted = true;
    const QJsonObject object = document.object();
    init.platform = object.value(QLatin1StringView("p")).toString();
    const QJsonValue version = object.value(QLatin1StringView("pv"));
    if (version.isDouble()) {
        const double number = version.toDouble();
        if (std::isfinite(number) && number >= 1 && number <= 1000)
            init.protocolVersion = int(number);
    }
    return init;
}

QByteArray encodeInitFrame(const QString &platform, int protocolVersion)
{
    JsonWriter writer(64);
    writer.beginObject();
    writer.member("p", platform);
    if (protocolVersion > 1)
        writer.member("pv", qint64(protocolVersion));
    writer.endObject();
    return writer.take();
}

QByteArray keepAliveFrame()
{
    return QByteArrayLiteral("{\"kA\":\"OK\"}");
}

} // namespace ic::proto
