// OKX v5's order-book checksum (../shared/feeds/PROTOCOLS.md 4.5): CRC-32, read as a signed 32-bit
// integer, of "bid1:ask1:bid2:ask2:..." over the top 25 levels of each side, each level
// "price:size" in the exact text the exchange sent (OKX never re-formats, so neither may we: a
// book kept as normalized decimals must keep the received text beside them); a shorter side's
// missing entries are skipped.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tickscope::feeds::okx {

inline constexpr std::size_t kChecksumLevels = 25;

struct TextLevel
{
    std::string price; // as received
    std::string size;
};

// Sides best first.
std::int32_t bookChecksum(std::span<const TextLevel> bids, std::span<const TextLevel> asks);

} // namespace tickscope::feeds::okx
