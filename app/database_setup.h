// Bringing a database up for a long-running job (the console, `tickscope ingest`): the embedded
// local server started (and created on first use), and pending migrations applied.
#pragma once

#include "db/migration_set.h"

#include <QString>
#include <expected>
#include <functional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::app {

using Progress = std::function<void(const std::string &line)>;

struct EmbeddedServer
{
    std::string conninfo;
    std::string directory;
    bool startedHere = false; // false: it was running already, so it is not ours to stop
};

std::expected<EmbeddedServer, std::string> startEmbeddedServer(const Progress &progress);

// The login roles of the embedded database, made once its schema is migrated: each part logs in
// with the least it needs instead of as the superuser.
struct EmbeddedLogins
{
    std::string ingest; // tickscope_ingester: appends market data and audit rows
    std::string reader; // tickscope_viewer: reads
};
std::expected<EmbeddedLogins, std::string> embeddedLogins();
void stopEmbeddedServer();

// Where the journals go: the config's [journal] directory; else, for the embedded database,
// beside it (so that its journals are never replayed into another database); else the user's
// data location.
QString journalDirectory(const QString &configured, bool embedded);

// Applies what is pending; a role without DDL rights gets an error that says what to run.
std::expected<void, std::string> applyPendingMigrations(pqxx::connection &connection,
    const std::vector<db::Migration> &migrations, const Progress &progress);

} // namespace tickscope::app
