// CRC-32 as zlib's crc32() computes it (IEEE 802.3, reflected, polynomial 0xEDB88320): the
// checksum Kraken and OKX put on their order books.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tickscope::feeds {

namespace detail {

constexpr std::array<std::uint32_t, 256> crc32Table()
{
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t value = i;
        for (int bit = 0; bit < 8; ++bit)
            value = (value & 1) ? 0xEDB88320u ^ (value >> 1) : value >> 1;
        table[i] = value;
    }
    return table;
}

inline constexpr std::array<std::uint32_t, 256> kCrc32Table = crc32Table();

} // namespace detail

constexpr std::uint32_t crc32(std::string_view bytes)
{
    std::uint32_t crc = 0xFFFFFFFFu;
    for (const char byte : bytes)
        crc = detail::kCrc32Table[(crc ^ static_cast<unsigned char>(byte)) & 0xFFu] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

} // namespace tickscope::feeds
