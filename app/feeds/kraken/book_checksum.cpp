#include "app/feeds/kraken/book_checksum.h"

#include "app/feeds/crc32.h"

#include <algorithm>

namespace tickscope::feeds::kraken {

std::optional<std::string> checksumToken(const model::Decimal &value, int precision)
{
    if (value.scale > precision || value.mantissa < 0 || precision > model::Decimal::kMaxScale)
        return std::nullopt;
    // The digits of mantissa x 10^(precision - scale): the fixed-precision text without its point
    // and, being an integer's digits, without leading zeros.
    model::UInt128 digits = static_cast<model::UInt128>(value.mantissa);
    for (int i = value.scale; i < precision; ++i)
        digits *= 10;
    std::string token;
    do {
        token.push_back(static_cast<char>('0' + static_cast<int>(digits % 10)));
        digits /= 10;
    } while (digits != 0);
    std::ranges::reverse(token);
    return token;
}

std::optional<std::uint32_t> bookChecksum(std::span<const model::PriceLevel> asks,
    std::span<const model::PriceLevel> bids, int pricePrecision, int quantityPrecision)
{
    std::string text;
    for (const auto side : {asks, bids}) {
        for (const auto &level : side.first(std::min(side.size(), kChecksumLevels))) {
            const auto price = checksumToken(level.price, pricePrecision);
            const auto quantity = checksumToken(level.size, quantityPrecision);
            if (!price || !quantity)
                return std::nullopt;
            text += *price;
            text += *quantity;
        }
    }
    return crc32(text);
}

} // namespace tickscope::feeds::kraken
