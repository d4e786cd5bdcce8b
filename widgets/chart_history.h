// What a live chart asks of the database when it opens or its window or bars change, and the
// answer: the newest stored trades of its window and, before them, the stored OHLCV aggregates,
// so that a chart starts full instead of empty. TickChart makes the request and merges the answer
// in front of the trades it has been given live; app::ChartHistoryReader answers it on a thread
// of its own. Value types: they cross threads in queued signals.
#pragma once

#include "app/analytics/bar_builder.h"
#include "widgets/tick_ring.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::widgets {

struct ChartHistoryRequest
{
    std::string exchange;
    std::string symbol;
    std::int64_t fromNs = 0; // the window's start; time bars: the first bucket's
    // The width of the aggregate bars wanted before the trades (a whole number of minutes that
    // a stored level divides); 0: trades only (tick, volume and dollar bars).
    std::int64_t barWidthNs = 0;
    std::int64_t maxTrades = 0; // the newest ones are loaded
    std::uint64_t serial = 0; // the chart's count of requests: an older answer is stale
};

struct ChartHistory
{
    ChartHistoryRequest request;
    // Every trade stored from `tradesFromNs` on (a whole millisecond), oldest first.
    std::int64_t tradesFromNs = 0;
    std::vector<TickPoint> trades;
    // Bars of request.barWidthNs for [fromNs, tradesFromNs), oldest first: the aggregates', and
    // the trades they have not taken yet summed; the last may be a bucket cut at tradesFromNs,
    // which the chart's own bar of the trades continues.
    std::vector<analytics::Bar> bars;
    // The bars lack the trades from here on (up to some minutes before tradesFromNs): the
    // aggregates' refresh has not taken them yet, and they are too many to sum for a chart.
    std::optional<std::int64_t> staleFromNs;
    std::string error; // the database's message when it could not answer
};

} // namespace tickscope::widgets
