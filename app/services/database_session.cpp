#include "app/services/database_session.h"

#include "app/ops/local_server.h"
#include "app/services/client_identity.h"
#include "db/capability_probe.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "db/policy_manager.h"

#include <QtGlobal>
#include <format>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>

namespace tickscope::app {

DatabaseTarget resolveDatabaseTarget(
    const std::optional<std::string> &cliConninfo, const Config &config)
{
    if (cliConninfo)
        return {*cliConninfo, false, "--db"};
    if (config.databaseConninfo)
        return {*config.databaseConninfo, false, "config file " + config.path.toStdString(),
            config.readerConninfo};
    for (const char *variable :
        {"PGSERVICE", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER"}) {
        if (qEnvironmentVariableIsSet(variable))
            return {"", false, std::string("environment (") + variable + ")"};
    }
    return {"", true, "embedded local database"};
}

namespace {

// The readers' login on a server other than the embedded one (see readerConninfo()).
std::expected<std::string, std::string> readerLogin(
    const DatabaseTarget &target, pqxx::connection &targetConnection)
{
    if (target.readerConninfo) {
        auto reader = db::connect(*target.readerConninfo, "reader check");
        if (const auto access = db::writeAccess(reader))
            return std::unexpected(std::format(
                "[database] reader_conninfo logs in as {}, which can write ({}): give the "
                "console's readers and the query API a login that is only a member of "
                "tickscope_reader",
                reader.username(), *access));
        return *target.readerConninfo;
    }
    const bool reader = pqxx::nontransaction{targetConnection}.query_value<bool>(
        "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tickscope_reader' "
        "AND pg_has_role(session_user, oid, 'MEMBER'))");
    if (!reader)
        return target.conninfo;
    return db::withSessionSettings(
        target.conninfo, "-c role=tickscope_reader -c default_transaction_read_only=on");
}

} // namespace

std::expected<std::unique_ptr<DatabaseSession>, std::string> DatabaseSession::open(
    DatabaseTarget target, Options options)
{
    std::unique_ptr<DatabaseSession> session{new DatabaseSession};
    session->m_target = std::move(target);
    DatabaseTarget &chosen = session->m_target;
    try {
        ops::LocalServer server{ops::LocalServer::defaultDirectory()};
        if (chosen.embedded) {
            if (!options.startEmbedded) {
                const auto state = server.state();
                if (!state.running)
                    return std::unexpected(std::format(
                        "no database given and the embedded one in {} is not running; start it "
                        "with `tickscope local-db start`, or pass --db",
                        state.directory.toStdString()));
            } else {
                if (!server.state().initialized) {
                    options.progress(
                        "creating the embedded database in " + server.directory().toStdString());
                    if (auto made = server.init(ops::LocalServer::kDefaultPort); !made)
                        return std::unexpected(made.error().toStdString());
                }
                auto started = server.start();
                if (!started)
                    return std::unexpected(started.error().toStdString());
                if (options.startedServer)
                    *options.startedServer = *options.startedServer || *started;
                else
                    session->m_startedServer = *started;
            }
            chosen.conninfo = server.conninfo().toStdString();
        }
        session->m_connection
            = std::make_unique<pqxx::connection>(db::connect(chosen.conninfo, options.purpose));
        if (options.migrate) {
            const auto migrations = db::loadMigrations(db::kEmbeddedMigrations);
            if (!migrations)
                return std::unexpected(migrations.error());
            if (auto migrated
                = applyPendingMigrations(*session->m_connection, *migrations, options.progress);
                !migrated)
                return std::unexpected(migrated.error());
        }
        session->m_ingestConninfo = session->m_readerConninfo = session->m_operatorConninfo
            = chosen.conninfo;
        if (!chosen.embedded) {
            auto reader = readerLogin(chosen, *session->m_connection);
            if (!reader)
                return std::unexpected(reader.error());
            session->m_readerConninfo = std::move(*reader);
        } else if (options.migrate) {
            // Migrated as the superuser; from here on ingest appends and the console reads,
            // each with a login role of its own.
            if (auto made = server.ensureLoginRoles(); !made)
                return std::unexpected(made.error().toStdString());
            session->m_ingestConninfo
                = server.conninfo(ops::LocalServer::kDatabaseName, ops::LocalServer::kIngestUser)
                      .toStdString();
            session->m_readerConninfo
                = server.conninfo(ops::LocalServer::kDatabaseName, ops::LocalServer::kReaderUser)
                      .toStdString();
            session->m_operatorConninfo = db::withSessionSettings(
                server.conninfo(ops::LocalServer::kDatabaseName, ops::LocalServer::kAdminUser)
                    .toStdString(),
                "-c role=tickscope_admin")
                                              .value();
            // A policy that cannot be applied is reported and does not stop the session: the
            // data still flows, and `tickscope policies show` says what differs.
            if (options.embeddedPolicy) {
                try {
                    const auto applied = db::PolicyManager{*session->m_connection}.apply(
                        *options.embeddedPolicy, operatorIdentity(), false, options.progress);
                    for (const auto &failure : applied.failures)
                        spdlog::warn("storage policy not applied: {}", failure);
                } catch (const pqxx::failure &error) {
                    spdlog::warn("storage policies not applied: {}", error.what());
                }
            }
        }
        // A cluster's replicas serve the readers; the leader when none is up.
        session->m_readerConninfo
            = db::withSessionTarget(session->m_readerConninfo, "prefer-standby");
    } catch (const std::exception &error) {
        return std::unexpected(std::string(error.what()));
    }
    return session;
}

DatabaseSession::~DatabaseSession()
{
    m_connection.reset();
    if (m_startedServer)
        stopEmbeddedServer();
}

void stopEmbeddedServer()
{
    ops::LocalServer server{ops::LocalServer::defaultDirectory()};
    if (auto stopped = server.stop(); !stopped)
        spdlog::error("stopping the embedded database failed: {}", stopped.error().toStdString());
    else
        spdlog::info("embedded database stopped");
}

QString journalDirectory(const QString &configured, const DatabaseTarget &target)
{
    if (!configured.isEmpty())
        return configured;
    if (target.embedded)
        return ops::LocalServer::defaultDirectory() + QStringLiteral("/journal");
    return defaultJournalDirectory();
}

std::expected<void, std::string> applyPendingMigrations(pqxx::connection &connection,
    const std::vector<db::Migration> &migrations, const Progress &progress)
{
    db::Migrator migrator{connection, migrations};
    const auto status = migrator.status();
    if (status.pending.empty())
        return {};
    progress("applying schema migrations");
    const auto migrated
        = migrator.migrate({.client = clientIdentity(), .progress = [](const std::string &line) {
                                spdlog::info("migrate: {}", line);
                            }});
    if (!migrated)
        return std::unexpected(std::format("{}\nthe schema is at version {}, this build needs {}; "
                                           "run `tickscope migrate` as a role that may change it",
            migrated.error(), status.currentVersion(), migrator.latestVersion()));
    return {};
}

} // namespace tickscope::app
