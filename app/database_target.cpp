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

void addDatabaseOptions(QCommandLineParser &parser)
{
    parser.addOptions({
        {QStringLiteral("db"), QStringLiteral("libpq conninfo string or postgresql:// URI."),
            QStringLiteral("conninfo")},
        {QStringLiteral("config"),
            QStringLiteral("Config file (default %1).").arg(defaultConfigPath()),
            QStringLiteral("file")},
    });
}

std::expected<std::pair<Config, DatabaseTarget>, std::string> chooseDatabase(
    const QCommandLineParser &parser)
{
    const bool explicitConfig = parser.isSet(QStringLiteral("config"));
    auto config
        = loadConfig(explicitConfig ? parser.value(QStringLiteral("config")) : defaultConfigPath(),
            explicitConfig);
    if (!config)
        return std::unexpected(config.error());
    const auto cliConninfo = parser.isSet(QStringLiteral("db"))
        ? std::optional{parser.value(QStringLiteral("db")).toStdString()}
        : std::nullopt;
    DatabaseTarget target = resolveDatabaseTarget(cliConninfo, *config);
    return std::pair{std::move(*config), std::move(target)};
}

} // namespace tickscope::app
