// One trade as every exchange adapter normalizes it, on its way from the feed to the writer.
#pragma once

#include "app/model/decimal.h"

#include <cstdint>

namespace tickscope::model {

// The aggressor (taker) side. Adapters translate each venue's convention into it.
enum class Side : char { Buy = 'B', Sell = 'S', Unknown = 'U' };

struct Trade
{
    std::int64_t exchangeTimeNs = 0; // the exchange's trade time, ns since the Unix epoch
    std::int64_t receivedAtNs = 0; // when Tickscope received the frame
    std::uint32_t instrument = 0; // index into the feed's instrument list
    std::int64_t tradeId = 0;
    Decimal price;
    Decimal size;
    Side side = Side::Unknown;
};

} // namespace tickscope::model
