// One command's database, brought up once: the target that --db, the config file, libpq's PG*
// variables or the embedded default chose; for the embedded default, the local server created
// and started when needed; a connection as the target's role with pending migrations applied;
// and the login each part of Tickscope uses afterwards (the embedded database's least-privilege
// roles, elsewhere what the target names). Closing the session stops the embedded server if the
// session started it. Every command that uses the database (the console's monitor, ingest,
// migrate, replay) opens it here.
#pragma once

#include "app/config/config.h"
#include "app/model/storage_policy.h"
#include "db/migration_set.h"

#include <QString>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::app {

using Progress = std::function<void(const std::string &line)>;

struct DatabaseTarget
{
    std::string conninfo; // empty with `embedded`: known once the local server is up
    bool embedded = false;
    std::string source; // how it was chosen, for messages: "--db", "config file ...", ...
    // The readers' own login there: [database] reader_conninfo, with the config's conninfo.
    std::optional<std::string> readerConninfo;
};

// --db, else the config file's [database] conninfo (with its reader_conninfo), else the server
// that libpq's PG* variables or service file name, else the embedded local database.
DatabaseTarget resolveDatabaseTarget(
    const std::optional<std::string> &cliConninfo, const Config &config);

class DatabaseSession
{
public:
    struct Options
    {
        std::string purpose; // application_name: "ingest setup", "migrate", ...
        Progress progress = [](const std::string &) {
        };
        // The embedded server is started when it is not running; false: it must run already.
        bool startEmbedded = true;
        // Pending migrations are applied (as the target's role); false: left to the caller.
        bool migrate = true;
        // Set when this open started the embedded server. Given, a failed open leaves the server
        // running for the caller to retry against (and to stop with stopEmbeddedServer());
        // without it, a failed open stops what it started.
        bool *startedServer = nullptr;
        // Applied to the embedded database after migrating, so that its jobs run from the start;
        // another database's policies are its operator's (`tickscope policies apply`).
        std::optional<model::StoragePolicy> embeddedPolicy;
    };

    static std::expected<std::unique_ptr<DatabaseSession>, std::string> open(
        DatabaseTarget target, Options options);
    ~DatabaseSession();
    DatabaseSession(const DatabaseSession &) = delete;
    DatabaseSession &operator=(const DatabaseSession &) = delete;

    const DatabaseTarget &target() const { return m_target; }
    // The connection as the target's role (the embedded database's superuser).
    pqxx::connection &connection() { return *m_connection; }
    // Closes the connection; the server stays as it is until the session ends.
    void closeConnection() { m_connection.reset(); }
    // What ingest writers log in as: the embedded database's tickscope_ingester, else the target.
    const std::string &ingestConninfo() const { return m_ingestConninfo; }
    // What the console's readers and the query API log in as, never a login that can write: the
    // embedded database's tickscope_viewer; else the target's reader_conninfo (refused when it
    // can write); else the target's login acting as tickscope_reader in read-only sessions when
    // it is a member, or as itself when it is not.
    const std::string &readerConninfo() const { return m_readerConninfo; }
    // What the console's storage, alert, backup and replication monitors log in as: the embedded
    // database's tickscope_operator acting as tickscope_admin (which has pg_monitor), else the
    // target.
    const std::string &operatorConninfo() const { return m_operatorConninfo; }

private:
    DatabaseSession() = default;

    DatabaseTarget m_target;
    std::unique_ptr<pqxx::connection> m_connection;
    std::string m_ingestConninfo;
    std::string m_readerConninfo;
    std::string m_operatorConninfo;
    bool m_startedServer = false;
};

// Where the journals go: the config's [journal] directory; else, for the embedded database,
// beside it (so that its journals are never replayed into another database); else the user's
// data location.
QString journalDirectory(const QString &configured, const DatabaseTarget &target);

// Stops the embedded local database (fast shutdown), saying so in the log.
void stopEmbeddedServer();

// Applies what is pending; a role without DDL rights gets an error that says what to run.
std::expected<void, std::string> applyPendingMigrations(pqxx::connection &connection,
    const std::vector<db::Migration> &migrations, const Progress &progress);

} // namespace tickscope::app
