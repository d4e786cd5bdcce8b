#include "app/analytics/bar_builder.h"

#include <algorithm>
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

} // namespace tickscope::analytics
