#include "app/commands/database_options.h"

namespace tickscope::app {

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
