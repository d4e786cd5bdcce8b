// The simulator's numbers as OKX and Kraken write them: the shortest exact decimal text of
// `mantissa` x 10^-decimals ("42219.9", "7", "0.00012"), appended to a frame being built.
// Used by OkxSimulator (as JSON strings) and KrakenSimulator (as JSON numbers).
#pragma once

#include <cstdint>
#include <string>

namespace tickscope::sim {

void appendShortestDecimal(std::string &out, std::int64_t mantissa, int decimals);

} // namespace tickscope::sim
