// Reading stored trades back for bars, indicators, exports and the query API: an instrument by
// exchange and symbol, its trades over a time range in exchange-time order, a page of them after a
// cursor, the latest trade of each instrument, and the known gaps that overlap a range.
// Read-only; the reader role suffices.
#pragma once

#include "app/model/gap.h"
#include "app/model/live_trade.h"
#include "app/model/trade.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::db {

// The instrument's id, or nullopt when the database holds no such instrument.
std::optional<int> findInstrument(
    pqxx::connection &connection, const std::string &exchange, const std::string &symbol);

// Trades of `instrumentId` with fromNs <= time < toNs, oldest first (ties by receive time and
// id), streamed to `each` without holding them all, until `each` returns false (the server then
// stops reading); returns how many `each` was given.
std::int64_t forEachTrade(pqxx::connection &connection, int instrumentId, std::int64_t fromNs,
    std::int64_t toNs, const std::function<bool(const model::Trade &trade)> &each);

// The newest `limit` trades of `instrumentId` with time >= fromNs, oldest first, as the console
// draws them (doubles; `instrument` left 0): what a chart loads when it opens.
std::vector<model::LiveTrade> newestTrades(
    pqxx::connection &connection, int instrumentId, std::int64_t fromNs, std::int64_t limit);

// The latest trade of each instrument that has one (market_data.latest_trades, which the writer
// keeps), optionally of one exchange and/or one symbol, by exchange and symbol.
struct LatestTrade
{
    std::string exchange;
    std::string symbol;
    model::Trade trade;
};
std::vector<LatestTrade> latestTrades(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol);

// A page of one instrument's trades in (time, trade id) order, and where the next page starts.
struct TradePage
{
    std::vector<model::Trade> trades;
    // Opaque to clients; empty when this page was the last one so far (fewer than asked for).
    std::string nextCursor;
};

// Whether `cursor` is one that tradesAfter() gave (its form only: hex of a time and a trade id).
bool isTradeCursor(std::string_view cursor);

// Up to `limit` trades of `instrumentId` with time >= sinceNs, after `cursor` when it is not
// empty (the nextCursor of the page before; then sinceNs is ignored).
TradePage tradesAfter(pqxx::connection &connection, int instrumentId, std::int64_t sinceNs,
    std::string_view cursor, int limit);

// Gaps of `instrumentId` that overlap [fromNs, toNs), with the times around them (sequence gaps
// without known times are left out: they cannot be placed).
std::vector<model::Gap> gapsInRange(
    pqxx::connection &connection, int instrumentId, std::int64_t fromNs, std::int64_t toNs);

} // namespace tickscope::db
