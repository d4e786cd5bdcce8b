// What backups and restore drills read from a server: the WAL archiver's health, the data gaps
// inside a recoverability window, and a fingerprint of the trades table by transaction, so that
// a restored copy can be compared exactly with a source that has moved on since.
#pragma once

#include "app/model/backup_status.h"

#include <cstdint>
#include <map>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

// pg_stat_archiver and the archive settings; the .ready backlog needs pg_monitor (else 0).
model::ArchiverStatus readArchiverStatus(pqxx::connection &connection);

// Gaps of audit.gaps whose time span meets [fromUnix, toUnix].
std::vector<model::DataGapSpan> gapsBetween(
    pqxx::connection &connection, std::int64_t fromUnix, std::int64_t toUnix);

// The rows one transaction wrote to market_data.trades (an ingest batch is one) and the sum of
// their rows' 64-bit hashes, as decimal text.
struct TransactionRows
{
    std::int64_t rows = 0;
    std::string checksum;
    bool operator==(const TransactionRows &) const = default;
};

// By the inserting transaction's 32-bit id (xmin).
std::map<std::int64_t, TransactionRows> tradesByTransaction(pqxx::connection &connection);

} // namespace tickscope::db
