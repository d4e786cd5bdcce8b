#include "app/feeds/okx/book_checksum.h"

#include "app/feeds/crc32.h"

#include <bit>

namespace tickscope::feeds::okx {

std::int32_t bookChecksum(std::span<const TextLevel> bids, std::span<const TextLevel> asks)
{
    std::string text;
    const auto append = [&text](const TextLevel &level) {
        if (!text.empty())
            text += ':';
        text += level.price;
        text += ':';
        text += level.size;
    };
    for (std::size_t i = 0; i < kChecksumLevels; ++i) {
        if (i < bids.size())
            append(bids[i]);
        if (i < asks.size())
            append(asks[i]);
    }
    return std::bit_cast<std::int32_t>(crc32(text));
}

} // namespace tickscope::feeds::okx
