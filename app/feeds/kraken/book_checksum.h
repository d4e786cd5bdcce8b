// Kraken WebSocket v2's order-book checksum (../shared/feeds/PROTOCOLS.md 3.5): CRC-32 of the top
// 10 asks (lowest first) then the top 10 bids (highest first), each level as its price and then
// its quantity written at the instrument's precisions (from the `instrument` channel), without
// the decimal point and without leading zeros. The wire's JSON numbers drop trailing zeros, so
// the precisions, not the received text, decide the digits.
#pragma once

#include "app/model/book.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace tickscope::feeds::kraken {

inline constexpr std::size_t kChecksumLevels = 10;

// "45285.2" at precision 1 -> "452852"; "0.001" at precision 8 -> "100000". Empty when the value
// has more decimals than the precision allows (the book and the instrument disagree).
std::optional<std::string> checksumToken(const model::Decimal &value, int precision);

// The checksum of a book whose sides are best first; nullopt when a level does not fit the
// precisions.
std::optional<std::uint32_t> bookChecksum(std::span<const model::PriceLevel> asks,
    std::span<const model::PriceLevel> bids, int pricePrecision, int quantityPrecision);

} // namespace tickscope::feeds::kraken
