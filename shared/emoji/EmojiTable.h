#pragma once
// The emoji table of both pickers (emoji/emoji.txt, its format is in its header), compiled into
// each program that links instantchat-emoji: the desktop app reads it, the balancer serves it to
// browsers as /static/emoji.txt.

#include <QByteArray>
#include <QString>

namespace ic::emoji {

// The table as a Qt resource path (for QFile and the balancer's file cache).
QString tablePath();
// The table's bytes (UTF-8); empty only if the resource was not linked in.
QByteArray tableText();

} // namespace ic::emoji
