#include "app/cli/cli.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/config/config.h"
#include "app/services/client_identity.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"

#include <pqxx/connection>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("migrate");

void printStatus(pqxx::connection &connection, db::Migrator &migrator)
{
    const auto caps = db::probeCapabilities(connection);
    const db::MigrationStatus status = migrator.status();
    QStringList lines{
        QStringLiteral("database: %1")
            .arg(QString::fromStdString(db::describeEndpoint(connection))),
        QStringLiteral("server:   %1").arg(QString::fromStdString(db::describeCapabilities(caps))),
        QStringLiteral("role:     %1").arg(QString::fromStdString(db::describeRole(caps))),
        QStringLiteral("schema:   version %1 of %2 known to this build")
            .arg(status.currentVersion())
            .arg(migrator.latestVersion()),
        QString(),
        QStringLiteral("applied:"),
    };
    for (const auto &applied : status.applied)
        lines << QStringLiteral("  %1_%2  %3  by %4  %5 ms  sha256 %6")
                     .arg(applied.version, 4, 10, QLatin1Char('0'))
                     .arg(QString::fromStdString(applied.name).leftJustified(24),
                         QString::fromStdString(applied.appliedAt),
                         QString::fromStdString(applied.appliedBy))
                     .arg(applied.durationMs, 0, 'f', 1)
                     .arg(QString::fromStdString(applied.checksum.substr(0, 12)));
    if (status.applied.empty())
        lines << QStringLiteral("  (none)");
    lines << QStringLiteral("pending:");
    for (const auto &pending : status.pending)
        lines << QStringLiteral("  %1_%2")
                     .arg(pending.version, 4, 10, QLatin1Char('0'))
                     .arg(QString::fromStdString(pending.name));
    if (status.pending.empty())
        lines << QStringLiteral("  (none)");
    for (const auto &conflict : status.conflicts)
        lines << QStringLiteral("CONFLICT: %1").arg(QString::fromStdString(conflict));
    cli::print(lines.join(u'\n'));
}

} // namespace

int runMigrateCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral("Brings the database schema up to this build's migrations: each pending "
                       "file in its own transaction, under an advisory lock, recorded with its "
                       "checksum in audit.schema_migrations. Refuses, changing nothing, when an "
                       "applied file was edited since. A file that moves data (0020: every "
                       "trade into 0019's layout; 0028: every book event into 0027's) commits "
                       "a piece at a time and prints its "
                       "progress; stopped, it keeps what it moved and the next run goes on from "
                       "there. Stop `tickscope ingest` first.\n\n"
                       "The database is --db, else [database] conninfo of the config file, else "
                       "the one libpq's PG* variables name, else the embedded local database."));
    parser.addOptions({
        {QStringLiteral("status"),
            QStringLiteral("List applied and pending migrations; change nothing.")},
        {QStringLiteral("dry-run"), QStringLiteral("Say what would be applied; change nothing.")},
        {QStringLiteral("target"), QStringLiteral("Apply up to and including version N."),
            QStringLiteral("N")},
        {QStringLiteral("migrations-dir"),
            QStringLiteral("Read migrations from this directory instead of the built-in ones."),
            QStringLiteral("dir")},
    });
    addDatabaseOptions(parser);
    if (const auto exit = cli::parse(parser, arguments, kCommand))
        return *exit;
    if (parser.isSet(QStringLiteral("status"))
        && (parser.isSet(QStringLiteral("dry-run")) || parser.isSet(QStringLiteral("target"))))
        return cli::usageError(
            kCommand, QStringLiteral("--status cannot be combined with --dry-run or --target"));

    const auto migrations = db::loadMigrations(parser.isSet(QStringLiteral("migrations-dir"))
            ? parser.value(QStringLiteral("migrations-dir"))
            : db::kEmbeddedMigrations);
    if (!migrations)
        return cli::failure(kCommand, QString::fromStdString(migrations.error()));
    std::optional<int> target;
    if (parser.isSet(QStringLiteral("target"))) {
        target = cli::intOption(
            parser, QStringLiteral("target"), 1, migrations->back().version, kCommand);
        if (!target)
            return cli::kUsage;
    }
    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    // The embedded server must be running already: migrate neither creates nor starts it.
    auto session = DatabaseSession::open(
        chosen->second, {.purpose = "migrate", .startEmbedded = false, .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    try {
        pqxx::connection &connection = (*session)->connection();
        db::Migrator migrator{connection, *migrations};
        if (parser.isSet(QStringLiteral("status"))) {
            printStatus(connection, migrator);
            return migrator.status().conflicts.empty() ? cli::kSuccess : cli::kFailure;
        }
        const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
        const auto report = migrator.migrate({
            .dryRun = dryRun,
            .targetVersion = target,
            .client = clientIdentity(),
            .progress = [](const std::string &line) { cli::print(QString::fromStdString(line)); },
        });
        if (!report)
            return cli::failure(kCommand, QString::fromStdString(report.error()));
        if (report->applied.empty())
            cli::print(
                QStringLiteral("schema is up to date at version %1").arg(report->versionBefore));
        else if (dryRun)
            cli::print(QStringLiteral("dry run: %1 migration(s) pending, nothing changed")
                    .arg(report->applied.size()));
        else
            cli::print(QStringLiteral("schema is at version %1 (was %2)")
                    .arg(report->versionAfter)
                    .arg(report->versionBefore));
        return cli::kSuccess;
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
}

} // namespace tickscope::app
