#pragma once
// One line per event on stderr ("2026-11-27T18:00:00.123Z info server: text"), so journald and
// docker logs keep them as they are. Under systemd (JOURNAL_STREAM set) each line starts with
// its syslog priority ("<4>" for a warning), which journald strips and stores, so
// `journalctl -p warning` filters. Never log message texts or passwords.

#include <QLoggingCategory>
#include <QString>

namespace ic::log {

// Level names: debug, info, warning, error. Returns false for an unknown name.
// JOURNAL_STREAM in the environment turns on the "<N>" priority prefix.
bool install(const QString &level);

// One log line, newline included; `journal` adds the syslog priority prefix.
QByteArray formatLine(QtMsgType type, const char *category, const QString &message, bool journal);

} // namespace ic::log
