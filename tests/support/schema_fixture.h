// A database of the test cluster migrated to this build's schema, for tests that use the schema.
#pragma once

#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/test_cluster.h"

#include <chrono>
#include <expected>
#include <format>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tickscope::testing {

// Brings the database at `conninfo` to this build's schema.
inline void migrate(const std::string &conninfo)
{
    auto connection = db::connect(conninfo, "test");
    const auto migrated
        = db::Migrator(connection, db::loadMigrations(db::kEmbeddedMigrations).value())
              .migrate({.client = "test"});
    if (!migrated)
        throw std::runtime_error(migrated.error());
}

inline std::string migratedDatabase(
    const std::string &name, model::TimescaleEdition edition = model::TimescaleEdition::Apache)
{
    const std::string conninfo = TestCluster::instance(edition).createDatabase(name);
    migrate(conninfo);
    return conninfo;
}

// Brings `connection`'s database to version `target` (every migration of this build when empty),
// each progress line into `progress`: for the tests of a migration itself.
inline std::expected<db::MigrateReport, std::string> migrateTo(pqxx::connection &connection,
    std::optional<int> target = std::nullopt, std::vector<std::string> *progress = nullptr)
{
    return db::Migrator{connection, db::loadMigrations(db::kEmbeddedMigrations).value()}.migrate(
        {.targetVersion = target,
            .client = "test",
            .progress = [progress](const std::string &line) {
                if (progress)
                    progress->push_back(line);
            }});
}

// The one value a query returns.
inline std::string queryText(pqxx::connection &connection, const std::string &sql)
{
    return pqxx::nontransaction{connection}.query_value<std::string>(sql);
}

inline std::int64_t queryNumber(pqxx::connection &connection, const std::string &sql)
{
    return pqxx::nontransaction{connection}.query_value<std::int64_t>(sql);
}

// What a migration killed midway left: how many backends were killed (1 when it came to wait),
// and what the migration said.
struct KilledMigration
{
    std::int64_t killed = 0;
    std::string error;
};

// Runs this build's migrations on the database at `conninfo` while another session holds
// `lockedTable` (a chunk), and kills the migration's backend once it waits for that lock, as a
// kill -9 of the server process or the machine would end it there.
inline KilledMigration killMigrationAtLock(
    const std::string &conninfo, const std::string &lockedTable)
{
    auto locker = db::connect(conninfo, "test");
    pqxx::work lock{locker};
    lock.exec(std::format("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE", lockedTable));
    KilledMigration result;
    std::thread migration{[&] {
        try {
            auto migrating = db::connect(conninfo, "migration to kill");
            const auto migrated = migrateTo(migrating);
            result.error
                = migrated ? "the migration ended although it was killed" : migrated.error();
        } catch (const std::exception &error) {
            result.error = error.what();
        }
    }};
    auto watcher = db::connect(conninfo, "test");
    for (int attempt = 0; attempt < 600 && result.killed == 0; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        result.killed = queryNumber(watcher,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
            "application_name = 'tickscope migration to kill' AND wait_event_type = 'Lock'");
    }
    if (result.killed == 0)
        lock.abort(); // the migration goes on: the test fails on its count, not by hanging
    migration.join();
    return result;
}

} // namespace tickscope::testing
