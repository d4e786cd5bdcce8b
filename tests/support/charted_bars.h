// What a live chart's bar holds of its trades (the chart keeps no sides, so no buy and sell
// volumes), to compare its bars with analytics::buildBars of the same trades in one QCOMPARE.
// Used by the chart tests.
#pragma once

#include "app/analytics/bar_builder.h"

#include <tuple>
#include <vector>

namespace tickscope::testing {

using ChartedBar = std::tuple<std::int64_t, model::Decimal, model::Decimal, model::Decimal,
    model::Decimal, analytics::Fixed, analytics::Fixed, std::int64_t>;

inline std::vector<ChartedBar> chartedParts(const std::vector<analytics::Bar> &bars)
{
    std::vector<ChartedBar> parts;
    for (const auto &bar : bars)
        parts.emplace_back(bar.openTimeNs, bar.open, bar.high, bar.low, bar.close, bar.volume,
            bar.notional, bar.trades);
    return parts;
}

} // namespace tickscope::testing
