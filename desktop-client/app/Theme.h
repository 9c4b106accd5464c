#pragma once
// Light/dark palettes on the Fusion style; "system" keeps the platform palette.

#include "AppSettings.h"

#include <QColor>
#include <QPalette>

namespace ic::desktop::theme {

// Applies the theme to the whole application.
void apply(AppSettings::Theme theme);
bool isDark(const QPalette &palette);
// Accent used for my own cards, focus and badges.
QColor accent(const QPalette &palette);
// A stable, readable colour for a user's name.
QColor nameColour(const QString &userId, const QPalette &palette);

} // namespace ic::desktop::theme
