// Tickscope's one configuration file (TOML). Only what the user wrote is in it; what is missing
// takes the defaults of the code that uses it. Unknown keys are errors, so a typo never passes
// silently.
#pragma once

#include <QString>
#include <expected>
#include <optional>
#include <string>

namespace tickscope::app {

struct Config
{
    QString path; // the file it was read from; empty when none was
    std::optional<std::string> databaseConninfo; // [database] conninfo: libpq string or URI
};

// $XDG_CONFIG_HOME/tickscope/tickscope.toml (~/.config/tickscope/tickscope.toml).
QString defaultConfigPath();

// Reads `path`. A missing file is an error only when the user named it (`explicitPath`).
std::expected<Config, std::string> loadConfig(const QString &path, bool explicitPath);

} // namespace tickscope::app
