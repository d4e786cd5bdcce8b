// The gaps recorded in audit.gaps as the desk's other programs and the operator read them: a
// filtered list, and how complete each instrument's data is over a window (the share of it that
// no known gap covers, overlapping gaps counted once). Read-only; the reader role suffices.
#pragma once

#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

struct GapRecord
{
    std::int64_t id = 0;
    std::string exchange;
    std::string symbol;
    std::string kind; // model::kindName(): trade_id, book_sequence, checksum, disconnect, ...
    std::optional<std::int64_t> firstMissing; // sequence kinds
    std::optional<std::int64_t> lastMissing;
    std::optional<std::int64_t> startNs; // exchange time of the last row before the gap
    std::optional<std::int64_t> endNs; // of the first row after it
    std::int64_t detectedNs = 0;
    std::string status; // open, backfilled, unrecoverable
    std::optional<std::int64_t> resolvedNs;
    std::string note;
};

struct GapFilter
{
    std::optional<std::string> exchange;
    std::optional<std::string> symbol;
    std::optional<std::string> status;
    std::optional<std::int64_t> sinceNs; // gaps that end (or, without times, were found) since
    int limit = 1000;
};

// Newest first.
std::vector<GapRecord> listGaps(pqxx::connection &connection, const GapFilter &filter);

struct Completeness
{
    std::string exchange;
    std::string symbol;
    std::int64_t gaps = 0; // that overlap the window
    std::int64_t openGaps = 0;
    double gapSeconds = 0; // of the window that gaps cover, overlaps counted once
    double windowSeconds = 0;

    double share() const { return windowSeconds <= 0 ? 1.0 : 1.0 - gapSeconds / windowSeconds; }
};

// One row per instrument the filters choose, by exchange and symbol.
std::vector<Completeness> completeness(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol,
    std::int64_t fromNs, std::int64_t toNs);

} // namespace tickscope::db
