// Checks that each instrument's trade ids run without holes. Venues whose ids are contiguous per
// instrument (Binance `t`, Coinbase, Kraken v2) report a hole as a Gap; a repeated or older id is
// a duplicate (a replay or a reconnect overlap) that the database's unique key absorbs.
#pragma once

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
        std::optional<model::Gap> gap;
    };

    explicit TradeSequencer(std::size_t instrumentCount);

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
    std::vector<Last> m_last;
};

} // namespace tickscope::ingest
