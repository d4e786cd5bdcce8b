#include "app/database_setup.h"

#include "app/client_identity.h"
#include "app/config.h"
#include "app/ops/local_server.h"
#include "db/migrator.h"

#include <spdlog/spdlog.h>

namespace tickscope::app {

std::expected<EmbeddedServer, std::string> startEmbeddedServer(const Progress &progress)
{
    ops::LocalServer server{ops::LocalServer::defaultDirectory()};
    if (!server.state().initialized) {
        progress("creating the embedded database in " + server.directory().toStdString());
        if (auto made = server.init(ops::LocalServer::kDefaultPort); !made)
            return std::unexpected(made.error().toStdString());
    }
    auto started = server.start();
    if (!started)
        return std::unexpected(started.error().toStdString());
    return EmbeddedServer{
        server.conninfo().toStdString(), server.directory().toStdString(), *started};
}

std::expected<EmbeddedLogins, std::string> embeddedLogins()
{
    const ops::LocalServer server{ops::LocalServer::defaultDirectory()};
    if (auto made = server.ensureLoginRoles(); !made)
        return std::unexpected(made.error().toStdString());
    return EmbeddedLogins{
        server.conninfo(ops::LocalServer::kDatabaseName, ops::LocalServer::kIngestUser)
            .toStdString(),
        server.conninfo(ops::LocalServer::kDatabaseName, ops::LocalServer::kReaderUser)
            .toStdString()};
}

void stopEmbeddedServer()
{
    ops::LocalServer server{ops::LocalServer::defaultDirectory()};
    if (auto stopped = server.stop(); !stopped)
        spdlog::error("stopping the embedded database failed: {}", stopped.error().toStdString());
    else
        spdlog::info("embedded database stopped");
}

QString journalDirectory(const QString &configured, bool embedded)
{
    if (!configured.isEmpty())
        return configured;
    if (embedded)
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
