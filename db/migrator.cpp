#include "db/migrator.h"

#include <chrono>
#include <format>
#include <map>
#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

// pg_advisory_lock key shared by every Tickscope migrator: "tickscop" in ASCII.
constexpr std::int64_t kMigrationLockKey = 0x7469636b73636f70;

constexpr auto kLedgerDdl = R"sql(
CREATE SCHEMA IF NOT EXISTS audit;
CREATE TABLE IF NOT EXISTS audit.schema_migrations (
    version     integer PRIMARY KEY,
    name        text NOT NULL,
    checksum    text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now(),
    applied_by  text NOT NULL DEFAULT session_user,
    client      text NOT NULL,
    duration_ms double precision NOT NULL
);
)sql";

void report(const MigrateOptions &options, const std::string &line)
{
    if (options.progress)
        options.progress(line);
}

// Holds the session-level advisory lock for its lifetime. When the connection breaks, the server
// releases the lock with the session, so a failed unlock is not an error.
class MigrationLock
{
public:
    MigrationLock(pqxx::connection &connection, const MigrateOptions &options)
        : m_connection(connection)
    {
        pqxx::nontransaction tx{m_connection};
        if (!tx.exec("SELECT pg_try_advisory_lock($1)", pqxx::params{kMigrationLockKey})
                .one_field()
                .as<bool>()) {
            report(options, "waiting for another migration of this database to finish");
            tx.exec("SELECT pg_advisory_lock($1)", pqxx::params{kMigrationLockKey});
        }
    }
    MigrationLock(const MigrationLock &) = delete;
    MigrationLock &operator=(const MigrationLock &) = delete;
    ~MigrationLock()
    {
        try {
            pqxx::nontransaction tx{m_connection};
            tx.exec("SELECT pg_advisory_unlock($1)", pqxx::params{kMigrationLockKey});
        } catch (const std::exception &) { }
    }

private:
    pqxx::connection &m_connection;
};

} // namespace

Migrator::Migrator(pqxx::connection &connection, std::vector<Migration> migrations)
    : m_connection(connection)
    , m_migrations(std::move(migrations))
{ }

MigrationStatus Migrator::status()
{
    MigrationStatus status;
    pqxx::nontransaction tx{m_connection};
    const bool ledgerExists
        = !tx.exec("SELECT to_regclass('audit.schema_migrations') IS NULL").one_field().as<bool>();
    if (ledgerExists) {
        for (const auto &row :
            tx.exec("SELECT version, name, checksum, to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS "
                    "TZ'), applied_by, client, duration_ms FROM audit.schema_migrations "
                    "ORDER BY version")) {
            status.applied.push_back(AppliedMigration{
                .version = row[0].as<int>(),
                .name = row[1].as<std::string>(),
                .checksum = row[2].as<std::string>(),
                .appliedAt = row[3].as<std::string>(),
                .appliedBy = row[4].as<std::string>(),
                .client = row[5].as<std::string>(),
                .durationMs = row[6].as<double>(),
            });
        }
    }

    std::map<int, const Migration *> known;
    for (const auto &migration : m_migrations)
        known.emplace(migration.version, &migration);
    for (const auto &applied : status.applied) {
        const auto it = known.find(applied.version);
        if (it == known.end()) {
            status.conflicts.push_back(std::format(
                "migration {:04}_{} is applied in the database but unknown to this build (a newer "
                "Tickscope migrated it?)",
                applied.version, applied.name));
        } else if (it->second->checksum != applied.checksum) {
            status.conflicts.push_back(std::format(
                "migration {:04}_{} was changed after it was applied: checksum {} in the database, "
                "{} in this build",
                applied.version, applied.name, applied.checksum.substr(0, 12),
                it->second->checksum.substr(0, 12)));
        }
    }
    const int current = status.currentVersion();
    for (const auto &migration : m_migrations) {
        if (migration.version > current)
            status.pending.push_back(migration);
    }
    return status;
}

std::expected<MigrateReport, std::string> Migrator::migrate(const MigrateOptions &options)
{
    if (options.targetVersion
        && (*options.targetVersion < 0 || *options.targetVersion > latestVersion()))
        return std::unexpected(std::format("--target {} is out of range: this build knows 1..{}",
            *options.targetVersion, latestVersion()));
    if (options.dryRun)
        return migrateLocked(options);

    const MigrationLock lock{m_connection, options};
    return migrateLocked(options);
}

void Migrator::createLedger()
{
    pqxx::work tx{m_connection};
    tx.exec(kLedgerDdl);
    tx.commit();
}

std::expected<MigrateReport, std::string> Migrator::migrateLocked(const MigrateOptions &options)
{
    // Read the state only once the lock is held: another migrator may just have finished.
    MigrationStatus before = status();
    if (!before.conflicts.empty()) {
        std::string message = "refusing to migrate; nothing was changed:";
        for (const auto &conflict : before.conflicts)
            message += "\n  " + conflict;
        return std::unexpected(message);
    }
    MigrateReport result;
    result.versionBefore = before.currentVersion();
    result.versionAfter = result.versionBefore;
    const int target = options.targetVersion.value_or(latestVersion());
    if (target < result.versionBefore)
        return std::unexpected(std::format(
            "the database is at version {}, past --target {}; migrations are never rolled back",
            result.versionBefore, target));

    if (!options.dryRun && !before.pending.empty())
        createLedger();
    for (const auto &migration : before.pending) {
        if (migration.version > target)
            break;
        if (options.dryRun) {
            report(options, std::format("would apply {:04}_{}", migration.version, migration.name));
            result.applied.push_back(migration);
            continue;
        }
        report(options, std::format("applying {:04}_{}", migration.version, migration.name));
        const auto started = std::chrono::steady_clock::now();
        if (migration.outsideTransaction) {
            // What the procedure reports as it goes (RAISE INFO, which the server sends whatever
            // client_min_messages says) is the progress, and warnings are shown; the NOTICEs of
            // what it calls are not.
            pqxx::nontransaction{m_connection}.exec("SET client_min_messages = warning");
            m_connection.set_notice_handler([&](pqxx::zview notice) {
                std::string_view line{notice};
                if (line.starts_with("INFO:  "))
                    line.remove_prefix(7);
                else if (!line.starts_with("WARNING:  "))
                    return;
                while (line.ends_with('\n'))
                    line.remove_suffix(1);
                report(options, std::string{line});
            });
            // The procedure may SET ROLE for the session: reset whatever becomes of it.
            const auto resetSession = [&] {
                m_connection.set_notice_handler({});
                pqxx::nontransaction{m_connection}.exec("RESET ROLE; RESET client_min_messages");
            };
            try {
                pqxx::nontransaction{m_connection}.exec(migration.sql);
            } catch (const pqxx::sql_error &error) {
                resetSession();
                return std::unexpected(std::format(
                    "migration {:04}_{} stopped: {}; what it committed stays, and running "
                    "`tickscope migrate` again goes on from there",
                    migration.version, migration.name, std::string_view{error.what()}));
            }
            resetSession();
        }
        pqxx::work tx{m_connection};
        if (!migration.outsideTransaction) {
            try {
                tx.exec(migration.sql);
            } catch (const pqxx::sql_error &error) {
                return std::unexpected(
                    std::format("migration {:04}_{} failed and was rolled back: {}",
                        migration.version, migration.name, std::string_view{error.what()}));
            }
        }
        const std::chrono::duration<double, std::milli> took
            = std::chrono::steady_clock::now() - started;
        // A migration may SET LOCAL ROLE; the ledger row is written as the session's own user.
        tx.exec("RESET ROLE");
        tx.exec("INSERT INTO audit.schema_migrations (version, name, checksum, client, "
                "duration_ms) VALUES ($1, $2, $3, $4, $5)",
            pqxx::params{migration.version, migration.name, migration.checksum, options.client,
                took.count()});
        tx.commit();
        report(options,
            std::format(
                "applied {:04}_{} in {:.1f} ms", migration.version, migration.name, took.count()));
        result.applied.push_back(migration);
        result.versionAfter = migration.version;
    }
    return result;
}

} // namespace tickscope::db
