#include "app/database_target.h"

#include <QtGlobal>

namespace tickscope::app {

DatabaseTarget resolveDatabaseTarget(
    const std::optional<std::string> &cliConninfo, const Config &config)
{
    if (cliConninfo)
        return {*cliConninfo, false, "--db"};
    if (config.databaseConninfo)
        return {*config.databaseConninfo, false, "config file " + config.path.toStdString()};
    for (const char *variable :
        {"PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"}) {
        if (qEnvironmentVariableIsSet(variable))
            return {"", false, std::string("environment (") + variable + ")"};
    }
    return {"", true, "embedded local database"};
}

} // namespace tickscope::app
