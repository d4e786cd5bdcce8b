// An instrument's order book rebuilt from market_data.book_snapshots and book_deltas as of an
// instant, as a backtest sees it: the latest snapshot received by then, and the deltas after it
// (by the exchange's sequence, later than the snapshot's) received by then. A live view keeps one
// and advances it by what was stored since. The Book page (through app::BookMonitor) uses it.
#pragma once

#include "app/model/book_ladder.h"
#include "app/model/decimal.h"

#include <functional>
#include <map>
#include <optional>

namespace pqxx {
class connection;
class row;
} // namespace pqxx

namespace tickscope::db {

class BookRebuild
{
public:
    // Nullopt when no snapshot of the instrument had been received by `asOfNs`.
    static std::optional<BookRebuild> asOf(
        pqxx::connection &connection, int instrumentId, std::int64_t asOfNs);

    // Applies the deltas received after the last one applied, up to `untilNs`; starts again from
    // a newer snapshot when one was stored (a resync). Returns whether anything changed.
    bool advance(pqxx::connection &connection, std::int64_t untilNs);

    // The best `depth` levels of each side, and the times of the last event applied.
    model::BookLadder ladder(std::size_t depth) const;

private:
    BookRebuild(int instrumentId)
        : m_instrumentId(instrumentId)
    { }
    // Loads the latest snapshot received by `asOfNs`; false if there is none.
    bool loadSnapshot(pqxx::connection &connection, std::int64_t asOfNs);
    // Applies a stored event's levels: kLevelColumns, from column `first` of `row`.
    void applyLevels(const pqxx::row &row, int first);

    int m_instrumentId;
    std::map<model::Decimal, model::Decimal, std::greater<>> m_bids;
    std::map<model::Decimal, model::Decimal> m_asks;
    std::int64_t m_snapshotReceivedNs = 0;
    std::int64_t m_sequence = 0;
    std::int64_t m_exchangeTimeNs = 0;
    std::int64_t m_receivedAtNs = 0;
    std::int64_t m_deltasApplied = 0;
};

} // namespace tickscope::db
