#pragma once
// The server's flags (docs/interfaces.md): declared once, read once into ServerSettings (flag >
// environment > INI file > default, via shared/config).

#include "core/ServerSettings.h"

namespace ic::config {
class Configuration;
}

namespace ic::server {

// Adds every server setting to `configuration` (before parse()).
void declareServerSettings(config::Configuration &configuration);
// Reads the parsed values; false with `error` set when a value is unusable.
bool readServerSettings(const config::Configuration &configuration, ServerSettings &settings,
                        QString *error);
// Sets s.room.roomBytesMax from --room-memory (`requested`, 0 = derived) so that a join's frames
// fit in --outbound-limit next to the largest member list; false with `error` when they cannot.
bool sizeRoomBudget(ServerSettings &settings, qint64 requested, QString *error);
// Completes `advertise` and `serverId` once the real port is known (port 0 = ephemeral).
void completeAddresses(ServerSettings &settings, quint16 actualPort);

} // namespace ic::server
