// One symbol of a simulated exchange: a seeded stream of trades whose price is a random walk, and
// the true order book (about kLevels price levels a side around the last price) that changes a
// few levels per depth event. The same seed gives the same trades (ids, prices, quantities,
// sides) whatever the timing; the book follows the trade price, so it depends on timing too.
// Every trade is kept (24 bytes each) for REST back-fill. Prices are whole ticks of 0.01 and
// quantities whole lots of 0.00001; each exchange's simulator writes them as its exchange does.
// Used by ExchangeSimulator and its exchanges' subclasses.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tickscope::sim {

class SimulatedMarket
{
public:
    static constexpr int kLevels = 20; // price levels kept on each side of the book
    static constexpr int kPriceDecimals = 2; // prices are whole ticks of 0.01
    static constexpr int kQuantityDecimals = 5; // quantities whole lots of 0.00001

    struct Trade
    {
        std::int64_t id = 0;
        std::int64_t timeUs = 0; // since the epoch
        std::int64_t priceTicks = 0;
        std::uint32_t quantityLots = 0;
        bool buyerIsMaker = false; // true: the taker sold
    };

    // Price ticks -> lots; best first.
    using Bids = std::map<std::int64_t, std::uint32_t, std::greater<>>;
    using Asks = std::map<std::int64_t, std::uint32_t>;

    // The levels that changed, with their new absolute quantity (0 = removed), covering the
    // update ids [firstUpdateId, lastUpdateId].
    struct DepthEvent
    {
        std::int64_t firstUpdateId = 0;
        std::int64_t lastUpdateId = 0;
        std::int64_t timeUs = 0;
        Bids bids;
        Asks asks;
    };

    // An inclusive range of ids that were used up but never sent.
    using IdRange = std::pair<std::int64_t, std::int64_t>;

    // Trade and update ids start a seeded step above `idBase`.
    SimulatedMarket(
        std::string symbol, std::size_t index, std::uint64_t seed, std::int64_t idBase = 0);

    const std::string &symbol() const { return m_symbol; }

    // Generates the next trade at `timeUs` and keeps it.
    Trade nextTrade(std::int64_t timeUs);
    // Uses up `count` trade ids: no trade has them, not even in the history.
    void skipTrades(std::int64_t count);
    // The next trade takes the id after `lastTradeId` and steps from `lastPriceTicks` (an earlier
    // run's last trade, stored elsewhere); the book moves there with it.
    void continueAfter(std::int64_t lastTradeId, std::int64_t lastPriceTicks);

    // Moves the book towards the last trade price and changes a few levels; empty when nothing
    // changed. Each changed level uses one update id.
    std::optional<DepthEvent> nextDepthEvent(std::int64_t timeUs);
    // Changes a few levels under `count` update ids that no event will carry: the book stays
    // right for REST snapshots, and a client applying diffs sees the ids jump.
    void skipUpdates(std::int64_t count);
    // Merges a later event into an earlier one, as a slower stream reports both at once.
    static void merge(DepthEvent &into, const DepthEvent &later);

    // Up to `limit` kept trades in id order, from the first id >= fromId, or the most recent ones
    // without fromId.
    std::vector<Trade> trades(std::optional<std::int64_t> fromId, std::size_t limit) const;
    // Up to `limit` kept trades with ids below `beforeId`, newest first (OKX's and Coinbase's
    // pages).
    std::vector<Trade> tradesBefore(std::int64_t beforeId, std::size_t limit) const;
    // Up to `limit` kept trades after `timeNs` (exclusive), oldest first (Kraken's pages).
    std::vector<Trade> tradesAfter(std::int64_t timeNs, std::size_t limit) const;

    const Bids &bids() const { return m_bids; }
    const Asks &asks() const { return m_asks; }
    std::int64_t lastUpdateId() const { return m_lastUpdateId; }

    std::int64_t tradesGenerated() const { return static_cast<std::int64_t>(m_history.size()); }
    std::optional<std::int64_t> firstTradeId() const;
    std::optional<std::int64_t> lastTradeId() const;
    std::int64_t depthEventsGenerated() const { return m_depthEvents; }
    const std::vector<IdRange> &tradeGaps() const { return m_tradeGaps; }
    const std::vector<IdRange> &depthGaps() const { return m_depthGaps; }

private:
    // SplitMix64: small, fast, and the same numbers on every platform and standard library.
    class Random
    {
    public:
        explicit Random(std::uint64_t seed)
            : m_state(seed)
        { }
        std::uint64_t next();
        std::uint64_t below(std::uint64_t bound) { return next() % bound; }

    private:
        std::uint64_t m_state;
    };

    // kLevels levels a side next to the price, of random quantities.
    void placeBookAroundPrice();

    struct StoredTrade
    {
        std::int64_t timeUs;
        std::int64_t priceTicks;
        std::uint32_t quantityLots;
        bool buyerIsMaker;
    };
    static_assert(sizeof(StoredTrade) == 24, "the header comment promises 24 bytes a trade");

    // Kept trades from `firstIndex` on have consecutive ids from `firstId`; a skip starts a new
    // segment, so the history needs no id per trade.
    struct Segment
    {
        std::int64_t firstId;
        std::size_t firstIndex;
    };

    std::int64_t idAt(std::size_t index) const;
    // The index of the first kept trade whose id is `id` or above.
    std::size_t indexOfId(std::int64_t id) const;
    std::vector<Trade> tradesAt(std::size_t begin, std::size_t end) const;
    std::uint32_t randomBookQuantity();
    void changeRandomLevel(DepthEvent &event);

    std::string m_symbol;
    Random m_tradeRandom;
    Random m_bookRandom; // apart from the trades' so that the trades ignore timing
    std::int64_t m_priceTicks;
    std::int64_t m_nextTradeId;
    std::vector<StoredTrade> m_history;
    std::vector<Segment> m_segments;
    std::vector<IdRange> m_tradeGaps;

    Bids m_bids;
    Asks m_asks;
    std::int64_t m_lastUpdateId;
    std::int64_t m_depthEvents = 0;
    std::vector<IdRange> m_depthGaps;
};

} // namespace tickscope::sim
