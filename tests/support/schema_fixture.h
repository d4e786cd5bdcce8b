// A database of the test cluster migrated to this build's schema, for tests that use the schema.
#pragma once

#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/test_cluster.h"

#include <expected>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
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

} // namespace tickscope::testing
