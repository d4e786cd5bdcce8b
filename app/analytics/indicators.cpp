#include "app/analytics/indicators.h"

#include <cmath>

namespace tickscope::analytics {

Series sma(std::span<const double> values, int period)
{
    Series out(values.size());
    if (period < 1)
        return out;
    double sum = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        sum += values[i];
        if (i >= static_cast<std::size_t>(period))
            sum -= values[i - static_cast<std::size_t>(period)];
        if (i + 1 >= static_cast<std::size_t>(period))
            out[i] = sum / period;
    }
    return out;
}

Series ema(std::span<const double> values, int period)
{
    Series out(values.size());
    if (period < 1)
        return out;
    const double alpha = 2.0 / (period + 1);
    const Series seed = sma(values, period);
    for (std::size_t i = static_cast<std::size_t>(period) - 1; i < values.size(); ++i)
        out[i] = i + 1 == static_cast<std::size_t>(period)
            ? *seed[i]
            : alpha * values[i] + (1 - alpha) * *out[i - 1];
    return out;
}

Series rsi(std::span<const double> values, int period)
{
    Series out(values.size());
    if (period < 1)
        return out;
    double gain = 0;
    double loss = 0;
    auto strength = [](double up, double down) {
        return down == 0 ? (up == 0 ? 50.0 : 100.0) : 100.0 - 100.0 / (1.0 + up / down);
    };
    for (std::size_t i = 1; i < values.size(); ++i) {
        const double change = values[i] - values[i - 1];
        const double up = change > 0 ? change : 0;
        const double down = change < 0 ? -change : 0;
        if (i <= static_cast<std::size_t>(period)) {
            gain += up / period;
            loss += down / period;
        } else {
            gain = (gain * (period - 1) + up) / period;
            loss = (loss * (period - 1) + down) / period;
        }
        if (i >= static_cast<std::size_t>(period))
            out[i] = strength(gain, loss);
    }
    return out;
}

std::vector<std::optional<Band>> bollinger(
    std::span<const double> values, int period, double deviations)
{
    std::vector<std::optional<Band>> out(values.size());
    const Series middle = sma(values, period);
    for (std::size_t i = 0; i < values.size(); ++i) {
        if (!middle[i])
            continue;
        double squares = 0;
        for (std::size_t j = i + 1 - static_cast<std::size_t>(period); j <= i; ++j)
            squares += (values[j] - *middle[i]) * (values[j] - *middle[i]);
        const double spread = deviations * std::sqrt(squares / period);
        out[i] = Band{*middle[i] - spread, *middle[i], *middle[i] + spread};
    }
    return out;
}

Series cumulativeVwap(std::span<const Bar> bars)
{
    Series out(bars.size());
    Fixed notional;
    Fixed volume;
    for (std::size_t i = 0; i < bars.size(); ++i) {
        notional += bars[i].notional;
        volume += bars[i].volume;
        if (!volume.isZero())
            out[i] = notional.toDouble() / volume.toDouble();
    }
    return out;
}

} // namespace tickscope::analytics
