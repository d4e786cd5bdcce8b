#include "db/ohlcv_queries.h"

#include "db/sql_time.h"

#include <format>
#include <pqxx/pqxx>
#include <stdexcept>

namespace tickscope::db {

namespace {

model::Decimal exact(const pqxx::field &field)
{
    const auto text = field.as<std::string>();
    const auto value = model::Decimal::parse(text);
    if (!value)
        throw std::runtime_error(
            std::format("{} {} does not fit Tickscope's decimals", field.name(), text));
    return *value;
}

// A bar's sum: exact to 1e-18, as analytics::Fixed keeps it, whatever the numeric's width (a
// 20-digit price times a 20-digit size has 40 digits and 36 decimals).
analytics::Fixed sum(const pqxx::field &field)
{
    const auto text = field.as<std::string>();
    const auto value = analytics::Fixed::parse(text);
    if (!value)
        throw std::runtime_error(std::format("{} {} is not a decimal", field.name(), text));
    return *value;
}

// The columns both bar queries select, rolling up a subquery of (rolled, bucket, open, high,
// ...) in which `rolled` is the bar's bucket and `bucket` orders the rows rolled into it.
constexpr std::string_view kBarColumns
    = "first(open, bucket)::text, max(high)::text, min(low)::text, last(close, bucket)::text, "
      "sum(volume)::text, sum(notional)::text, sum(buy_volume)::text, sum(sell_volume)::text, "
      "sum(trades)::bigint";

// The same columns of a level's own rows.
constexpr std::string_view kStoredBarColumns
    = "open::text, high::text, low::text, close::text, volume::text, notional::text, "
      "buy_volume::text, sell_volume::text, trades";

std::vector<analytics::Bar> barsOf(const pqxx::result &rows, std::int64_t intervalSeconds)
{
    std::vector<analytics::Bar> bars;
    bars.reserve(rows.size());
    for (const auto &row : rows) {
        const std::int64_t open = row[0].as<std::int64_t>();
        bars.push_back({.openTimeNs = open,
            .closeTimeNs = open + intervalSeconds * 1'000'000'000,
            .open = exact(row[1]),
            .high = exact(row[2]),
            .low = exact(row[3]),
            .close = exact(row[4]),
            .volume = sum(row[5]),
            .notional = sum(row[6]),
            .buyVolume = sum(row[7]),
            .sellVolume = sum(row[8]),
            .trades = row[9].as<std::int64_t>()});
    }
    return bars;
}

} // namespace

std::optional<OhlcvLevel> ohlcvLevelFor(pqxx::connection &connection, std::int64_t intervalSeconds)
{
    pqxx::read_transaction tx{connection};
    // The relation as the catalog names it (quoted where it must be): aggregates.levels is the
    // admin's to write, and its text is never spliced into SQL as it stands.
    const auto rows = tx.exec("SELECT name, to_regclass(relation)::text, "
                              "extract(epoch FROM bucket_width)::bigint FROM aggregates.levels "
                              "WHERE $1 % extract(epoch FROM bucket_width)::bigint = 0 "
                              "AND to_regclass(relation) IS NOT NULL "
                              "ORDER BY bucket_width DESC LIMIT 1",
        pqxx::params{intervalSeconds});
    if (rows.empty())
        return std::nullopt;
    return OhlcvLevel{.name = rows[0][0].as<std::string>(),
        .relation = rows[0][1].as<std::string>(),
        .widthSeconds = rows[0][2].as<std::int64_t>()};
}

std::vector<analytics::Bar> ohlcvBars(pqxx::connection &connection, const OhlcvLevel &level,
    int instrumentId, std::int64_t intervalSeconds, std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    // The relation's name is the catalog's (ohlcvLevelFor), not the client's.
    const std::string levelRows = std::format(
        "FROM {} WHERE instrument_id = $1 AND bucket >= time_bucket($2 * interval '1 second', {}) "
        "AND bucket < {}",
        level.relation, timestampFromMicroseconds("$3"), timestampFromMicroseconds("$4"));
    // At the level's own width a bar is one stored row, read as it is: rolled up, each would be
    // a group of one through first() and last() over numerics (bench_queries b on the TSL
    // edition: 14.6 -> 12.4 ms p50 for a day of 1-minute bars).
    const std::string query = intervalSeconds == level.widthSeconds
        ? std::format("SELECT {}, {} {} ORDER BY bucket", epochNanoseconds("bucket"),
              kStoredBarColumns, levelRows)
        : std::format("SELECT {}, {} FROM (SELECT time_bucket($2 * interval '1 second', bucket) "
                      "AS rolled, * {}) b GROUP BY rolled ORDER BY rolled",
              epochNanoseconds("rolled"), kBarColumns, levelRows);
    const auto rows
        = tx.exec(query, pqxx::params{instrumentId, intervalSeconds, fromNs / 1000, toNs / 1000});
    return barsOf(rows, intervalSeconds);
}

std::vector<analytics::Bar> tradeBars(pqxx::connection &connection, int instrumentId,
    std::int64_t intervalSeconds, std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    // The finest level's own sums, so that these bars are the ones its refresh will store.
    const auto columns
        = tx.exec("SELECT select_list FROM aggregates.levels WHERE source = 'market_data.trades'")
              .one_field()
              .as<std::string>();
    const auto rows = tx.exec(
        std::format("SELECT {}, {} "
                    "FROM (SELECT time_bucket($2 * interval '1 second', time) AS rolled, "
                    "             time_bucket($2 * interval '1 second', time) AS bucket, {} "
                    "      FROM market_data.trades WHERE instrument_id = $1 "
                    "        AND time >= {} AND time < {} GROUP BY 1, 2) b "
                    "GROUP BY rolled ORDER BY rolled",
            epochNanoseconds("rolled"), kBarColumns, columns, timestampFromMicroseconds("$3"),
            timestampFromMicroseconds("$4")),
        pqxx::params{instrumentId, intervalSeconds, fromNs / 1000, toNs / 1000});
    return barsOf(rows, intervalSeconds);
}

std::optional<std::int64_t> pendingRefreshFrom(pqxx::connection &connection, int instrumentId)
{
    pqxx::nontransaction tx{connection};
    const auto field = tx.exec(std::format("SELECT {} FROM aggregates.refresh_queue "
                                           "WHERE instrument_id = $1",
                                   epochNanoseconds("min(bucket)")),
                             pqxx::params{instrumentId})
                           .one_field();
    return field.is_null() ? std::nullopt : std::optional(field.as<std::int64_t>());
}

} // namespace tickscope::db
