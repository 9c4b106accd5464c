#pragma once
// Icons drawn with QPainter (no image assets to ship or license).

#include <QIcon>
#include <QPixmap>

namespace ic::desktop::icons {

// Speech bubble in the accent colour.
QIcon app();
// The app icon with a red count badge (tray); 0 = plain.
QIcon tray(int unread, bool mention);
// A small round badge with a number, for tabs; mentions use "@".
QIcon badge(int count, bool mention);
QIcon pen();

} // namespace ic::desktop::icons
