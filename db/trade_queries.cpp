#include "db/trade_queries.h"

#include "db/sql_time.h"

#include <algorithm>
#include <charconv>
#include <format>
#include <limits>
#include <pqxx/pqxx>
#include <stdexcept>
#include <utility>

namespace tickscope::db {

namespace {

// The columns every trade query here selects, in this order: times in ns, then the id, price,
// size and side as text. Of market_data.trades, where they are stored as TimescaleDB compresses
// them (migration 0019) ...
std::string tradeColumns()
{
    return std::format(
        "{0}, {0} + received_after_us * 1000, "
        "coalesce(trade_id::text, trade_uuid::text, trade_ref), "
        "market_data.to_numeric(price_units, price_scale, price_exact)::text, "
        "market_data.to_numeric(size_units, size_scale, size_exact)::text, side::text",
        epochNanoseconds("time"));
}

// ... and of market_data.latest_trades, which keeps them as they read.
std::string latestTradeColumns()
{
    return std::format("{}, {}, coalesce(l.trade_id::text, l.trade_ref), l.price::text, "
                       "l.size::text, l.side::text",
        epochNanoseconds("l.time"), epochNanoseconds("l.received_at"));
}

model::Trade tradeFromColumns(std::int64_t time, std::int64_t received, const std::string &id,
    const std::string &price, const std::string &size, const std::string &side)
{
    model::Trade trade{.exchangeTimeNs = time, .receivedAtNs = received};
    trade.setTradeId(id);
    const auto exactPrice = model::Decimal::parse(price);
    const auto exactSize = model::Decimal::parse(size);
    if (!exactPrice || !exactSize)
        throw std::runtime_error(std::format(
            "trade {} has a price or size beyond 18 decimals: {} x {}", id, price, size));
    trade.price = *exactPrice;
    trade.size = *exactSize;
    trade.side = side == "B" ? model::Side::Buy
        : side == "S"        ? model::Side::Sell
                             : model::Side::Unknown;
    return trade;
}

model::Trade tradeFromRow(const pqxx::row &row, int first)
{
    return tradeFromColumns(row[first].as<std::int64_t>(), row[first + 1].as<std::int64_t>(),
        row[first + 2].as<std::string>(), row[first + 3].as<std::string>(),
        row[first + 4].as<std::string>(), row[first + 5].as<std::string>());
}

// A cursor is the hex of aggregates.trade_order() of the last trade of a page: 8 bytes of time
// (µs, sign bit flipped), then 00 and 8 bytes of numeric id, or 01 and the text id.
constexpr std::size_t kCursorTimeDigits = 16;

// The time (µs) at the head of a cursor.
std::int64_t cursorMicroseconds(std::string_view cursor)
{
    std::uint64_t flipped = 0;
    std::from_chars(cursor.data(), cursor.data() + kCursorTimeDigits, flipped, 16);
    return static_cast<std::int64_t>(flipped ^ (1ull << 63));
}

} // namespace

std::optional<int> findInstrument(
    pqxx::connection &connection, const std::string &exchange, const std::string &symbol)
{
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec("SELECT instrument_id FROM market_data.instruments "
                              "WHERE exchange = $1 AND symbol = $2",
        pqxx::params{exchange, symbol});
    if (rows.empty())
        return std::nullopt;
    return rows[0][0].as<int>();
}

std::int64_t forEachTrade(pqxx::connection &connection, int instrumentId, std::int64_t fromNs,
    std::int64_t toNs, const std::function<bool(const model::Trade &trade)> &each)
{
    // A stream (COPY underneath) holds one row at a time, however long the range; it takes no
    // parameters, so the bounds, all numbers, are written into the query.
    pqxx::read_transaction tx{connection};
    const std::string query = std::format(
        "SELECT {} FROM market_data.trades WHERE instrument_id = {} AND time >= {} AND time < {} "
        "ORDER BY time, received_after_us, trade_id, trade_uuid, trade_ref",
        tradeColumns(), instrumentId, timestampLiteral(fromNs), timestampLiteral(toNs));
    std::int64_t count = 0;
    bool stopped = false;
    try {
        for (const auto &[time, received, id, price, size, side] : tx.stream<std::int64_t,
                 std::int64_t, std::string, std::string, std::string, std::string>(query)) {
            if (stopped)
                continue; // what the server sent before it saw the cancel
            ++count;
            if (!each(tradeFromColumns(time, received, id, price, size, side))) {
                // A COPY cannot be left half read: the server is told to stop, and the rows
                // already on their way are passed over until it ends the COPY.
                connection.cancel_query();
                stopped = true;
            }
        }
    } catch (const pqxx::failure &) {
        if (!stopped)
            throw; // otherwise: the cancel, as asked
    }
    return count;
}

std::vector<model::LiveTrade> newestTrades(
    pqxx::connection &connection, int instrumentId, std::int64_t fromNs, std::int64_t limit)
{
    pqxx::read_transaction tx{connection};
    std::vector<model::LiveTrade> trades;
    trades.reserve(static_cast<std::size_t>(std::clamp<std::int64_t>(limit, 0, 1 << 20)));
    for (const auto &[time, price, size] :
        tx.query<std::int64_t, double, double>(
            std::format(
                "SELECT {}, market_data.to_numeric(price_units, price_scale, price_exact)::float8, "
                "market_data.to_numeric(size_units, size_scale, size_exact)::float8 "
                "FROM market_data.trades WHERE instrument_id = $1 AND time >= {} "
                "ORDER BY time DESC, trade_id, trade_uuid, trade_ref LIMIT $3",
                epochNanoseconds("time"), timestampFromMicroseconds("$2")),
            pqxx::params{instrumentId, fromNs / 1000, limit}))
        trades.push_back({.exchangeTimeNs = time, .price = price, .size = size});
    // Newest first as the index has them, trades of one instant in id order: oldest first, ties
    // kept in id order, as the aggregates take a bucket's first and last.
    std::ranges::stable_sort(trades, {}, &model::LiveTrade::exchangeTimeNs);
    return trades;
}

std::vector<LatestTrade> latestTrades(pqxx::connection &connection,
    const std::optional<std::string> &exchange, const std::optional<std::string> &symbol)
{
    // One statement: without BEGIN and COMMIT it is one round trip instead of three.
    pqxx::nontransaction tx{connection};
    std::vector<LatestTrade> latest;
    for (const auto &row :
        tx.exec(std::format("SELECT i.exchange, i.symbol, {} FROM market_data.latest_trades l "
                            "JOIN market_data.instruments i USING (instrument_id) "
                            "WHERE ($1::text IS NULL OR i.exchange = $1) "
                            "AND ($2::text IS NULL OR i.symbol = $2) ORDER BY 1, 2",
                    latestTradeColumns()),
            pqxx::params{exchange, symbol}))
        latest.push_back({.exchange = row[0].as<std::string>(),
            .symbol = row[1].as<std::string>(),
            .trade = tradeFromRow(row, 2)});
    return latest;
}

bool isTradeCursor(std::string_view cursor)
{
    const auto hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    };
    if (cursor.size() % 2 != 0 || cursor.size() < kCursorTimeDigits + 4
        || !std::ranges::all_of(cursor, hex))
        return false;
    // A time the database gave is one whose nanoseconds fit in 64 bits.
    const std::int64_t micros = cursorMicroseconds(cursor);
    constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 1000;
    if (micros < -kLimit || micros > kLimit)
        return false;
    const std::string_view kind = cursor.substr(kCursorTimeDigits, 2);
    return (kind == "00" && cursor.size() == kCursorTimeDigits + 2 + 16) || kind == "01";
}

TradePage tradesAfter(pqxx::connection &connection, int instrumentId, std::int64_t sinceNs,
    std::string_view cursor, int limit)
{
    if (!cursor.empty() && !isTradeCursor(cursor))
        throw std::invalid_argument("not a trade cursor");
    const std::int64_t fromNs = cursor.empty() ? sinceNs : cursorMicroseconds(cursor) * 1000;
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec(
        std::format("SELECT {}, encode(aggregates.trade_order(time, trade_id, trade_uuid, "
                    "trade_ref), 'hex') FROM market_data.trades WHERE instrument_id = $1 "
                    "AND time >= {} AND ($3 = '' OR aggregates.trade_order(time, trade_id, "
                    "trade_uuid, trade_ref) > decode($3, 'hex')) ORDER BY time, "
                    "aggregates.trade_order(time, trade_id, trade_uuid, trade_ref) LIMIT $4",
            tradeColumns(), timestampFromMicroseconds("$2")),
        pqxx::params{instrumentId, fromNs / 1000, std::string(cursor), limit});
    TradePage page;
    for (const auto &row : rows)
        page.trades.push_back(tradeFromRow(row, 0));
    if (std::cmp_equal(rows.size(), limit) && !rows.empty())
        page.nextCursor = rows.back()[6].as<std::string>();
    return page;
}

std::vector<model::Gap> gapsInRange(
    pqxx::connection &connection, int instrumentId, std::int64_t fromNs, std::int64_t toNs)
{
    pqxx::read_transaction tx{connection};
    std::vector<model::Gap> gaps;
    for (const auto &row :
        tx.exec(std::format("SELECT kind, {}, {}, coalesce(note, '') FROM "
                            "audit.gaps WHERE instrument_id = $1 AND "
                            "gap_start < {} AND gap_end >= {} ORDER BY gap_start",
                    epochNanoseconds("gap_start"), epochNanoseconds("gap_end"),
                    timestampFromMicroseconds("$3"), timestampFromMicroseconds("$2")),
            pqxx::params{instrumentId, fromNs / 1000, toNs / 1000})) {
        const std::string kind = row[0].as<std::string>();
        model::Gap gap{.beforeTimeNs = row[1].as<std::int64_t>(),
            .afterTimeNs = row[2].as<std::int64_t>(),
            .cause = row[3].as<std::string>()};
        for (const auto candidate : {model::Gap::Kind::TradeId, model::Gap::Kind::BookSequence,
                 model::Gap::Kind::Checksum, model::Gap::Kind::Disconnect, model::Gap::Kind::Outage,
                 model::Gap::Kind::Silence}) {
            if (kind == model::kindName(candidate))
                gap.kind = candidate;
        }
        gaps.push_back(std::move(gap));
    }
    return gaps;
}

} // namespace tickscope::db
