#include "app/services/backup_operations.h"

#include "app/ops/backup_setup.h"
#include "app/ops/local_server.h"
#include "db/connection.h"

#include <QElapsedTimer>
#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace tickscope::app {

namespace {

std::string seconds(const QElapsedTimer &clock)
{
    return std::format("{:.1f}", static_cast<double>(clock.elapsed()) / 1000.0);
}

} // namespace

BackupOperations::BackupOperations(ops::PgBackRest pgbackrest, bool embedded, std::string conninfo,
    model::BackupSettings settings, db::Operator by)
    : m_pgbackrest(std::move(pgbackrest))
    , m_embedded(embedded)
    , m_conninfo(std::move(conninfo))
    , m_settings(std::move(settings))
    , m_by(std::move(by))
{ }

std::expected<BackupOperations, QString> BackupOperations::forTarget(
    const Config &config, const DatabaseTarget &target, db::Operator by)
{
    const QString stanza = QString::fromStdString(config.backup.stanza);
    if (!config.backup.command.empty()) {
        auto pgbackrest
            = ops::PgBackRest::fromTemplate(QString::fromStdString(config.backup.command), stanza);
        if (!pgbackrest)
            return std::unexpected(pgbackrest.error());
        return BackupOperations{
            std::move(*pgbackrest), false, target.conninfo, config.backup, std::move(by)};
    }
    if (!target.embedded)
        return std::unexpected(QStringLiteral(
            "%1 is not the embedded database: say how to run pgBackRest where that server is, "
            "as [backup] command in the config file (e.g. \"ssh db1 sudo -u postgres "
            "pgbackrest\" or \"docker exec -u postgres timescaledb pgbackrest\")")
                .arg(QString::fromStdString(target.source)));
    const ops::LocalServer server{ops::LocalServer::defaultDirectory()};
    return BackupOperations{ops::PgBackRest::forLocalServer(server, stanza), true, target.conninfo,
        config.backup, std::move(by)};
}

void BackupOperations::record(
    const std::string &action, const db::ActionDetail &detail, db::ActionOutcome outcome) const
{
    try {
        auto connection = db::connect(m_conninfo, "backup audit");
        pqxx::work tx{connection};
        db::recordAction(tx, m_by, action, m_pgbackrest.stanza().toStdString(), detail, outcome);
        tx.commit();
    } catch (const std::exception &error) {
        spdlog::error("{} not recorded in audit.operator_actions: {}", action, error.what());
    }
}

std::expected<QString, QString> BackupOperations::setup(const Progress &progress) const
{
    const db::ActionDetail where{{"pgbackrest", m_pgbackrest.describe().toStdString()}};
    record("backup.setup", where, db::ActionOutcome::Started);
    std::expected<QString, QString> outcome;
    if (m_embedded) {
        ops::LocalServer server{ops::LocalServer::defaultDirectory()};
        const auto report = ops::setUpLocalBackups(server, m_settings, progress);
        if (report)
            outcome = QStringLiteral("stanza '%1' ready: repository %2, WAL archived through "
                                     "pgBackRest%3")
                          .arg(m_pgbackrest.stanza(), report->repository,
                              report->restarted ? QStringLiteral(" (the server was restarted)")
                                                : QString());
        else
            outcome = std::unexpected(report.error());
    } else {
        auto created = m_pgbackrest.run({QStringLiteral("stanza-create")});
        if (created)
            created = m_pgbackrest.run({QStringLiteral("check")});
        if (created)
            outcome = QStringLiteral("stanza '%1' ready; pgBackRest's check found a WAL segment "
                                     "archived (the server's archive_command is its own "
                                     "configuration: pgbackrest --stanza=%1 archive-push %p)")
                          .arg(m_pgbackrest.stanza());
        else
            outcome = std::unexpected(created.error());
    }
    record("backup.setup",
        outcome ? where : db::ActionDetail{where.front(), {"error", outcome.error().toStdString()}},
        outcome ? db::ActionOutcome::Succeeded : db::ActionOutcome::Failed);
    return outcome;
}

std::expected<QString, QString> BackupOperations::backup(
    model::BackupType type, const Progress &progress, std::stop_token stop) const
{
    db::ActionDetail detail{{"type", model::backupTypeName(type)}};
    record("backup.run", detail, db::ActionOutcome::Started);
    QElapsedTimer clock;
    clock.start();
    const auto done = m_pgbackrest.backup(type, progress, stop);
    detail.emplace_back("seconds", seconds(clock));
    if (!done) {
        detail.emplace_back("error", done.error().toStdString());
        record("backup.run", detail,
            stop.stop_requested() ? db::ActionOutcome::Cancelled : db::ActionOutcome::Failed);
        return std::unexpected(done.error());
    }
    const auto inventory = m_pgbackrest.info();
    QString summary = QStringLiteral("%1 backup done in %2 s")
                          .arg(QLatin1String(model::backupTypeName(type)),
                              QString::fromStdString(seconds(clock)));
    if (inventory && !inventory->backups.empty()) {
        const model::BackupRecord &newest = inventory->backups.back();
        detail.emplace_back("label", newest.label);
        detail.emplace_back("database_bytes", std::to_string(newest.databaseBytes));
        detail.emplace_back("repository_bytes", std::to_string(newest.repositoryBytes));
        summary = QStringLiteral("%1: %2 (database %3 bytes, %4 bytes added to the repository)")
                      .arg(summary, QString::fromStdString(newest.label))
                      .arg(newest.databaseBytes)
                      .arg(newest.repositoryBytes);
    }
    record("backup.run", detail, db::ActionOutcome::Succeeded);
    return summary;
}

std::expected<ops::RestoreDrillReport, QString> BackupOperations::verify(
    bool drill, const Progress &progress) const
{
    db::ActionDetail detail{{"drill", drill ? "yes" : "no"}};
    record("backup.verify", detail, db::ActionOutcome::Started);
    const auto fail = [&](const QString &error) -> std::expected<ops::RestoreDrillReport, QString> {
        detail.emplace_back("error", error.toStdString());
        record("backup.verify", detail, db::ActionOutcome::Failed);
        return std::unexpected(error);
    };
    progress(-1, QStringLiteral("pgBackRest verify: checksums of every file in the repository"));
    if (auto verified = m_pgbackrest.verify(); !verified)
        return fail(verified.error());
    ops::RestoreDrillReport report;
    if (drill) {
        if (!m_embedded)
            return fail(QStringLiteral(
                "the restore drill restores into a scratch cluster on this machine, so it runs "
                "for the embedded database only; use --no-drill for a remote repository"));
        const ops::LocalServer server{ops::LocalServer::defaultDirectory()};
        auto drilled = ops::runRestoreDrill(m_pgbackrest, server, progress);
        if (!drilled)
            return fail(drilled.error());
        report = std::move(*drilled);
        detail.emplace_back("backup", report.backupLabel.toStdString());
        detail.emplace_back("restored_rows", std::to_string(report.restoredRows));
        detail.emplace_back("mismatches", std::to_string(report.mismatches.size()));
        if (!report.whole())
            return fail(report.mismatches.join(u'\n'));
    }
    record("backup.verify", detail, db::ActionOutcome::Succeeded);
    return report;
}

} // namespace tickscope::app
