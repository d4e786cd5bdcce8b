#include "app/feeds/local_book.h"

#include <algorithm>
#include <iterator>

namespace tickscope::feeds {

namespace {

template<typename Side> void applyLevels(Side &side, std::span<const model::PriceLevel> levels)
{
    for (const auto &level : levels) {
        if (level.size.isZero())
            side.erase(level.price);
        else
            side.insert_or_assign(level.price, level.size);
    }
}

template<typename Side> std::vector<model::PriceLevel> levelsOf(const Side &side, std::size_t limit)
{
    std::vector<model::PriceLevel> levels;
    levels.reserve(std::min(side.size(), limit));
    for (const auto &[price, size] : side) {
        if (levels.size() == limit)
            break;
        levels.push_back({price, size});
    }
    return levels;
}

template<typename Side> void truncateSide(Side &side, std::size_t depth)
{
    while (side.size() > depth)
        side.erase(std::prev(side.end()));
}

template<typename Side> std::optional<model::PriceLevel> bestOf(const Side &side)
{
    if (side.empty())
        return std::nullopt;
    return model::PriceLevel{side.begin()->first, side.begin()->second};
}

} // namespace

void LocalBook::reset(const model::BookSnapshot &snapshot)
{
    clear();
    apply(snapshot.bids, snapshot.asks);
}

void LocalBook::clear()
{
    m_bids.clear();
    m_asks.clear();
}

void LocalBook::apply(
    std::span<const model::PriceLevel> bids, std::span<const model::PriceLevel> asks)
{
    applyLevels(m_bids, bids);
    applyLevels(m_asks, asks);
    truncate(kMaxLevelsPerSide);
}

std::optional<model::PriceLevel> LocalBook::bestBid() const
{
    return bestOf(m_bids);
}

std::optional<model::PriceLevel> LocalBook::bestAsk() const
{
    return bestOf(m_asks);
}

std::vector<model::PriceLevel> LocalBook::bids(std::size_t limit) const
{
    return levelsOf(m_bids, limit);
}

std::vector<model::PriceLevel> LocalBook::asks(std::size_t limit) const
{
    return levelsOf(m_asks, limit);
}

void LocalBook::truncate(std::size_t depth)
{
    truncateSide(m_bids, depth);
    truncateSide(m_asks, depth);
}

} // namespace tickscope::feeds
