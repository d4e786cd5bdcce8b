// Brings a database's schema up to the migrations of this build. Each file is applied in its own
// transaction (or, marked so, outside one: Migration::outsideTransaction), under a PostgreSQL
// advisory lock so two migrators never interleave, and recorded with its checksum in
// audit.schema_migrations. A file whose checksum differs from the recorded
// one stops everything before any change: released migrations are never edited.
#pragma once

#include "db/migration_set.h"

#include <expected>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

struct AppliedMigration
{
    int version = 0;
    std::string name;
    std::string checksum;
    std::string appliedAt;
    std::string appliedBy;
    std::string client;
    double durationMs = 0;
};

struct MigrationStatus
{
    std::vector<AppliedMigration> applied;
    std::vector<Migration> pending;
    // Applied files that were changed since, or that this build does not know. Non-empty means
    // the database must not be migrated by this build.
    std::vector<std::string> conflicts;

    int currentVersion() const { return applied.empty() ? 0 : applied.back().version; }
};

struct MigrateOptions
{
    bool dryRun = false;
    std::optional<int> targetVersion; // apply up to and including this version
    std::string client; // who runs it: "os-user@host tickscope 0.1.0"
    std::function<void(const std::string &)> progress; // one line per step, may be empty
};

struct MigrateReport
{
    std::vector<Migration> applied; // or, on a dry run, what would have been
    int versionBefore = 0;
    int versionAfter = 0;
};

class Migrator
{
public:
    Migrator(pqxx::connection &connection, std::vector<Migration> migrations);

    // Read-only: what is applied, what is pending, and what conflicts.
    MigrationStatus status();

    std::expected<MigrateReport, std::string> migrate(const MigrateOptions &options);

    int latestVersion() const { return m_migrations.empty() ? 0 : m_migrations.back().version; }

private:
    std::expected<MigrateReport, std::string> migrateLocked(const MigrateOptions &options);
    void createLedger();

    pqxx::connection &m_connection;
    std::vector<Migration> m_migrations;
};

} // namespace tickscope::db
