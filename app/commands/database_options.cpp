#include "app/commands/database_options.h"

#include "db/connection.h"

#include <cstdio>

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
    if (cliConninfo && db::setsPassword(*cliConninfo))
        std::fputs("tickscope: warning: --db holds a password, which every user of this machine "
                   "can read in `ps`; keep it in ~/.pgpass or a passfile= instead\n",
            stderr);
    DatabaseTarget target = resolveDatabaseTarget(cliConninfo, *config);
    return std::pair{std::move(*config), std::move(target)};
}

} // namespace tickscope::app
