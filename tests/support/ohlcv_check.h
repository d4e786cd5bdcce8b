// Every aggregate level against plain SQL over the stored trades, for the tests that change the
// trades under the aggregates (compression, late trades, live ingest).
#pragma once

#include <cstdint>
#include <format>
#include <pqxx/pqxx>
#include <string_view>

namespace tickscope::testing {

// The rows of aggregates.ohlcv at `level` ("1m" .. "1d") that differ from, or are missing in,
// what open, high, low, close, volume and count over market_data.trades give per bucket; with
// `from` (a timestamptz literal at the start of a UTC day, where every level's buckets start),
// only the buckets from then on.
inline std::int64_t ohlcvRowsDifferingFromTrades(
    pqxx::connection &connection, std::string_view level, std::string_view from = "-infinity")
{
    return pqxx::nontransaction{connection}.query_value<std::int64_t>(std::format(
        "WITH raw AS (SELECT time_bucket(l.bucket_width, t.time) AS time, t.instrument_id, "
        "(array_agg(price ORDER BY t.order_key))[1] AS open, max(price) AS high, min(price) "
        "AS low, (array_agg(price ORDER BY t.order_key DESC))[1] AS close, sum(size) AS "
        "volume, count(*) AS trades FROM (SELECT time, instrument_id, "
        "aggregates.trade_order(time, trade_id, trade_uuid, trade_ref) AS order_key, "
        "market_data.to_numeric(price_units, price_scale) AS price, "
        "market_data.to_numeric(size_units, size_scale) AS size FROM market_data.trades) t, "
        "aggregates.levels l WHERE l.name = '{0}' AND t.time >= '{1}' GROUP BY 1, 2), agg "
        "AS (SELECT time, instrument_id, open, high, low, close, volume, trades FROM "
        "aggregates.ohlcv WHERE interval = '{0}' AND time >= '{1}') SELECT count(*) FROM ((TABLE "
        "raw EXCEPT TABLE agg) UNION ALL (TABLE agg EXCEPT TABLE raw)) d",
        level, from));
}

} // namespace tickscope::testing
