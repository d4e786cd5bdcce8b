#include "db/trade_queries.h"

#include "db/sql_time.h"

#include <format>
#include <pqxx/pqxx>
#include <stdexcept>

namespace tickscope::db {

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
    std::int64_t toNs, const std::function<void(const model::Trade &trade)> &each)
{
    // A stream (COPY underneath) holds one row at a time, however long the range; it takes no
    // parameters, so the bounds, all numbers, are written into the query.
    pqxx::read_transaction tx{connection};
    const std::string query = std::format(
        "SELECT {}, {}, coalesce(trade_id::text, trade_ref), price::text, size::text, side::text "
        "FROM market_data.trades WHERE instrument_id = {} AND time >= {} AND time < {} "
        "ORDER BY time, received_at, trade_id, trade_ref",
        epochNanoseconds("time"), epochNanoseconds("received_at"), instrumentId,
        timestampLiteral(fromNs), timestampLiteral(toNs));
    std::int64_t count = 0;
    for (const auto &[time, received, id, price, size, side] :
        tx.stream<std::int64_t, std::int64_t, std::string, std::string, std::string, std::string>(
            query)) {
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
        each(trade);
        ++count;
    }
    return count;
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
