// A database of the test cluster migrated to this build's schema, for tests that use the schema.
#pragma once

#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/test_cluster.h"

#include <stdexcept>

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

} // namespace tickscope::testing
