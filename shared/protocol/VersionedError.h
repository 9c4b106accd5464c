#pragma once
// The error code a session is sent, by its protocol version (docs/protocol.md §7.1).

#include "protocol/Codes.h"

namespace ic::proto {

// Extension codes (RateLimited) are unknown to v1 clients, which get InvalidInput instead.
// Every ER the server sends, and its error metrics, go through this.
constexpr ErrorCode errorForVersion(ErrorCode code, int protocolVersion)
{
    return code == ErrorCode::RateLimited && protocolVersion < protocolVersionExtensions
               ? ErrorCode::InvalidInput
               : code;
}

} // namespace ic::proto
