// Trades of a time range out of the database for ML and backtests, as CSV through COPY TO STDOUT:
// both clocks on every row, point in time when asked (only what had been received by then, and
// the gaps as they were known then), and the range's known gaps beside them. Everything an
// export reads comes from one repeatable-read snapshot, so its parts agree with each other.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>

namespace tickscope::db {

class RawConnection;

struct ExportRange
{
    std::int64_t fromNs = 0; // exchange time, inclusive
    std::int64_t toNs = 0; // exclusive
    std::optional<std::string> exchange;
    std::optional<std::string> symbol;
    std::optional<std::int64_t> asOfNs; // receive time: what was in the database by then
};

struct RangeSummary
{
    std::int64_t instruments = 0; // that the filters select
    std::int64_t gaps = 0; // known gaps that overlap the range
    std::int64_t openGaps = 0; // not (yet, as of the range's as-of) backfilled or closed
    double gapSeconds = 0; // summed over instruments, clipped to the range, overlaps once
    // Share of instrument-time in the range that no known gap covers.
    double completeness() const;
    double rangeSeconds = 0;
};

// The CSV header of writeTrades' rows.
inline constexpr std::string_view kTradeCsvHeader
    = "time,received_at,exchange,symbol,trade_id,price,size,side\n";

class TradeExport
{
public:
    // Begins the snapshot (read only); it ends with this object.
    TradeExport(pqxx::connection &connection, ExportRange range);
    ~TradeExport();
    TradeExport(const TradeExport &) = delete;
    TradeExport &operator=(const TradeExport &) = delete;

    const RangeSummary &summary() const { return m_summary; }
    // The known gaps, as CSV with a header line; returns how many.
    std::int64_t writeGaps(const std::function<void(std::string_view)> &sink);
    // The trades as CSV rows without a header, in exchange-time order, one UTC day per COPY so
    // that the server sorts a day at a time; `progress` gets the share of the range done after
    // each day. Returns how many.
    std::int64_t writeTrades(const std::function<void(std::string_view)> &sink,
        const std::function<void(double)> &progress = {});

private:
    // "t.instrument_id = ANY ('{1,2}'::integer[])": the instruments the filters chose.
    std::string chosenInstruments(const char *alias) const;

    std::unique_ptr<RawConnection> m_raw;
    ExportRange m_range;
    RangeSummary m_summary;
    std::string m_instrumentIds; // '{1,2,3}'
    std::string m_asOf; // SQL timestamptz literal, empty without as-of
};

} // namespace tickscope::db
