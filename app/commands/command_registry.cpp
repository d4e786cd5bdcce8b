#include "app/commands/command_registry.h"

#include <algorithm>

namespace tickscope::app {

// Defined each in its own <name>_command.cpp.
int runLocalDbCommand(const QStringList &arguments);
int runMigrateCommand(const QStringList &arguments);
int runIngestCommand(const QStringList &arguments);
int runReplayCommand(const QStringList &arguments);
int runSimCommand(const QStringList &arguments);
int runBarsCommand(const QStringList &arguments);
int runPoliciesCommand(const QStringList &arguments);
int runExportCommand(const QStringList &arguments);
int runBackupCommand(const QStringList &arguments);
int runStatusCommand(const QStringList &arguments);
int runGapsCommand(const QStringList &arguments);

const std::vector<Command> &commands()
{
    static const std::vector<Command> kCommands{
        {QStringLiteral("local-db"),
            QStringLiteral("create, start, stop or inspect the embedded database"),
            runLocalDbCommand},
        {QStringLiteral("migrate"), QStringLiteral("apply or list schema migrations"),
            runMigrateCommand},
        {QStringLiteral("ingest"),
            QStringLiteral("run the configured exchange feeds into the database, headless"),
            runIngestCommand},
        {QStringLiteral("replay"),
            QStringLiteral("replay a capture or a journal: report gaps and books, or write it"),
            runReplayCommand},
        {QStringLiteral("policies"),
            QStringLiteral("show or apply storage policies, or run their jobs once"),
            runPoliciesCommand},
        {QStringLiteral("bars"),
            QStringLiteral("time, tick, volume or dollar bars of stored trades, with indicators"),
            runBarsCommand},
        {QStringLiteral("export"),
            QStringLiteral("trades of a time range as CSV for ML and backtests, point in time"),
            runExportCommand},
        {QStringLiteral("backup"),
            QStringLiteral("set up, take, list or verify backups (pgBackRest, WAL archiving)"),
            runBackupCommand},
        {QStringLiteral("gaps"),
            QStringLiteral("the gaps in the data and the daily completeness ledger"),
            runGapsCommand},
        {QStringLiteral("status"),
            QStringLiteral("the database in use; --replication: standbys, slots, lag, disk runway"),
            runStatusCommand},
        {QStringLiteral("sim"),
            QStringLiteral("a simulated exchange on loopback, for demos and load"), runSimCommand},
    };
    return kCommands;
}

const Command *findCommand(const QString &name)
{
    const auto &all = commands();
    const auto found = std::ranges::find(all, name, &Command::name);
    return found == all.end() ? nullptr : &*found;
}

QString commandSummaries()
{
    QString text;
    for (const auto &command : commands())
        text += QStringLiteral("  %1 %2\n").arg(command.name.leftJustified(10), command.summary);
    return text;
}

} // namespace tickscope::app
