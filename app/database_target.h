// Which database a command talks to: --db, else the config file's [database] conninfo, else the
// server that libpq's PG* variables or service file name, else the embedded local database.
#pragma once

#include "app/config.h"

#include <optional>
#include <string>

namespace tickscope::app {

struct DatabaseTarget
{
    std::string conninfo; // empty with `embedded`: known once the local server is up
    bool embedded = false;
    std::string source; // how it was chosen, for messages: "--db", "config file ...", ...
};

DatabaseTarget resolveDatabaseTarget(
    const std::optional<std::string> &cliConninfo, const Config &config);

} // namespace tickscope::app
