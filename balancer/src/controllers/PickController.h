#pragma once
// GET /pick_backend?roomName=<name> (docs/protocol.md §2.1, §8): JSON {"bA","e","aN"}.

#include "Balancer.h"
#include "core/Controller.h"

#include <optional>

namespace ic::balancer {

class PickController : public Controller
{
public:
    explicit PickController(BalancerContext *context) : m_context(context) {}
    bool dispatch(const Request &request, const ReplyPtr &reply) override;

private:
    BalancerContext *m_context;
};

struct RoomName
{
    QString canonical; // valid canonical name, empty on error
    QString error;     // English sentence on error
};
// Checks a room name that has already been percent-decoded.
RoomName checkedRoomName(const QString &decoded);
// A room name from a percent-encoded path segment ("/r/<segment>"): strict UTF-8 decoding;
// a segment that decodes to text containing '/' is refused.
RoomName roomFromPathSegment(const QString &encodedSegment);

} // namespace ic::balancer
