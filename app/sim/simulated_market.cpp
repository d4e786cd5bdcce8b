#include "app/sim/simulated_market.h"

#include <algorithm>
#include <iterator>

namespace tickscope::sim {

namespace {

constexpr std::int64_t kMinPriceTicks = 100; // the walk turns back at 1.00
static_assert(kMinPriceTicks > SimulatedMarket::kLevels, "bids must stay above zero");
constexpr std::int64_t kMaxSilentChanges = 3; // book changes hidden behind skipped update ids

constexpr std::uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;

// SplitMix64's finalizer: neighbouring inputs give unrelated outputs.
std::uint64_t mix(std::uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Unrelated streams for each symbol and purpose out of one seed (seeds 1 and 2 must not give
// the same numbers one step apart, as raw SplitMix states would).
std::uint64_t streamSeed(std::uint64_t seed, std::size_t index, std::uint64_t purpose)
{
    return mix(mix(seed) ^ mix((static_cast<std::uint64_t>(index) << 8) | purpose));
}

template<typename Side> Side::iterator randomLevel(Side &side, std::uint64_t draw)
{
    return std::next(side.begin(), static_cast<std::ptrdiff_t>(draw % side.size()));
}

} // namespace

std::uint64_t SimulatedMarket::Random::next()
{
    m_state += kGoldenGamma;
    return mix(m_state);
}

SimulatedMarket::SimulatedMarket(
    std::string symbol, std::size_t index, std::uint64_t seed, std::int64_t idBase)
    : m_symbol(std::move(symbol))
    , m_tradeRandom(streamSeed(seed, index, 1))
    , m_bookRandom(streamSeed(seed, index, 2))
{
    const auto base = static_cast<std::int64_t>(index + 1);
    m_priceTicks = 100'000 + static_cast<std::int64_t>(m_tradeRandom.below(9'900'000));
    m_nextTradeId
        = idBase + 1'000'000 * base + static_cast<std::int64_t>(m_tradeRandom.below(100'000));
    m_lastUpdateId
        = idBase + 10'000'000 * base + static_cast<std::int64_t>(m_bookRandom.below(1'000'000));
    placeBookAroundPrice();
}

void SimulatedMarket::placeBookAroundPrice()
{
    m_bids.clear();
    m_asks.clear();
    for (std::int64_t offset = 1; offset <= kLevels; ++offset) {
        m_bids.emplace(m_priceTicks - offset, randomBookQuantity());
        m_asks.emplace(m_priceTicks + offset, randomBookQuantity());
    }
}

void SimulatedMarket::continueAfter(std::int64_t lastTradeId, std::int64_t lastPriceTicks)
{
    m_nextTradeId = lastTradeId + 1;
    if (lastPriceTicks < kMinPriceTicks)
        return;
    m_priceTicks = lastPriceTicks;
    placeBookAroundPrice();
}

SimulatedMarket::Trade SimulatedMarket::nextTrade(std::int64_t timeUs)
{
    const auto step = static_cast<std::int64_t>(m_tradeRandom.below(5)) - 2;
    m_priceTicks += m_priceTicks + step >= kMinPriceTicks ? step : -step;
    const std::uint64_t draw = m_tradeRandom.next();
    const bool large = (draw & 0xF) == 0; // one trade in 16
    const auto lots = static_cast<std::uint32_t>(1 + (draw >> 8) % (large ? 500'000 : 5'000));
    const bool buyerIsMaker = ((draw >> 4) & 1) != 0;

    const std::int64_t id = m_nextTradeId++;
    if (m_segments.empty()
        || m_segments.back().firstId
                + static_cast<std::int64_t>(m_history.size() - m_segments.back().firstIndex)
            != id)
        m_segments.push_back({id, m_history.size()});
    m_history.push_back({timeUs, m_priceTicks, lots, buyerIsMaker});
    return {id, timeUs, m_priceTicks, lots, buyerIsMaker};
}

void SimulatedMarket::skipTrades(std::int64_t count)
{
    m_tradeGaps.emplace_back(m_nextTradeId, m_nextTradeId + count - 1);
    m_nextTradeId += count;
}

std::uint32_t SimulatedMarket::randomBookQuantity()
{
    return static_cast<std::uint32_t>(1 + m_bookRandom.below(300'000));
}

void SimulatedMarket::changeRandomLevel(DepthEvent &event)
{
    const bool bidSide = m_bookRandom.below(2) == 0;
    const bool remove = m_bookRandom.below(4) == 0;
    const std::uint64_t draw = m_bookRandom.next();
    auto change = [&](auto &side, auto &changes) {
        if (side.empty())
            return;
        const auto level = randomLevel(side, draw);
        if (remove) {
            changes.insert_or_assign(level->first, 0u);
            side.erase(level);
        } else {
            level->second = randomBookQuantity();
            changes.insert_or_assign(level->first, level->second);
        }
    };
    if (bidSide)
        change(m_bids, event.bids);
    else
        change(m_asks, event.asks);
}

std::optional<SimulatedMarket::DepthEvent> SimulatedMarket::nextDepthEvent(std::int64_t timeUs)
{
    DepthEvent event;
    event.timeUs = timeUs;
    // Follow the price: bids strictly below it and asks strictly above, within kLevels ticks.
    std::erase_if(m_bids, [&](const auto &level) {
        const bool stays = level.first < m_priceTicks && level.first >= m_priceTicks - kLevels;
        if (!stays)
            event.bids.insert_or_assign(level.first, 0u);
        return !stays;
    });
    std::erase_if(m_asks, [&](const auto &level) {
        const bool stays = level.first > m_priceTicks && level.first <= m_priceTicks + kLevels;
        if (!stays)
            event.asks.insert_or_assign(level.first, 0u);
        return !stays;
    });
    for (std::int64_t offset = 1; offset <= kLevels; ++offset) {
        if (const std::int64_t bid = m_priceTicks - offset; !m_bids.contains(bid)) {
            const std::uint32_t lots = randomBookQuantity();
            m_bids.emplace(bid, lots);
            event.bids.insert_or_assign(bid, lots);
        }
        if (const std::int64_t ask = m_priceTicks + offset; !m_asks.contains(ask)) {
            const std::uint32_t lots = randomBookQuantity();
            m_asks.emplace(ask, lots);
            event.asks.insert_or_assign(ask, lots);
        }
    }
    // Orders come and go inside the band too; a removed level returns with the next event.
    for (auto changes = 1 + m_bookRandom.below(3); changes > 0; --changes)
        changeRandomLevel(event);

    const auto count = static_cast<std::int64_t>(event.bids.size() + event.asks.size());
    if (count == 0)
        return std::nullopt;
    event.firstUpdateId = m_lastUpdateId + 1;
    event.lastUpdateId = m_lastUpdateId + count;
    m_lastUpdateId = event.lastUpdateId;
    ++m_depthEvents;
    return event;
}

void SimulatedMarket::skipUpdates(std::int64_t count)
{
    DepthEvent unsent;
    for (std::int64_t change = 0; change < std::min(count, kMaxSilentChanges); ++change)
        changeRandomLevel(unsent);
    m_depthGaps.emplace_back(m_lastUpdateId + 1, m_lastUpdateId + count);
    m_lastUpdateId += count;
}

void SimulatedMarket::merge(DepthEvent &into, const DepthEvent &later)
{
    into.lastUpdateId = later.lastUpdateId;
    into.timeUs = later.timeUs;
    for (const auto &[price, lots] : later.bids)
        into.bids.insert_or_assign(price, lots);
    for (const auto &[price, lots] : later.asks)
        into.asks.insert_or_assign(price, lots);
}

std::int64_t SimulatedMarket::idAt(std::size_t index) const
{
    const auto segment
        = std::prev(std::ranges::upper_bound(m_segments, index, {}, &Segment::firstIndex));
    return segment->firstId + static_cast<std::int64_t>(index - segment->firstIndex);
}

std::size_t SimulatedMarket::indexOfId(std::int64_t id) const
{
    const auto after = std::ranges::upper_bound(m_segments, id, {}, &Segment::firstId);
    if (after == m_segments.begin())
        return 0;
    const Segment &segment = *std::prev(after);
    const std::size_t end = after == m_segments.end() ? m_history.size() : after->firstIndex;
    // An id inside a skipped range starts at the next kept trade.
    const auto offset = static_cast<std::uint64_t>(id - segment.firstId);
    return offset < end - segment.firstIndex ? segment.firstIndex + offset : end;
}

std::vector<SimulatedMarket::Trade> SimulatedMarket::tradesAt(
    std::size_t begin, std::size_t end) const
{
    std::vector<Trade> out;
    out.reserve(end - begin);
    for (std::size_t index = begin; index < end; ++index) {
        const StoredTrade &kept = m_history[index];
        out.push_back(
            {idAt(index), kept.timeUs, kept.priceTicks, kept.quantityLots, kept.buyerIsMaker});
    }
    return out;
}

std::vector<SimulatedMarket::Trade> SimulatedMarket::trades(
    std::optional<std::int64_t> fromId, std::size_t limit) const
{
    const std::size_t begin
        = fromId ? indexOfId(*fromId) : m_history.size() - std::min(limit, m_history.size());
    return tradesAt(begin, begin + std::min(limit, m_history.size() - begin));
}

std::vector<SimulatedMarket::Trade> SimulatedMarket::tradesBefore(
    std::int64_t beforeId, std::size_t limit) const
{
    const std::size_t end = indexOfId(beforeId);
    auto out = tradesAt(end - std::min(limit, end), end);
    std::ranges::reverse(out);
    return out;
}

std::vector<SimulatedMarket::Trade> SimulatedMarket::tradesAfter(
    std::int64_t timeNs, std::size_t limit) const
{
    const auto first = std::ranges::partition_point(
        m_history, [&](const StoredTrade &trade) { return trade.timeUs * 1000 <= timeNs; });
    const auto begin = static_cast<std::size_t>(first - m_history.begin());
    return tradesAt(begin, begin + std::min(limit, m_history.size() - begin));
}

std::optional<std::int64_t> SimulatedMarket::firstTradeId() const
{
    if (m_segments.empty())
        return std::nullopt;
    return m_segments.front().firstId;
}

std::optional<std::int64_t> SimulatedMarket::lastTradeId() const
{
    if (m_history.empty())
        return std::nullopt;
    return idAt(m_history.size() - 1);
}

} // namespace tickscope::sim
