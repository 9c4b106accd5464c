#pragma once
// The JSON answer of the balancer's GET /pick_backend?roomName=<name> (docs/protocol.md §2.1):
// {"bA": "<server host:port or gateway route>", "e": "<English sentence, empty on success>",
//  "aN": ["<suffix>", ...] (free alternative names "<room>-<suffix>"; null on error)}.
// The balancer writes it and ChatClient reads it; the short keys are the v1 wire format.

#include <QLatin1StringView>

namespace ic::proto::pick {

inline constexpr QLatin1StringView backendAddressKey{"bA"};
inline constexpr QLatin1StringView errorKey{"e"};
inline constexpr QLatin1StringView alternativeNamesKey{"aN"};

} // namespace ic::proto::pick
