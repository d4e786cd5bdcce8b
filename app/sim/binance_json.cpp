#include "app/sim/binance_json.h"

#include <charconv>

namespace tickscope::sim::binance_json {

namespace {

constexpr int kDecimals = 8; // Binance writes every price and quantity with 8
constexpr int kPriceScale = SimulatedMarket::kPriceDecimals;
constexpr int kQuantityScale = SimulatedMarket::kQuantityDecimals;
constexpr int kQuoteScale = kPriceScale + kQuantityScale;

constexpr std::int64_t powerOfTen(int exponent)
{
    std::int64_t value = 1;
    while (exponent-- > 0)
        value *= 10;
    return value;
}

// `value` x 10^-scale as a string with kDecimals decimals: (12345, 2) -> "123.45000000".
void appendDecimal(std::string &out, std::int64_t value, int scale)
{
    const std::int64_t unit = powerOfTen(scale);
    out.push_back('"');
    appendInteger(out, value / unit);
    out.push_back('.');
    char digits[kDecimals];
    std::int64_t fraction = value % unit;
    for (int i = scale - 1; i >= 0; --i, fraction /= 10)
        digits[i] = static_cast<char>('0' + fraction % 10);
    out.append(digits, static_cast<std::size_t>(scale));
    out.append(static_cast<std::size_t>(kDecimals - scale), '0');
    out.push_back('"');
}

template<typename Side> void appendLevels(std::string &out, const Side &side, std::size_t limit)
{
    out.push_back('[');
    std::size_t written = 0;
    for (const auto &[price, lots] : side) {
        if (written == limit)
            break;
        if (written++ != 0)
            out.push_back(',');
        out.push_back('[');
        appendPrice(out, price);
        out.push_back(',');
        appendQuantity(out, lots);
        out.push_back(']');
    }
    out.push_back(']');
}

} // namespace

void appendInteger(std::string &out, std::int64_t value)
{
    char buffer[24];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    out.append(buffer, result.ptr);
}

void appendPrice(std::string &out, std::int64_t priceTicks)
{
    appendDecimal(out, priceTicks, kPriceScale);
}

void appendQuantity(std::string &out, std::uint32_t quantityLots)
{
    appendDecimal(out, quantityLots, kQuantityScale);
}

std::int64_t timeIn(std::int64_t timeUs, TimeUnit unit)
{
    return unit == TimeUnit::Microseconds ? timeUs : timeUs / 1000;
}

void appendTime(std::string &out, std::int64_t timeUs, TimeUnit unit)
{
    appendInteger(out, timeIn(timeUs, unit));
}

namespace {

// A trade as Binance's @trade event, or as an @aggTrade event of its own (a = f = l = its id).
void appendTrade(std::string &out, std::string_view symbol, const SimulatedMarket::Trade &trade,
    TimeUnit unit, bool aggregate)
{
    out += aggregate ? R"({"e":"aggTrade","E":)" : R"({"e":"trade","E":)";
    appendTime(out, trade.timeUs, unit);
    out += R"(,"s":")";
    out += symbol;
    out += aggregate ? R"(","a":)" : R"(","t":)";
    appendInteger(out, trade.id);
    out += R"(,"p":)";
    appendPrice(out, trade.priceTicks);
    out += R"(,"q":)";
    appendQuantity(out, trade.quantityLots);
    if (aggregate) {
        for (const char *key : {R"(,"f":)", R"(,"l":)"}) {
            out += key;
            appendInteger(out, trade.id);
        }
    }
    out += R"(,"T":)";
    appendTime(out, trade.timeUs, unit);
    out += trade.buyerIsMaker ? R"(,"m":true,"M":true})" : R"(,"m":false,"M":true})";
}

} // namespace

void appendAggTradeEvent(
    std::string &out, std::string_view symbol, const SimulatedMarket::Trade &trade, TimeUnit unit)
{
    appendTrade(out, symbol, trade, unit, true);
}

void appendTradeEvent(
    std::string &out, std::string_view symbol, const SimulatedMarket::Trade &trade, TimeUnit unit)
{
    appendTrade(out, symbol, trade, unit, false);
}

void appendDepthEvent(std::string &out, std::string_view symbol,
    const SimulatedMarket::DepthEvent &event, TimeUnit unit)
{
    out += R"({"e":"depthUpdate","E":)";
    appendTime(out, event.timeUs, unit);
    out += R"(,"s":")";
    out += symbol;
    out += R"(","U":)";
    appendInteger(out, event.firstUpdateId);
    out += R"(,"u":)";
    appendInteger(out, event.lastUpdateId);
    out += R"(,"b":)";
    appendLevels(out, event.bids, event.bids.size());
    out += R"(,"a":)";
    appendLevels(out, event.asks, event.asks.size());
    out.push_back('}');
}

void appendDepthSnapshot(std::string &out, const SimulatedMarket &market, std::size_t limit)
{
    out += R"({"lastUpdateId":)";
    appendInteger(out, market.lastUpdateId());
    out += R"(,"bids":)";
    appendLevels(out, market.bids(), limit);
    out += R"(,"asks":)";
    appendLevels(out, market.asks(), limit);
    out.push_back('}');
}

void appendTradeList(
    std::string &out, std::span<const SimulatedMarket::Trade> trades, TimeUnit unit)
{
    out.push_back('[');
    for (const SimulatedMarket::Trade &trade : trades) {
        if (&trade != trades.data())
            out.push_back(',');
        out += R"({"id":)";
        appendInteger(out, trade.id);
        out += R"(,"price":)";
        appendPrice(out, trade.priceTicks);
        out += R"(,"qty":)";
        appendQuantity(out, trade.quantityLots);
        out += R"(,"quoteQty":)";
        appendDecimal(out, trade.priceTicks * trade.quantityLots, kQuoteScale);
        out += R"(,"time":)";
        appendTime(out, trade.timeUs, unit);
        out += trade.buyerIsMaker ? R"(,"isBuyerMaker":true,"isBestMatch":true})"
                                  : R"(,"isBuyerMaker":false,"isBestMatch":true})";
    }
    out.push_back(']');
}

} // namespace tickscope::sim::binance_json
