// Which database a command talks to: --db, else the config file's [database] conninfo, else the
// server that libpq's PG* variables or service file name, else the embedded local database.
#pragma once

#include "app/config.h"

#include <QCommandLineParser>
#include <expected>
#include <optional>
#include <string>
#include <utility>

namespace tickscope::app {

struct DatabaseTarget
{
    std::string conninfo; // empty with `embedded`: known once the local server is up
    bool embedded = false;
    std::string source; // how it was chosen, for messages: "--db", "config file ...", ...
};

DatabaseTarget resolveDatabaseTarget(
    const std::optional<std::string> &cliConninfo, const Config &config);

// The --db and --config options of every command that uses the database.
void addDatabaseOptions(QCommandLineParser &parser);

// The config file that --config names (or the default one, if it exists) and the database that
// --db or that file chooses; the error names what was wrong with the file.
std::expected<std::pair<Config, DatabaseTarget>, std::string> chooseDatabase(
    const QCommandLineParser &parser);

} // namespace tickscope::app
