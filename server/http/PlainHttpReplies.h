#pragma once
// Reply bodies of the plain-HTTP room calls (docs/protocol.md §9): /r/ and /s/ as the balancer
// forwards them to /direct_retrieval and /direct_sending.

#include "rooms/Room.h"

#include <QByteArray>
#include <optional>

namespace ic::server {

struct RetrievalOptions
{
    bool json = false;
    bool quiet = false;
    std::optional<qint64> last;
    std::optional<qint64> fromId;
};

QByteArray retrievalBody(const Room &room, bool created, const RetrievalOptions &options);
QByteArray sendingBody(bool created, bool json);
// `error: <sentence>` or {"error":"error: <sentence>"}
QByteArray errorBody(const QString &sentence, bool json);

} // namespace ic::server
