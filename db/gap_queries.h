// The gaps recorded in audit.gaps as the desk's other programs and the operator read them: a
// filtered list, how complete each instrument's data is over a window (the share of it that no
// known gap covers, overlapping gaps counted once), and the daily ledger per channel (per
// instrument, channel and UTC day; sequence and checksum gaps count on their channel - trade ids
// on trades, book sequences and checksums on the book -, disconnects, outages and silences on
// both); and each stream's book integrity over a window. Read-only; the reader role suffices.
#pragma once

#include "app/model/gap_ledger.h"

#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

struct GapFilter
{
    std::optional<std::string> exchange;
    std::optional<std::string> symbol;
    std::optional<std::string> status;
    std::optional<std::int64_t> sinceNs; // gaps that end (or, without times, were found) since
    int limit = 1000;
};

// Newest first.
std::vector<model::RecordedGap> listGaps(pqxx::connection &connection, const GapFilter &filter);

// One row per instrument the filters choose, by exchange and symbol.
std::vector<model::Completeness> completeness(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs);

std::vector<model::DailyCompleteness> dailyCompleteness(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs);

// Per instrument the filters choose whose book was counted in [fromNs, toNs), by exchange and
// symbol: audit.book_integrity summed.
std::vector<model::StreamIntegrity> bookIntegrity(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs);

} // namespace tickscope::db
