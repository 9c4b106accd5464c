#pragma once
// Room passwords are stored only as PBKDF2-HMAC-SHA256 with a random salt. Slow on purpose:
// call these on a thread pool, never on an event-loop thread.

#include "rooms/Room.h"

namespace ic::server {

inline constexpr int passwordIterations = 100000;

PasswordHash hashPassword(const QString &password);
bool passwordMatches(const QString &password, const PasswordHash &hash);

} // namespace ic::server
