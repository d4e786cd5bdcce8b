#include "app/cli/cli.h"
#include "app/commands/command_registry.h"
#include "app/commands/database_options.h"
#include "app/services/client_identity.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "db/policy_manager.h"

#include <algorithm>
#include <format>
#include <pqxx/connection>

namespace tickscope::app {

namespace {

const QString kCommand = QStringLiteral("policies");

QString table(const std::vector<model::PolicySetting> &settings)
{
    std::size_t nameWidth = 7;
    std::size_t desiredWidth = 7;
    std::size_t actualWidth = 6;
    for (const auto &setting : settings) {
        nameWidth = std::max(nameWidth, setting.name.size());
        desiredWidth = std::max(desiredWidth, setting.desired.size());
        actualWidth = std::max(actualWidth, setting.actual.size());
    }
    std::string text = std::format("{:{}}  {:{}}  {:{}}  {}\n", "SETTING", nameWidth, "DESIRED",
        desiredWidth, "ACTUAL", actualWidth, "STATE");
    for (const auto &setting : settings) {
        text += std::format("{:{}}  {:{}}  {:{}}  {}\n", setting.name, nameWidth, setting.desired,
            desiredWidth, setting.actual, actualWidth, model::stateName(setting.state));
        if (!setting.note.empty())
            text += std::format("{:{}}  ({})\n", "", nameWidth, setting.note);
    }
    return QString::fromStdString(text);
}

} // namespace

int runPoliciesCommand(const QStringList &arguments)
{
    QCommandLineParser parser;
    cli::describe(parser,
        QStringLiteral(
            "Storage policies as desired state, from the [policies] section of the config file: "
            "chunk intervals, compression (TSL edition), retention with the compliance hold, "
            "the aggregates' refresh, and the jobs that run them inside the database "
            "(TimescaleDB's scheduler on the TSL edition, pg_cron on the Apache edition).\n\n"
            "  show       desired, actual and the difference, setting by setting\n"
            "  apply      make the database match, each change recorded in "
            "audit.operator_actions\n"
            "  run        run the refresh and retention jobs once now (for servers without a "
            "scheduler: call it from a systemd timer)\n\n"
            "The database is --db, else [database] conninfo of the config file, else the one "
            "libpq's PG* variables name, else the embedded local database."));
    parser.addPositionalArgument(QStringLiteral("action"), QStringLiteral("show, apply or run"));
    parser.addOption({QStringLiteral("dry-run"),
        QStringLiteral("With apply: say what would change; change nothing.")});
    addDatabaseOptions(parser);
    if (const auto exit
        = cli::parse(parser, arguments, kCommand, QStringLiteral("show|apply|run"), 1))
        return *exit;
    const QString action = parser.positionalArguments().value(1); // [0] is "policies"
    if (action != QLatin1String("show") && action != QLatin1String("apply")
        && action != QLatin1String("run"))
        return cli::usageError(kCommand,
            action.isEmpty()
                ? QStringLiteral("name an action: show, apply or run")
                : QStringLiteral("'%1' is no action; use show, apply or run").arg(action));
    if (parser.isSet(QStringLiteral("dry-run")) && action != QLatin1String("apply"))
        return cli::usageError(kCommand, QStringLiteral("--dry-run goes with apply only"));

    auto chosen = chooseDatabase(parser);
    if (!chosen)
        return cli::failure(kCommand, QString::fromStdString(chosen.error()));
    const auto &[config, target] = *chosen;
    auto session = DatabaseSession::open(target, {.purpose = "policies", .migrate = false});
    if (!session)
        return cli::failure(kCommand, QString::fromStdString(session.error()));
    try {
        pqxx::connection &connection = (*session)->connection();
        db::Migrator migrator{connection, db::loadMigrations(db::kEmbeddedMigrations).value()};
        if (const auto status = migrator.status(); !status.pending.empty())
            return cli::failure(kCommand,
                QStringLiteral("the schema is at version %1 of %2; run `tickscope migrate` first")
                    .arg(status.currentVersion())
                    .arg(migrator.latestVersion()));
        const auto caps = db::probeCapabilities(connection);
        db::PolicyManager manager{connection};
        const db::Operator by = operatorIdentity();
        if (action == QLatin1String("show")) {
            const auto settings = manager.compare(config.policy);
            const auto differing = std::ranges::count(
                settings, model::PolicySetting::State::Differs, &model::PolicySetting::state);
            cli::print(QStringLiteral("database: %1\nserver:   %2\n\n%3\n%4")
                    .arg(QString::fromStdString(db::describeEndpoint(connection)),
                        QString::fromStdString(db::describeCapabilities(caps)), table(settings),
                        differing == 0
                            ? QStringLiteral("No difference.")
                            : QStringLiteral("%1 setting(s) differ; `tickscope policies apply` "
                                             "makes the database match.")
                                  .arg(differing)));
            return cli::kSuccess;
        }
        if (action == QLatin1String("apply")) {
            const bool dryRun = parser.isSet(QStringLiteral("dry-run"));
            const auto report = manager.apply(config.policy, by, dryRun,
                [](const std::string &line) { cli::print(QString::fromStdString(line)); });
            for (const auto &failure : report.failures)
                cli::print(QStringLiteral("FAILED %1").arg(QString::fromStdString(failure)));
            if (!report.failures.empty())
                return cli::failure(kCommand,
                    QStringLiteral("%1 setting(s) could not be changed; the others %2")
                        .arg(report.failures.size())
                        .arg(dryRun ? QStringLiteral("would be") : QStringLiteral("were")));
            cli::print(report.changed.empty() ? QStringLiteral("Nothing to change.")
                    : dryRun
                    ? QStringLiteral("%1 setting(s) would change.").arg(report.changed.size())
                    : QStringLiteral("%1 setting(s) changed.").arg(report.changed.size()));
            return cli::kSuccess;
        }
        const auto report = manager.runJobs(by);
        cli::print(QStringLiteral("refreshed the aggregates at %1 queued bucket(s); retention "
                                  "dropped %2 chunk(s) and pruned %3")
                .arg(report.bucketsRefreshed)
                .arg(report.chunksDropped)
                .arg(report.chunksPruned));
    } catch (const std::exception &error) {
        return cli::failure(kCommand, QString::fromUtf8(error.what()));
    }
    return cli::kSuccess;
}

} // namespace tickscope::app
