#include "app/cli/cli.h"
#include "app/cli/progress_bar.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/ops/backup_overview.h"
#include "app/ops/local_server.h"
#include "app/services/backup_operations.h"
#include "app/services/client_identity.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "ui/format.h"

#include <QDir>
#include <QFile>
#include <chrono>
#include <format>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("backup");
const QString kActions = QStringLiteral("setup|run|list|verify");

QString overviewText(const model::BackupOverview &overview)
{
    QString text;
    const auto &inventory = overview.inventory;
    if (!overview.error.empty())
        text += QStringLiteral("backups: cannot be listed: %1\n")
                    .arg(QString::fromStdString(overview.error));
    else {
        text += QStringLiteral("stanza %1: %2\n")
                    .arg(QString::fromStdString(inventory.stanza),
                        QString::fromStdString(inventory.status));
        std::string table = std::format("{:<34}  {:<4}  {:<19}  {:<19}  {:>9}  {:>9}  {}\n",
            "LABEL", "TYPE", "STARTED (UTC)", "STOPPED (UTC)", "DATABASE", "ADDED", "WAL");
        for (const auto &backup : inventory.backups)
            table += std::format("{:<34}  {:<4}  {:<19}  {:<19}  {:>9}  {:>9}  {}..{}{}\n",
                backup.label, model::backupTypeName(backup.type),
                ui::format::unixTime(backup.startedAtUnix).toStdString(),
                ui::format::unixTime(backup.stoppedAtUnix).toStdString(),
                ui::format::bytes(backup.databaseBytes).toStdString(),
                ui::format::bytes(backup.repositoryBytes).toStdString(), backup.walStart,
                backup.walStop, backup.error ? "  PAGE CHECKSUM ERRORS" : "");
        text += inventory.backups.empty() ? QStringLiteral("no backups yet\n")
                                          : QString::fromStdString(table);
        if (!inventory.walMin.empty())
            text += QStringLiteral("WAL archive: %1 .. %2\n")
                        .arg(QString::fromStdString(inventory.walMin),
                            QString::fromStdString(inventory.walMax));
    }
    const auto &archiver = overview.archiver;
    text += archiver.archiving
        ? QStringLiteral("archiver: %1 archived, last %2 at %3; %4 failed%5; %6 segment(s) "
                         "waiting\n")
              .arg(archiver.archivedCount)
              .arg(QString::fromStdString(archiver.lastArchivedWal),
                  ui::format::unixTime(archiver.lastArchivedAtUnix))
              .arg(archiver.failedCount)
              .arg(archiver.failing() ? QStringLiteral(" - FAILING since %1 (%2)")
                                            .arg(ui::format::unixTime(archiver.lastFailedAtUnix),
                                                QString::fromStdString(archiver.lastFailedWal))
                                      : QString())
              .arg(archiver.readySegments)
        : QStringLiteral("archiver: off (archive_mode = off): nothing after the newest backup "
                         "can be restored; `tickscope backup setup` turns it on\n");
    const auto &window = overview.window;
    if (!window.fromUnix) {
        text += QStringLiteral("recoverable: nothing yet (no sound backup)\n");
        return text;
    }
    text += QStringLiteral("recoverable: any instant from %1 (end of the oldest backup) to %2 "
                           "(%3)\n")
                .arg(ui::format::unixTime(window.fromUnix), ui::format::unixTime(window.toUnix),
                    archiver.archiving ? QStringLiteral("last archived WAL")
                                       : QStringLiteral("end of the newest backup"));
    if (window.gaps.empty()) {
        text += QStringLiteral("data gaps in that window: none\n");
        return text;
    }
    text
        += QStringLiteral("data gaps in that window (a restore to these instants is not whole):\n");
    for (const auto &gap : window.gaps)
        text += QStringLiteral("  %1 .. %2  %3 %4  %5  %6\n")
                    .arg(ui::format::microsTime(gap.fromUnixMicros),
                        ui::format::microsTime(gap.toUnixMicros),
                        QString::fromStdString(gap.exchange), QString::fromStdString(gap.symbol),
                        QString::fromStdString(gap.kind), QString::fromStdString(gap.status));
    return text;
}

} // namespace

int runBackupCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Backups through pgBackRest, with WAL archiving, so that the database can be "
            "restored to any instant since the oldest backup.\n\n"
            "  setup    the embedded database: a repository beside it, WAL archiving through "
            "pgBackRest\n"
            "           (restarts the server once), the stanza; elsewhere: the stanza and "
            "pgBackRest's check\n"
            "  run      take a backup: --type full, diff or incr\n"
            "  list     the backups, the WAL archiver, and the instants a restore can reach,\n"
            "           with the data gaps inside them\n"
            "  verify   pgBackRest's verify of the repository, then a restore drill: the latest\n"
            "           backup restored into a scratch cluster on a free port, compared with "
            "the\n"
            "           source row by row (counts and checksums), then removed\n\n"
            "A remote or containerised server: [backup] command in the config file says how to "
            "run pgBackRest there. Every run is recorded in audit.operator_actions."));
    parser.addPositionalArgument(QStringLiteral("action"), kActions);
    parser.addOption({QStringLiteral("type"),
        QStringLiteral("With run: full, diff (since the last full) or incr (since the last "
                       "backup)."),
        QStringLiteral("type")});
    parser.addOption({QStringLiteral("no-drill"),
        QStringLiteral("With verify: pgBackRest's verify only, no restore drill.")});
    parser.addOption({QStringLiteral("data-dir"),
        QStringLiteral("The embedded cluster in this directory, as `local-db --data-dir` made it "
                       "(default: %1).")
            .arg(ops::LocalServer::defaultDirectory()),
        QStringLiteral("dir")});
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand, kActions, 1))
        return *exit;
    const QString action = parser.positionalArguments().value(1);
    if (!QStringList{QStringLiteral("setup"), QStringLiteral("run"), QStringLiteral("list"),
            QStringLiteral("verify")}
            .contains(action))
        return cli::usageError(kCommand,
            action.isEmpty()
                ? QStringLiteral("name an action: setup, run, list or verify")
                : QStringLiteral("'%1' is no action; use setup, run, list or verify").arg(action));
    std::optional<model::BackupType> type;
    if (parser.isSet(QStringLiteral("type")) != (action == QLatin1String("run")))
        return cli::usageError(kCommand,
            action == QLatin1String("run") ? QStringLiteral("run needs --type full, diff or incr")
                                           : QStringLiteral("--type goes with run only"));
    if (action == QLatin1String("run")) {
        type = model::backupTypeFromName(parser.value(QStringLiteral("type")).toStdString());
        if (!type)
            return cli::usageError(kCommand,
                QStringLiteral("--type '%1' is none of full, diff, incr")
                    .arg(parser.value(QStringLiteral("type"))));
    }
    if (parser.isSet(QStringLiteral("no-drill")) && action != QLatin1String("verify"))
        return cli::usageError(kCommand, QStringLiteral("--no-drill goes with verify only"));
    if (parser.isSet(QStringLiteral("data-dir"))) {
        if (parser.isSet(QStringLiteral("db")))
            return cli::usageError(kCommand,
                QStringLiteral("--data-dir names an embedded cluster; it goes without --db"));
        // The embedded cluster is found where TICKSCOPE_LOCAL_DB_DIR says, by every part of the
        // process alike (the database session, pgBackRest's configuration, the drill).
        qputenv("TICKSCOPE_LOCAL_DB_DIR",
            QFile::encodeName(QDir(parser.value(QStringLiteral("data-dir"))).absolutePath()));
    }

    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    const auto &[config, target] = *chosen;
    // A backup is of a database that exists: an embedded one is never created or started here.
    auto session = DatabaseSession::open(
        target, {.purpose = "backup", .startEmbedded = false, .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    try {
        db::Migrator migrator{
            (*session)->connection(), db::loadMigrations(db::kEmbeddedMigrations).value()};
        if (const auto status = migrator.status(); !status.pending.empty())
            return cli::failure(kCommand,
                QStringLiteral("the schema is at version %1 of %2; run `tickscope migrate` first "
                               "(backups are recorded in its audit tables)")
                    .arg(status.currentVersion())
                    .arg(migrator.latestVersion()));
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    (*session)->closeConnection();
    auto operations = BackupOperations::forTarget(config, (*session)->target(), operatorIdentity());
    if (!operations)
        return cli::failure(kCommand, operations.error());

    cli::ProgressBar bar;
    const auto progress = [&](double percent, const QString &line) {
        if (percent >= 0) {
            bar.update(percent / 100.0, line.section(u'/', -1));
        } else {
            bar.finish();
            cli::print(line);
        }
    };
    if (action == QLatin1String("setup")) {
        const auto done = operations->setup(progress);
        if (!done)
            return cli::failure(kCommand, done.error());
        cli::print(*done);
        return cli::kSuccess;
    }
    if (action == QLatin1String("run")) {
        const auto done = operations->backup(*type, progress);
        bar.finish();
        if (!done)
            return cli::failure(kCommand, done.error());
        cli::print(*done);
        return cli::kSuccess;
    }
    if (action == QLatin1String("verify")) {
        const auto report = operations->verify(!parser.isSet(QStringLiteral("no-drill")), progress);
        if (!report)
            return cli::failure(kCommand, report.error());
        if (report->backupLabel.isEmpty()) {
            cli::print(QStringLiteral("pgBackRest verify: the repository is sound"));
            return cli::kSuccess;
        }
        cli::print(QStringLiteral("pgBackRest verify: the repository is sound\n")
            + ops::describe(*report));
        return cli::kSuccess;
    }
    try {
        auto connection = db::connect(operations->conninfo(), "backup list");
        cli::print(
            overviewText(ops::readBackupOverview(operations->pgbackrest(), connection)).trimmed());
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    return cli::kSuccess;
}

} // namespace tickscope::app
