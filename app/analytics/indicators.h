// Indicators over any series of bar values (closes, usually), as quants compute them: each
// returns one value per input, empty (nullopt) until the window is full (always, for a period
// below 1). Pure functions; the
// `tickscope bars --indicators` output and the console's overlays use them.
//   sma(n)          mean of the last n values
//   ema(n)          exponential, alpha 2/(n+1), seeded with the sma of the first n values
//   rsi(n)          Wilder's relative strength, 0..100, seeded with the mean gain/loss of n changes
//   bollinger(n, k) sma(n) +- k population standard deviations of the last n values
//   vwap            cumulative volume-weighted price from the series' start (bars' notionals and
//                   volumes)
#pragma once

#include "app/analytics/bar_builder.h"

#include <optional>
#include <span>
#include <vector>

namespace tickscope::analytics {

using Series = std::vector<std::optional<double>>;

Series sma(std::span<const double> values, int period);
Series ema(std::span<const double> values, int period);
Series rsi(std::span<const double> values, int period);

struct Band
{
    double lower = 0;
    double middle = 0;
    double upper = 0;
};
std::vector<std::optional<Band>> bollinger(
    std::span<const double> values, int period, double deviations);

Series cumulativeVwap(std::span<const Bar> bars);

} // namespace tickscope::analytics
