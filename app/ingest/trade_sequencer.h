// Follows each instrument's trade ids as the exchange's adapter declares them
// (ExchangeTraits::TradeIds). Contiguous ids (Binance `t`, Kraken v2, OKX): a hole is a Gap, and
// a trade that covers several ids (Trade::idsCovered) leaves one only before the first of them.
// Contiguous or increasing ids: a repeated or older id is a duplicate (a replay or a reconnect
// overlap) that is dropped here. Opaque ids (UUIDs, other strings) are never compared: every trade
// passes and the database's unique key deduplicates exactly. Ids kept as text (above 2^63 - 1)
// are never compared either.
#pragma once

#include "app/feeds/exchange_traits.h"
#include "app/model/gap.h"
#include "app/model/trade.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace tickscope::ingest {

class TradeSequencer
{
public:
    struct Outcome
    {
        bool duplicate = false;
        bool advanced = false; // the instrument's last id moved
        std::optional<model::Gap> gap;
    };

    TradeSequencer(feeds::ExchangeTraits::TradeIds ids, std::size_t instrumentCount);

    Outcome accept(const model::Trade &trade);

    // Continue from a known last id (from the checkpoint) instead of trusting the first trade.
    void seed(std::uint32_t instrument, std::int64_t lastTradeId, std::int64_t lastTimeNs);
    std::optional<std::int64_t> lastTradeId(std::uint32_t instrument) const;

private:
    struct Last
    {
        std::int64_t tradeId = -1; // -1: nothing seen yet
        std::int64_t timeNs = 0;
    };
    feeds::ExchangeTraits::TradeIds m_ids;
    std::vector<Last> m_last;
};

} // namespace tickscope::ingest
