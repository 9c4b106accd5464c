#include "http/PlainHttpReplies.h"

#include "protocol/JsonWriter.h"
#include "validation/UrlEncoding.h"

namespace ic::server {

QByteArray retrievalBody(const Room &room, bool created, const RetrievalOptions &options)
{
    const auto &messages = room.messages();
    auto first = messages.begin();
    if (options.fromId) {
        while (first != messages.end() && first->id < *options.fromId)
            ++first;
    }
    qsizetype available = messages.end() - first;
    if (options.last && *options.last >= 0 && *options.last < available) {
        first = messages.end() - *options.last;
        available = *options.last;
    }

    if (options.json) {
        proto::JsonWriter writer(256 + available * 96);
        writer.beginObject();
        writer.member("createdNewRoom", created);
        writer.key("messages");
        writer.beginArray();
        for (auto it = first; it != messages.end(); ++it) {
            writer.beginObject();
            writer.member("id", it->id);
            writer.member("text", validation::urlDecode(it->text));
            writer.member("userName", room.userName(it->userId));
            writer.endObject();
        }
        writer.endArray();
        writer.member("messagesCount", qint64(available));
        writer.member("totalRoomMessagesCount", qint64(messages.size()));
        writer.endObject();
        return writer.take();
    }

    // "Universal access" and "universally accessible" are the original project's words for these
    // calls; scripts match these lines, so the text stays as it was (docs/protocol.md §9).
    QString text;
    if (!options.quiet) {
        text += QStringLiteral(
                    "Universal access to chat room \"%1\". Room password in the X-Room-Password "
                    "header. Parameters: "
                    "l=<show only the last N messages>, id=<show messages from this id on>, "
                    "format=json (JSON reply), quite=true (hide this help). Send with "
                    "/s/<room>?m=<text>.\n\n")
                    .arg(room.name());
    }
    text += QStringLiteral(
                "Showing %1 of %2 universally accessible chat room messages below this line\n")
                .arg(available)
                .arg(messages.size());
    if (created)
        text += QStringLiteral("system: you have just created this room\n");
    for (auto it = first; it != messages.end(); ++it) {
        text += u'#' + QString::number(it->id) + u' ' + room.userName(it->userId) +
                QStringLiteral(": ") + validation::urlDecode(it->text) + u'\n';
    }
    return text.toUtf8();
}

QByteArray sendingBody(bool created, bool json)
{
    if (json) {
        proto::JsonWriter writer(64);
        writer.beginObject();
        writer.member("createdNewRoom", created);
        writer.member("responseText", u"message sent");
        writer.endObject();
        return writer.take();
    }
    return created ? QByteArrayLiteral("Created new room!\n\nmessage sent\n")
                   : QByteArrayLiteral("message sent\n");
}

QByteArray errorBody(const QString &sentence, bool json)
{
    const QString text = QStringLiteral("error: ") + sentence;
    if (json) {
        proto::JsonWriter writer(64 + text.size());
        writer.beginObject();
        writer.member("error", text);
        writer.endObject();
        return writer.take();
    }
    return text.toUtf8() + '\n';
}

} // namespace ic::server
