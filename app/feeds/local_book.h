// A local L2 order book: price -> size per side, built from a snapshot and kept current by
// deltas. The feed thread owns it; the console and `replay` read its best levels.
#pragma once

#include "app/model/book.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace tickscope::feeds {

class LocalBook
{
public:
    // Levels kept per side, the best ones: a feed that never removes what it adds (broken or
    // hostile) cannot grow a book without bound. Far above any depth an exchange checksums or a
    // page shows, and above the deepest full books (Coinbase level2, some 30,000 levels).
    static constexpr std::size_t kMaxLevelsPerSide = 100'000;

    void reset(const model::BookSnapshot &snapshot);
    void clear();
    // Absolute sizes; a zero size removes the level (removing an absent level is a no-op). The
    // worst levels beyond kMaxLevelsPerSide go.
    void apply(const model::BookDelta &delta) { apply(delta.bids, delta.asks); }
    void apply(std::span<const model::PriceLevel> bids, std::span<const model::PriceLevel> asks);

    std::optional<model::PriceLevel> bestBid() const;
    std::optional<model::PriceLevel> bestAsk() const;
    // Best first; at most `limit` levels.
    std::vector<model::PriceLevel> bids(std::size_t limit = SIZE_MAX) const;
    std::vector<model::PriceLevel> asks(std::size_t limit = SIZE_MAX) const;
    // Drops the levels beyond the best `depth` of each side.
    void truncate(std::size_t depth);
    bool empty() const { return m_bids.empty() && m_asks.empty(); }
    // The best bid at or above the best ask: a book no exchange would show.
    bool crossed() const
    {
        return !m_bids.empty() && !m_asks.empty() && m_bids.begin()->first >= m_asks.begin()->first;
    }

private:
    std::map<model::Decimal, model::Decimal, std::greater<>> m_bids;
    std::map<model::Decimal, model::Decimal, std::less<>> m_asks;
};

} // namespace tickscope::feeds
