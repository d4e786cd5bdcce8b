// One trade as every exchange adapter normalizes it, on its way from the feed to the writer.
#pragma once

#include "app/model/decimal.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace tickscope::model {

// The aggressor (taker) side. Adapters translate each venue's convention into it.
enum class Side : char { Buy = 'B', Sell = 'S', Unknown = 'U' };

struct Trade
{
    std::int64_t exchangeTimeNs = 0; // the exchange's trade time, ns since the Unix epoch
    std::int64_t receivedAtNs = 0; // when Tickscope received the frame
    std::uint32_t instrument = 0; // index into the feed's instrument list
    std::int64_t tradeId = 0; // the exchange's id, when it is an integer that fits in 64 bits
    std::string tradeRef; // otherwise its exact text (UUIDs, ids above 2^63 - 1); tradeId unused
    // How many of the exchange's trade ids this row stands for, ending at tradeId: an aggregated
    // trade (OKX's `count` fills of one taker order at one price) covers several.
    std::int64_t idsCovered = 1;
    Decimal price;
    Decimal size;
    Side side = Side::Unknown;

    bool hasNumericId() const { return tradeRef.empty(); }
    // Takes the exchange's id as sent: a canonical decimal integer that fits in int64 (no sign,
    // no leading zero) becomes tradeId, anything else is kept verbatim in tradeRef.
    void setTradeId(std::string_view text)
    {
        std::int64_t number = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
        const bool canonical = !text.empty() && text.front() != '-' && text.front() != '+'
            && (text.size() == 1 || text.front() != '0');
        if (canonical && error == std::errc{} && end == text.data() + text.size()) {
            tradeId = number;
            tradeRef.clear();
        } else {
            tradeId = 0;
            tradeRef.assign(text);
        }
    }
};

} // namespace tickscope::model
