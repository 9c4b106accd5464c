#pragma once
// One line per event on stderr ("2026-11-27T18:00:00.123Z info server: text"), so journald and
// docker logs keep them as they are. Never log message texts or passwords.

#include <QLoggingCategory>
#include <QString>

namespace ic::log {

// Level names: debug, info, warning, error. Returns false for an unknown name.
bool install(const QString &level);

} // namespace ic::log
