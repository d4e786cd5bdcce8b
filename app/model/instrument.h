// A tradable instrument as Tickscope knows it: the venue, the venue's own symbol and what the
// symbol means. market_data.instruments holds one row per instrument.
#pragma once

#include <string>

namespace tickscope::model {

struct Instrument
{
    std::string exchange; // "binance"
    std::string symbol; // the exchange's spelling, "BTCUSDT"
    std::string baseAsset; // "BTC"
    std::string quoteAsset; // "USDT"
    std::string timePrecision = "ms"; // of the exchange's timestamps: s, ms, us or ns

    friend bool operator==(const Instrument &, const Instrument &) = default;
};

} // namespace tickscope::model
