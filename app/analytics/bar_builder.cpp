#include "app/analytics/bar_builder.h"

#include <algorithm>
#include <charconv>
#include <format>
#include <utility>

namespace tickscope::analytics {

double Bar::vwap() const
{
    return volume.isZero() ? 0 : notional.toDouble() / volume.toDouble();
}

std::optional<BarKind> barKindFromName(std::string_view name)
{
    if (name == "time")
        return BarKind::Time;
    if (name == "tick")
        return BarKind::Tick;
    if (name == "volume")
        return BarKind::Volume;
    if (name == "dollar")
        return BarKind::Dollar;
    return std::nullopt;
}

std::optional<std::int64_t> parseInterval(std::string_view text)
{
    if (text.size() < 2 || text.size() > 7)
        return std::nullopt;
    std::int64_t count = 0;
    const auto digits = text.substr(0, text.size() - 1);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), count);
    if (error != std::errc{} || end != digits.data() + digits.size() || count < 1)
        return std::nullopt;
    std::int64_t unitSeconds = 0;
    switch (text.back()) {
    case 's':
        unitSeconds = 1;
        break;
    case 'm':
        unitSeconds = 60;
        break;
    case 'h':
        unitSeconds = 3600;
        break;
    case 'd':
        unitSeconds = 86400;
        break;
    default:
        return std::nullopt;
    }
    std::int64_t intervalNs = 0;
    if (__builtin_mul_overflow(count, unitSeconds * 1'000'000'000, &intervalNs)
        || intervalNs > kLongestIntervalNs)
        return std::nullopt;
    return intervalNs;
}

std::expected<BarSpec, std::string> parseBarSpec(std::string_view kind, std::string_view size)
{
    const auto barKind = barKindFromName(kind);
    if (!barKind)
        return std::unexpected(
            std::format("kind must be time, tick, volume or dollar, not '{}'", kind));
    BarSpec spec{.kind = *barKind};
    switch (*barKind) {
    case BarKind::Time: {
        const auto interval = parseInterval(size);
        if (!interval)
            return std::unexpected(std::format(
                "size of time bars is a number with s, m, h or d (1m, 4h) up to 36500d, not '{}'",
                size));
        spec.intervalNs = *interval;
        break;
    }
    case BarKind::Tick: {
        const auto [end, error]
            = std::from_chars(size.data(), size.data() + size.size(), spec.ticks);
        if (error != std::errc{} || end != size.data() + size.size() || spec.ticks < 1)
            return std::unexpected(
                std::format("size of tick bars is a whole number of trades, not '{}'", size));
        break;
    }
    case BarKind::Volume:
    case BarKind::Dollar: {
        const auto threshold = model::Decimal::parse(size);
        if (!threshold || !threshold->isPositive())
            return std::unexpected(std::format(
                "size of volume and dollar bars is a positive decimal, not '{}'", size));
        spec.threshold = Fixed::of(*threshold);
        break;
    }
    }
    return spec;
}

BarBuilder::BarBuilder(BarSpec spec)
    : m_spec(spec)
{ }

std::optional<Bar> BarBuilder::add(const model::Trade &trade)
{
    std::optional<Bar> done;
    std::int64_t bucket = 0;
    if (m_spec.kind == BarKind::Time) {
        // Floor division, so that times before 1970 fall into the right bucket too.
        const std::int64_t interval = m_spec.intervalNs;
        bucket = trade.exchangeTimeNs / interval * interval;
        if (bucket > trade.exchangeTimeNs)
            bucket -= interval;
        if (m_bar && m_bar->openTimeNs != bucket)
            done = std::exchange(m_bar, std::nullopt);
    }
    if (!m_bar) {
        m_bar = Bar{.openTimeNs = m_spec.kind == BarKind::Time ? bucket : trade.exchangeTimeNs,
            .open = trade.price,
            .high = trade.price,
            .low = trade.price};
    }
    Bar &bar = *m_bar;
    bar.high = std::max(bar.high, trade.price);
    bar.low = std::min(bar.low, trade.price);
    bar.close = trade.price;
    bar.closeTimeNs
        = m_spec.kind == BarKind::Time ? bucket + m_spec.intervalNs : trade.exchangeTimeNs;
    const Fixed size = Fixed::of(trade.size);
    bar.volume += size;
    bar.notional += Fixed::product(trade.price, trade.size);
    if (trade.side == model::Side::Buy)
        bar.buyVolume += size;
    else if (trade.side == model::Side::Sell)
        bar.sellVolume += size;
    ++bar.trades;
    if (m_spec.kind != BarKind::Time && complete())
        done = std::exchange(m_bar, std::nullopt);
    return done;
}

bool BarBuilder::complete() const
{
    switch (m_spec.kind) {
    case BarKind::Tick:
        return m_bar->trades >= m_spec.ticks;
    case BarKind::Volume:
        return m_bar->volume >= m_spec.threshold;
    case BarKind::Dollar:
        return m_bar->notional >= m_spec.threshold;
    case BarKind::Time:
        break;
    }
    return false;
}

std::optional<Bar> BarBuilder::finish()
{
    return std::exchange(m_bar, std::nullopt);
}

std::vector<Bar> buildBars(const BarSpec &spec, std::span<const model::Trade> trades)
{
    BarBuilder builder{spec};
    std::vector<Bar> bars;
    for (const auto &trade : trades) {
        if (auto bar = builder.add(trade))
            bars.push_back(std::move(*bar));
    }
    if (auto last = builder.finish())
        bars.push_back(std::move(*last));
    return bars;
}

void flagGaps(std::vector<Bar> &bars, std::span<const model::Gap> gaps)
{
    for (auto &bar : bars) {
        bar.spansGap = std::ranges::any_of(gaps, [&](const model::Gap &gap) {
            return gap.beforeTimeNs <= bar.closeTimeNs && gap.afterTimeNs >= bar.openTimeNs;
        });
    }
}

Bar joinBars(const Bar &earlier, const Bar &later)
{
    Bar bar = earlier;
    bar.closeTimeNs = later.closeTimeNs;
    bar.high = std::max(earlier.high, later.high);
    bar.low = std::min(earlier.low, later.low);
    bar.close = later.close;
    bar.volume += later.volume;
    bar.notional += later.notional;
    bar.buyVolume += later.buyVolume;
    bar.sellVolume += later.sellVolume;
    bar.trades += later.trades;
    bar.spansGap = earlier.spansGap || later.spansGap;
    return bar;
}

void appendJoined(std::vector<Bar> &bars, const Bar &bar)
{
    if (!bars.empty() && bars.back().openTimeNs == bar.openTimeNs)
        bars.back() = joinBars(bars.back(), bar);
    else
        bars.push_back(bar);
}

} // namespace tickscope::analytics
