#include "db/book_queries.h"

#include "db/sql_time.h"

#include <pqxx/pqxx>
#include <stdexcept>

namespace tickscope::db {

namespace {

// A delta received before its snapshot is applied after it when its sequence is later (Binance
// buffers updates while it fetches the snapshot); no exchange buffers longer than this.
constexpr std::int64_t kBufferedBeforeSnapshotNs = 60'000'000'000;

// The columns of a snapshot or delta after its times and sequence: the four arrays as text.
constexpr const char *kLevelColumns
    = "array_to_string(bid_prices, ','), array_to_string(bid_sizes, ','), "
      "array_to_string(ask_prices, ','), array_to_string(ask_sizes, ',')";

// Sets (a size of zero removes) each level of `prices` and `sizes`, comma-separated decimals.
template<typename Side>
void applyLevels(Side &side, std::string_view prices, std::string_view sizes)
{
    while (!prices.empty()) {
        const auto priceEnd = prices.find(',');
        const auto sizeEnd = sizes.find(',');
        const auto price = model::Decimal::parse(prices.substr(0, priceEnd));
        const auto size = model::Decimal::parse(sizes.substr(0, sizeEnd));
        if (!price || !size)
            throw std::runtime_error(
                "a stored book level is not a decimal: " + std::string(prices.substr(0, priceEnd))
                + " x " + std::string(sizes.substr(0, sizeEnd)));
        if (size->isZero())
            side.erase(*price);
        else
            side[*price] = *size;
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
                    "instrument_id = $1 AND received_at <= {} AND time <= {} + interval '1 minute' "
                    "ORDER BY received_at DESC, sequence DESC LIMIT 1",
            epochNanoseconds("time"), epochNanoseconds("received_at"), kLevelColumns,
            timestampFromMicroseconds("$2"), timestampFromMicroseconds("$2")),
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
    applyLevels(m_bids, row[3].as<std::string_view>(), row[4].as<std::string_view>());
    applyLevels(m_asks, row[5].as<std::string_view>(), row[6].as<std::string_view>());
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
                                  "instrument_id = $1 AND received_at > {} AND received_at <= {} "
                                  "AND time > {} - interval '1 minute')",
                          timestampFromMicroseconds("$2"), timestampFromMicroseconds("$3"),
                          timestampFromMicroseconds("$2")),
                    pqxx::params{m_instrumentId, m_snapshotReceivedNs / 1000, untilNs / 1000})
                  .one_field()
                  .as<bool>();
        tx.commit();
        if (newer)
            changed = loadSnapshot(connection, untilNs);
    }
    pqxx::read_transaction tx{connection};
    const auto rows = tx.exec(
        std::format("SELECT {}, {}, sequence, {} FROM market_data.book_deltas WHERE instrument_id "
                    "= $1 AND sequence > $2 AND received_at >= {} AND received_at <= {} AND time "
                    ">= {} - interval '1 minute' AND time <= {} + interval '1 minute' ORDER BY "
                    "sequence, received_at",
            epochNanoseconds("time"), epochNanoseconds("received_at"), kLevelColumns,
            timestampFromMicroseconds("$3"), timestampFromMicroseconds("$4"),
            timestampFromMicroseconds("$5"), timestampFromMicroseconds("$4")),
        pqxx::params{m_instrumentId, m_sequence,
            (m_snapshotReceivedNs - kBufferedBeforeSnapshotNs) / 1000, untilNs / 1000,
            (m_exchangeTimeNs - kBufferedBeforeSnapshotNs) / 1000});
    for (const auto &row : rows) {
        m_exchangeTimeNs = row[0].as<std::int64_t>();
        m_receivedAtNs = row[1].as<std::int64_t>();
        m_sequence = row[2].as<std::int64_t>();
        applyLevels(m_bids, row[3].as<std::string_view>(), row[4].as<std::string_view>());
        applyLevels(m_asks, row[5].as<std::string_view>(), row[6].as<std::string_view>());
        ++m_deltasApplied;
        changed = true;
    }
    return changed;
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
