// Binance's JSON for the simulator's numbers: @trade and depthUpdate events, the REST depth
// snapshot and old-trade lookup, written with std::to_chars into a reused string because the
// trade stream runs at up to hundreds of thousands of events a second. Prices and quantities go
// out with 8 decimals, as Binance writes them ("67000.12000000").
// Used by BinanceSimulator (streams) and BinanceRestApi (REST).
#pragma once

#include "app/sim/simulated_market.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace tickscope::sim::binance_json {

// Of every time field; streams and REST choose it per client.
enum class TimeUnit { Milliseconds, Microseconds };

void appendInteger(std::string &out, std::int64_t value);
void appendPrice(std::string &out, std::int64_t priceTicks);
void appendQuantity(std::string &out, std::uint32_t quantityLots);
std::int64_t timeIn(std::int64_t timeUs, TimeUnit unit);
void appendTime(std::string &out, std::int64_t timeUs, TimeUnit unit);

// {"e":"trade","E":..,"s":"BTCUSDT","t":..,"p":"..","q":"..","T":..,"m":..,"M":true}
// {"e":"aggTrade",..,"a":..,"f":..,"l":..}: one trade as its own aggregate (f = l = its id).
void appendAggTradeEvent(
    std::string &out, std::string_view symbol, const SimulatedMarket::Trade &trade, TimeUnit unit);
void appendTradeEvent(
    std::string &out, std::string_view symbol, const SimulatedMarket::Trade &trade, TimeUnit unit);
// {"e":"depthUpdate","E":..,"s":"BTCUSDT","U":..,"u":..,"b":[["p","q"],..],"a":[..]}
void appendDepthEvent(std::string &out, std::string_view symbol,
    const SimulatedMarket::DepthEvent &event, TimeUnit unit);
// {"lastUpdateId":..,"bids":[["p","q"],..],"asks":[..]}, at most `limit` levels a side.
void appendDepthSnapshot(std::string &out, const SimulatedMarket &market, std::size_t limit);
// [{"id":..,"price":"..","qty":"..","quoteQty":"..","time":..,"isBuyerMaker":..,
//   "isBestMatch":true},..]
void appendTradeList(
    std::string &out, std::span<const SimulatedMarket::Trade> trades, TimeUnit unit);

} // namespace tickscope::sim::binance_json
