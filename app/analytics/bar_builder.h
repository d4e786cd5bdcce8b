// Bars from a stream of one instrument's trades, in exchange-time order, as quants ask for them:
// time bars (one per interval that has trades), tick bars (every N trades), volume bars (once
// the traded size reaches X) and dollar bars (once the traded notional, price x size, reaches
// X). A trade is never split: the trade that reaches the threshold closes its bar, with the
// overshoot, and the next bar starts empty, so each bar is exactly its trades and a backtest
// sees the same bars however the trades were batched. `tickscope bars` and the console use it
// over trades the database returns; no SQL here.
#pragma once

#include "app/analytics/fixed.h"
#include "app/model/gap.h"
#include "app/model/trade.h"

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickscope::analytics {

struct Bar
{
    std::int64_t openTimeNs = 0; // exchange time of its first trade (time bars: the bucket)
    std::int64_t closeTimeNs = 0; // exchange time of its last trade (time bars: bucket end)
    model::Decimal open;
    model::Decimal high;
    model::Decimal low;
    model::Decimal close;
    Fixed volume;
    Fixed notional; // sum of price x size
    Fixed buyVolume; // aggressor buys
    Fixed sellVolume; // aggressor sells
    std::int64_t trades = 0;
    bool spansGap = false; // a known gap of the instrument overlaps it: it may miss trades

    // Volume-weighted average price; 0 for a bar without volume.
    double vwap() const;

    friend bool operator==(const Bar &, const Bar &) = default;
};

enum class BarKind { Time, Tick, Volume, Dollar };

// "time", "tick", "volume", "dollar".
std::optional<BarKind> barKindFromName(std::string_view name);

struct BarSpec
{
    BarKind kind = BarKind::Tick;
    std::int64_t intervalNs = 0; // time bars
    std::int64_t ticks = 0; // tick bars
    Fixed threshold; // volume bars: size; dollar bars: notional

    friend bool operator==(const BarSpec &, const BarSpec &) = default;
};

// "1m", "90s", "4h", "1d": a whole number and s, m, h or d, from 1s to kLongestIntervalNs (100
// years); in ns.
constexpr std::int64_t kLongestIntervalNs = 36'500LL * 86'400 * 1'000'000'000;
std::optional<std::int64_t> parseInterval(std::string_view text);

// The bars of kind `kind` ("time", "tick", "volume", "dollar") and size `size` (an interval for
// time bars, a whole number of trades for tick bars, a positive decimal size or notional for
// volume and dollar bars); the error says which of the two is wrong and how.
std::expected<BarSpec, std::string> parseBarSpec(std::string_view kind, std::string_view size);

class BarBuilder
{
public:
    explicit BarBuilder(BarSpec spec);

    // The bar this trade completes, if it completes one (time bars: the previous bucket's bar,
    // once a trade of a later bucket comes).
    std::optional<Bar> add(const model::Trade &trade);
    // The bar still open at the end of the range, if it holds a trade.
    std::optional<Bar> finish();

private:
    bool complete() const;

    BarSpec m_spec;
    std::optional<Bar> m_bar;
};

// Every bar of `trades` (one instrument, exchange-time order), the last one incomplete.
std::vector<Bar> buildBars(const BarSpec &spec, std::span<const model::Trade> trades);

// Marks the bars that a gap of the instrument overlaps: a window gap by its times, a sequence gap
// by the exchange times around it.
void flagGaps(std::vector<Bar> &bars, std::span<const model::Gap> gaps);

// One bar of two that follow each other in the same bucket (a stored aggregate's bar up to a
// time, and the bar of the trades from then on): the first's open, the second's close.
Bar joinBars(const Bar &earlier, const Bar &later);
// Appends `bar` to time bars in order, joined to the last one when it is the rest of its bucket.
void appendJoined(std::vector<Bar> &bars, const Bar &bar);

} // namespace tickscope::analytics
