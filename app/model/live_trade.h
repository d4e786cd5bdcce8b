// A committed trade as the console draws it: the writer threads hand these to the GUI through a
// LiveTradeQueue; the Live page appends them to its charts. Doubles, since they are for drawing
// only (stored prices stay exact).
#pragma once

#include <cstdint>

namespace tickscope::model {

struct LiveTrade
{
    std::uint32_t instrument = 0; // index into its feed's instrument list
    std::int64_t exchangeTimeNs = 0;
    double price = 0;
    double size = 0;
};

} // namespace tickscope::model
