// The simulator's numbers as exchanges write them, `mantissa` x 10^-decimals appended to a frame
// being built. Used by OkxSimulator and KrakenSimulator (shortest) and BybitSimulator (fixed).
#pragma once

#include <cstdint>
#include <string>

namespace tickscope::sim {

// The shortest exact text, as OKX and Kraken write it: "42219.9", "7", "0.00012".
void appendShortestDecimal(std::string &out, std::int64_t mantissa, int decimals);
// With all `decimals` digits, as Bybit writes them: "16493.50".
void appendFixedDecimal(std::string &out, std::int64_t mantissa, int decimals);

} // namespace tickscope::sim
