// The gaps as recorded (audit.gaps) and how complete the data is around them, as the query API,
// `tickscope gaps` and the console's Gaps page show them. (model::Gap is a gap as a feed finds it;
// these are what the database holds of them.)
#pragma once

#include "app/model/book_integrity.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::model {

struct RecordedGap
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

// The completeness ledger: per instrument, channel ("trades", "book") and UTC day of [fromNs,
// toNs) (the first and last day clipped to it), the share that no gap of that channel covers.
// Sequence and checksum gaps belong to their channel (trade ids to trades; book sequences and
// checksums to the book); disconnects, outages and silences to both.
struct DailyCompleteness
{
    std::string exchange;
    std::string symbol;
    std::string channel;
    std::int64_t dayNs = 0; // the UTC day's midnight
    double windowSeconds = 0; // of the day inside [from, to)
    double gapSeconds = 0;
    std::int64_t gaps = 0;
    std::int64_t openGaps = 0;
    std::string causes; // the gaps' kinds, "disconnect,trade_id"
    std::string repairs; // their states, "backfilled,open"

    double share() const { return windowSeconds <= 0 ? 1.0 : 1.0 - gapSeconds / windowSeconds; }
};

// One stream's book integrity over a window: audit.book_integrity summed.
struct StreamIntegrity
{
    std::string exchange;
    std::string symbol;
    BookIntegrity totals; // its instrument and minute unused
    std::optional<std::int64_t> lastProblemNs; // the last minute with a failure, break or cross

    bool troubled() const
    {
        return totals.checksumFailures > 0 || totals.sequenceBreaks > 0 || totals.crossedBooks > 0;
    }
};

// One exchange's day so far (since UTC midnight), for the Live page's feeds table.
struct ExchangeDay
{
    std::string exchange;
    std::int64_t gaps = 0; // detected today
    std::int64_t openGaps = 0; // of them
    std::int64_t integrityFailures = 0; // checksum failures, sequence breaks, crossed books
};

// What the Gaps page shows: the gaps of a window, its completeness ledger and each stream's book
// integrity.
struct GapLedger
{
    std::int64_t fromNs = 0;
    std::int64_t toNs = 0;
    std::vector<RecordedGap> gaps;
    std::vector<DailyCompleteness> days;
    std::vector<StreamIntegrity> integrity;
    std::string error; // why there is nothing to show (the server's message), if so
};

} // namespace tickscope::model
