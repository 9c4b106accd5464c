#pragma once
// The plain-HTTP room calls (/r/<room>, /s/<room> on the balancer; /direct_retrieval,
// /direct_sending on the servers): the room password travels in the request header X-Room-Password,
// never in the URL, so proxies' and gateways' access logs cannot record it. The query parameter `p`
// is still accepted from old clients (deprecated); the balancer moves it into the header before
// forwarding.

namespace ic::proto {

// Lower case: the server matches header names as its parser stores them (lower case).
inline constexpr char roomPasswordHeader[] = "x-room-password";
inline constexpr char deprecatedPasswordQueryItem[] = "p";

} // namespace ic::proto
