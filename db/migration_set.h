// The numbered migration files that make up the schema, read from a directory: the embedded
// ":/sql/migrations" resource by default, or a directory on disk (--migrations-dir, tests).
#pragma once

#include <QString>
#include <expected>
#include <string>
#include <vector>

namespace tickscope::db {

struct Migration
{
    int version = 0; // from the file name: 0003_audit.sql -> 3
    std::string name; // "audit"
    std::string sql;
    std::string checksum; // SHA-256 of the file's bytes, hex
    // The file has the line "-- tickscope: outside a transaction": one CALL of a procedure that
    // commits as it goes, so that a stopped run keeps its work and the next one goes on.
    bool outsideTransaction = false;
};

// Embedded migrations of this build.
inline const QString kEmbeddedMigrations = QStringLiteral(":/sql/migrations");

// Loads every NNNN_name.sql file of `directory`, ordered by version. Versions must run 1..N
// without holes or repeats; any other file name there is an error, not silently skipped.
std::expected<std::vector<Migration>, std::string> loadMigrations(const QString &directory);

} // namespace tickscope::db
