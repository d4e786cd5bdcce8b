// OHLCV bars of one instrument at any whole number of minutes, read from the stored aggregate
// levels (aggregates.levels: 1m 5m 15m 1h 4h 1d, continuous aggregates on TSL, tables kept by
// refresh_pending() on Apache): the coarsest level whose width divides the interval is rolled up
// with time_bucket, whose origin the levels share, so the buckets line up. Intervals no level
// divides (under a minute, 90 s) are the caller's to build from the trades.
#pragma once

#include "app/analytics/bar_builder.h"

#include <cstdint>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

struct OhlcvLevel
{
    std::string name; // "1m"
    std::string relation; // "aggregates.ohlcv_1m"
    std::int64_t widthSeconds = 0;
};

// The coarsest level whose width divides `intervalSeconds`, or nullopt when none does.
std::optional<OhlcvLevel> ohlcvLevelFor(pqxx::connection &connection, std::int64_t intervalSeconds);

// Bars of `instrumentId` for the buckets of `intervalSeconds` that start in [fromNs, toNs), the
// first bucket being the one that holds fromNs; oldest first. Buckets without trades are absent.
std::vector<analytics::Bar> ohlcvBars(pqxx::connection &connection, const OhlcvLevel &level,
    int instrumentId, std::int64_t intervalSeconds, std::int64_t fromNs, std::int64_t toNs);

// Bars of `instrumentId`'s stored trades themselves, for the buckets of `intervalSeconds` with
// trades in [fromNs, toNs) (a bucket cut by a bound holds only the trades inside it), summed as
// the finest level sums its own (its select list in aggregates.levels): for minutes the
// aggregates have not taken yet (pendingRefreshFrom), or part of one. Oldest first.
std::vector<analytics::Bar> tradeBars(pqxx::connection &connection, int instrumentId,
    std::int64_t intervalSeconds, std::int64_t fromNs, std::int64_t toNs);

// The first minute of `instrumentId` whose trades the writer queued for the aggregates' refresh
// and no refresh has taken yet (aggregates.refresh_queue): bars from its bucket on may still
// change, or lack those trades until the refresh job runs; nullopt when nothing waits.
std::optional<std::int64_t> pendingRefreshFrom(pqxx::connection &connection, int instrumentId);

} // namespace tickscope::db
