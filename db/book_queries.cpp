#include "db/book_queries.h"

#include "db/sql_time.h"

#include <pqxx/pqxx>
#include <stdexcept>

namespace tickscope::db {

namespace {

// A delta received before its snapshot is applied after it when its sequence is later (Binance
// buffers updates while it fetches the snapshot); no exchange buffers longer than this.
constexpr std::int64_t kBufferedBeforeSnapshotNs = 60'000'000'000;

// When Tickscope received a snapshot or delta (migration 0027 stores it after the exchange's time).
constexpr const char *kReceivedAt = "market_data.received_at(time, received_after_us)";

// The columns of a snapshot or delta after its times and sequence: the scales of its prices and
// sizes, then its four level arrays as text: units at those scales, or decimals where the scales
// are NULL (a value past a bigint's units, migration 0027).
constexpr const char *kLevelColumns
    = "price_scale, size_scale, "
      "array_to_string(coalesce(bid_price_units::text[], bid_prices_exact::text[]), ','), "
      "array_to_string(coalesce(bid_size_units::text[], bid_sizes_exact::text[]), ','), "
      "array_to_string(coalesce(ask_price_units::text[], ask_prices_exact::text[]), ','), "
      "array_to_string(coalesce(ask_size_units::text[], ask_sizes_exact::text[]), ',')";

// One stored price or size: units of 10^-scale, or a decimal where the row has no scale.
model::Decimal storedValue(std::string_view text, std::optional<int> scale)
{
    const auto value = model::Decimal::parse(text);
    if (!value || (scale && value->scale != 0))
        throw std::runtime_error("a stored book level is not a decimal: " + std::string(text));
    return scale ? model::Decimal::fromUnits(value->mantissa, *scale) : *value;
}

// Sets (a size of zero removes) each level of `prices` and `sizes`, comma-separated.
template<typename Side>
void applySide(Side &side, std::string_view prices, std::string_view sizes,
    std::optional<int> priceScale, std::optional<int> sizeScale)
{
    while (!prices.empty()) {
        const auto priceEnd = prices.find(',');
        const auto sizeEnd = sizes.find(',');
        const auto price = storedValue(prices.substr(0, priceEnd), priceScale);
        const auto size = storedValue(sizes.substr(0, sizeEnd), sizeScale);
        if (size.isZero())
            side.erase(price);
        else
            side[price] = size;
        prices
            = priceEnd == std::string_view::npos ? std::string_view() : prices.substr(priceEnd + 1);
        sizes = sizeEnd == std::string_view::npos ? std::string_view() : sizes.substr(sizeEnd + 1);
    }
}

template<typename Side> std::vector<model::PriceLevel> best(const Side &side, std::size_t depth)
{
    std::vector<model::PriceLevel> levels;
    for (const auto &[price, size] : side) {
        if (levels.size() == depth)
            break;
        levels.push_back({price, size});
    }
    return levels;
}

} // namespace

bool BookRebuild::loadSnapshot(pqxx::connection &connection, std::int64_t asOfNs)
{
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec(
        std::format("SELECT {}, {}, sequence, {} FROM market_data.book_snapshots WHERE "
                    "instrument_id = $1 AND {} <= {} AND time <= {} + interval '1 minute' "
                    "ORDER BY {} DESC, sequence DESC LIMIT 1",
            epochNanoseconds("time"), epochNanoseconds(kReceivedAt), kLevelColumns, kReceivedAt,
            timestampFromMicroseconds("$2"), timestampFromMicroseconds("$2"), kReceivedAt),
        pqxx::params{m_instrumentId, asOfNs / 1000});
    if (rows.empty())
        return false;
    const auto row = rows.front();
    m_bids.clear();
    m_asks.clear();
    m_exchangeTimeNs = row[0].as<std::int64_t>();
    m_receivedAtNs = m_snapshotReceivedNs = row[1].as<std::int64_t>();
    m_sequence = row[2].as<std::int64_t>();
    m_deltasApplied = 0;
    applyLevels(row, 3);
    return true;
}

std::optional<BookRebuild> BookRebuild::asOf(
    pqxx::connection &connection, int instrumentId, std::int64_t asOfNs)
{
    BookRebuild book{instrumentId};
    if (!book.loadSnapshot(connection, asOfNs))
        return std::nullopt;
    book.advance(connection, asOfNs);
    return book;
}

bool BookRebuild::advance(pqxx::connection &connection, std::int64_t untilNs)
{
    bool changed = false;
    {
        // A resync stored a newer snapshot: the book starts again from it.
        pqxx::read_transaction tx{connection};
        const bool newer
            = tx.exec(std::format("SELECT EXISTS (SELECT FROM market_data.book_snapshots WHERE "
                                  "instrument_id = $1 AND {3} > {0} AND {3} <= {1} "
                                  "AND time > {2} - interval '1 minute')",
                          timestampFromMicroseconds("$2"), timestampFromMicroseconds("$3"),
                          timestampFromMicroseconds("$2"), kReceivedAt),
                    pqxx::params{m_instrumentId, m_snapshotReceivedNs / 1000, untilNs / 1000})
                  .one_field()
                  .as<bool>();
        tx.commit();
        if (newer)
            changed = loadSnapshot(connection, untilNs);
    }
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec(
        std::format(
            "SELECT {0}, {1}, sequence, {2} FROM market_data.book_deltas WHERE instrument_id "
            "= $1 AND sequence > $2 AND {3} >= {4} AND {3} <= {5} AND time "
            ">= {6} - interval '1 minute' AND time <= {5} + interval '1 minute' ORDER BY "
            "sequence, {3}",
            epochNanoseconds("time"), epochNanoseconds(kReceivedAt), kLevelColumns, kReceivedAt,
            timestampFromMicroseconds("$3"), timestampFromMicroseconds("$4"),
            timestampFromMicroseconds("$5")),
        pqxx::params{m_instrumentId, m_sequence,
            (m_snapshotReceivedNs - kBufferedBeforeSnapshotNs) / 1000, untilNs / 1000,
            (m_exchangeTimeNs - kBufferedBeforeSnapshotNs) / 1000});
    for (const auto &row : rows) {
        m_exchangeTimeNs = row[0].as<std::int64_t>();
        m_receivedAtNs = row[1].as<std::int64_t>();
        m_sequence = row[2].as<std::int64_t>();
        applyLevels(row, 3);
        ++m_deltasApplied;
        changed = true;
    }
    return changed;
}

void BookRebuild::applyLevels(const pqxx::row &row, int first)
{
    const auto priceScale = row[first].as<std::optional<int>>();
    const auto sizeScale = row[first + 1].as<std::optional<int>>();
    applySide(m_bids, row[first + 2].as<std::string_view>(), row[first + 3].as<std::string_view>(),
        priceScale, sizeScale);
    applySide(m_asks, row[first + 4].as<std::string_view>(), row[first + 5].as<std::string_view>(),
        priceScale, sizeScale);
}

model::BookLadder BookRebuild::ladder(std::size_t depth) const
{
    model::BookLadder ladder;
    ladder.bids = best(m_bids, depth);
    ladder.asks = best(m_asks, depth);
    ladder.sequence = m_sequence;
    ladder.exchangeTimeNs = m_exchangeTimeNs;
    ladder.receivedAtNs = m_receivedAtNs;
    ladder.snapshotReceivedNs = m_snapshotReceivedNs;
    ladder.deltasApplied = m_deltasApplied;
    return ladder;
}

} // namespace tickscope::db
