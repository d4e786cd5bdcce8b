// What a batch of trades adds to the 1-minute bars of each (instrument, minute) it touches, as
// aggregates.fold_trades takes it: the writer folds these into the stored bars in the batch's own
// transaction, so the OHLCV levels cost what the new trades cost instead of a re-read of every
// touched minute. Sums are exact (128-bit mantissas); a batch whose sums would not fit folds
// nothing and its minutes are queued for the refresh instead.
#pragma once

#include "app/model/trade.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace tickscope::db {

// aggregates.trade_order's order of two trades: the exchange time to the microsecond the server
// keeps, then numeric ids before text ones, each in its own order (text by its bytes).
inline auto tradeOrder(const model::Trade &trade)
{
    std::int64_t micros = trade.exchangeTimeNs / 1000;
    if (trade.exchangeTimeNs % 1000 < 0)
        --micros;
    return std::tuple(
        micros, !trade.hasNumericId(), trade.tradeId, std::string_view(trade.tradeRef));
}

// One column per field, one row per (instrument, minute) in order; numbers as exact text with the
// scale PostgreSQL's own sums would give, so that vwap divides the same operands.
struct MinuteBars
{
    std::vector<std::int32_t> instrumentIds;
    std::vector<std::int64_t> minutes; // seconds since the Unix epoch
    std::vector<std::string> openTimes, openIds, openPrices;
    std::vector<bool> openNumericIds;
    std::vector<std::string> closeTimes, closeIds, closePrices;
    std::vector<bool> closeNumericIds;
    std::vector<std::string> highs, lows, volumes, notionals, buyVolumes, sellVolumes;
    std::vector<std::int64_t> tradeCounts;
};

// Empty when a sum would overflow 128 bits (a notional of 10^38 units of its smallest step).
std::optional<MinuteBars> minuteBars(const std::vector<model::Trade> &trades,
    const std::function<std::int32_t(std::uint32_t)> &databaseIdOf);

} // namespace tickscope::db
