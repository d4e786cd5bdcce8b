// Light and dark palettes for the whole application: following the desktop's colour scheme (and
// its changes while running) unless the operator chose one in View > Theme; the choice is kept in
// QSettings. The main window applies it at start.
#pragma once

#include <QString>

namespace tickscope::ui {

enum class Theme { FollowDesktop, Light, Dark };

Theme savedTheme();
void saveTheme(Theme theme);
// Sets the application's style and palette; with FollowDesktop, again whenever the desktop's
// scheme changes.
void applyTheme(Theme theme);
// Whether the palette in use is the dark one.
bool darkPaletteInUse();

} // namespace tickscope::ui
