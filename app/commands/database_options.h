// The --db and --config options of every command that uses the database, and the database they
// choose (services/database_session.h says in which order).
#pragma once

#include "app/config/config.h"
#include "app/services/database_session.h"

#include <QCommandLineParser>
#include <expected>
#include <string>
#include <utility>

namespace tickscope::app {

void addDatabaseOptions(QCommandLineParser &parser);

// The config file that --config names (or the default one, if it exists) and the database that
// --db or that file chooses; the error names what was wrong with the file.
std::expected<std::pair<Config, DatabaseTarget>, std::string> chooseDatabase(
    const QCommandLineParser &parser);

} // namespace tickscope::app
