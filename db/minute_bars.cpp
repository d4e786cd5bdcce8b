#include "db/minute_bars.h"

#include "db/copy_text.h"

#include <map>
#include <utility>

namespace tickscope::db {

namespace {

using model::Int128;

bool scaleUp(Int128 &value, int digits)
{
    for (int i = 0; i < digits; ++i) {
        if (__builtin_mul_overflow(value, 10, &value))
            return false;
    }
    return true;
}

// A sum of decimals at the largest scale added so far, as PostgreSQL's sum(numeric) keeps it.
class ExactSum
{
public:
    // False when the sum no longer fits in 128 bits.
    bool add(Int128 mantissa, int scale)
    {
        if (scale > m_scale) {
            if (!scaleUp(m_mantissa, scale - m_scale))
                return false;
            m_scale = scale;
        } else if (!scaleUp(mantissa, m_scale - scale)) {
            return false;
        }
        return !__builtin_add_overflow(m_mantissa, mantissa, &m_mantissa);
    }

    // With every digit of the scale, trailing zeros included: numeric's display scale.
    std::string toString() const
    {
        std::string out;
        model::appendScaled(out,
            m_mantissa < 0 ? -static_cast<model::UInt128>(m_mantissa)
                           : static_cast<model::UInt128>(m_mantissa),
            m_mantissa < 0, m_scale);
        return out;
    }

private:
    Int128 m_mantissa = 0;
    int m_scale = 0;
};

struct Bar
{
    const model::Trade *open = nullptr;
    const model::Trade *close = nullptr;
    model::Decimal high, low;
    ExactSum volume, notional, buyVolume, sellVolume;
    std::int64_t trades = 0;

    bool add(const model::Trade &trade)
    {
        if (!open || tradeOrder(trade) < tradeOrder(*open))
            open = &trade;
        if (!close || tradeOrder(*close) < tradeOrder(trade))
            close = &trade;
        if (trades == 0 || high < trade.price)
            high = trade.price;
        if (trades == 0 || trade.price < low)
            low = trade.price;
        ++trades;
        Int128 product = 0;
        bool fits = !__builtin_mul_overflow(trade.price.mantissa, trade.size.mantissa, &product)
            && volume.add(trade.size.mantissa, trade.size.scale)
            && notional.add(product, trade.price.scale + trade.size.scale);
        if (trade.side == model::Side::Buy)
            fits = fits && buyVolume.add(trade.size.mantissa, trade.size.scale);
        else if (trade.side == model::Side::Sell)
            fits = fits && sellVolume.add(trade.size.mantissa, trade.size.scale);
        return fits;
    }
};

std::string timestampText(std::int64_t ns)
{
    std::string text;
    copy_text::appendTimestamp(text, ns);
    return text;
}

} // namespace

std::optional<MinuteBars> minuteBars(const std::vector<model::Trade> &trades,
    const std::function<std::int32_t(std::uint32_t)> &databaseIdOf)
{
    constexpr std::int64_t kMinuteUs = 60'000'000;
    std::map<std::pair<std::uint32_t, std::int64_t>, Bar> bars;
    for (const auto &trade : trades) {
        const std::int64_t micros = std::get<0>(tradeOrder(trade));
        const std::int64_t minute = micros / kMinuteUs - (micros % kMinuteUs < 0 ? 1 : 0);
        if (!bars[{trade.instrument, minute}].add(trade))
            return std::nullopt;
    }
    MinuteBars result;
    for (const auto &[key, bar] : bars) {
        result.instrumentIds.push_back(databaseIdOf(key.first));
        result.minutes.push_back(key.second * 60);
        auto identify = [](const model::Trade &trade, std::vector<std::string> &times,
                            std::vector<std::string> &ids, std::vector<bool> &numericIds) {
            times.push_back(timestampText(trade.exchangeTimeNs));
            numericIds.push_back(trade.hasNumericId());
            ids.push_back(trade.hasNumericId() ? std::to_string(trade.tradeId) : trade.tradeRef);
        };
        identify(*bar.open, result.openTimes, result.openIds, result.openNumericIds);
        identify(*bar.close, result.closeTimes, result.closeIds, result.closeNumericIds);
        result.openPrices.push_back(bar.open->price.toString());
        result.closePrices.push_back(bar.close->price.toString());
        result.highs.push_back(bar.high.toString());
        result.lows.push_back(bar.low.toString());
        result.volumes.push_back(bar.volume.toString());
        result.notionals.push_back(bar.notional.toString());
        result.buyVolumes.push_back(bar.buyVolume.toString());
        result.sellVolumes.push_back(bar.sellVolume.toString());
        result.tradeCounts.push_back(bar.trades);
    }
    return result;
}

} // namespace tickscope::db
