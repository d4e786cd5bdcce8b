#include "db/copy_binary.h"

#include <bit>

namespace tickscope::db::copy_binary {

namespace {

constexpr std::int64_t kPostgresEpochUs = 946'684'800'000'000; // 2000-01-01 in Unix µs
constexpr std::uint32_t kInt8Oid = 20;
constexpr std::uint32_t kNumericOid = 1700;
constexpr std::uint16_t kNumericNegative = 0x4000;

template<typename T> void appendBigEndian(std::string &out, T value)
{
    const auto bits = static_cast<std::make_unsigned_t<T>>(value);
    for (int shift = static_cast<int>(sizeof(T) * 8) - 8; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>(bits >> shift));
}

// numeric's payload: ndigits, weight, sign, dscale, then base-10000 digit groups.
void appendNumericPayload(std::string &out, const model::Decimal &value)
{
    model::UInt128 magnitude = value.mantissa < 0 ? 0 - static_cast<model::UInt128>(value.mantissa)
                                                  : static_cast<model::UInt128>(value.mantissa);
    // Decimal digits, least significant first, the scale padded to a multiple of four so that
    // the point falls between groups (in digits: 10^41 would not fit 128 bits).
    const int paddedScale = (value.scale + 3) / 4 * 4;
    std::array<std::uint8_t, 48> digits{}; // 2^128 has 39 digits, plus three of padding
    int length = paddedScale - value.scale;
    while (magnitude != 0) {
        digits[static_cast<std::size_t>(length++)] = static_cast<std::uint8_t>(magnitude % 10);
        magnitude /= 10;
    }
    std::array<std::uint16_t, 12> groups{}; // least significant first
    int count = 0;
    for (int first = 0; first < length; first += 4) {
        const auto at = static_cast<std::size_t>(first);
        groups[static_cast<std::size_t>(count++)] = static_cast<std::uint16_t>(
            digits[at] + 10 * digits[at + 1] + 100 * digits[at + 2] + 1000 * digits[at + 3]);
    }
    const int fractionGroups = paddedScale / 4;
    int low = 0; // trailing zero groups are not sent
    while (low < count && groups[static_cast<std::size_t>(low)] == 0)
        ++low;
    const int sent = count - low;
    const int weight = count - 1 - fractionGroups;
    appendBigEndian(out, static_cast<std::int16_t>(sent));
    appendBigEndian(out, static_cast<std::int16_t>(sent == 0 ? 0 : weight));
    appendBigEndian(out, static_cast<std::uint16_t>(value.mantissa < 0 ? kNumericNegative : 0));
    appendBigEndian(out, static_cast<std::int16_t>(value.scale));
    for (int i = count - 1; i >= low; --i)
        appendBigEndian(out, groups[static_cast<std::size_t>(i)]);
}

// A one-dimensional array of `levels` (none: zero dimensions), each element by `appendElement`.
template<typename AppendElement>
void appendArray(std::string &out, std::uint32_t elementOid,
    const std::vector<model::PriceLevel> &levels, AppendElement appendElement)
{
    const std::size_t lengthAt = out.size();
    appendBigEndian(out, std::int32_t{0});
    appendBigEndian(out, std::int32_t{levels.empty() ? 0 : 1}); // dimensions
    appendBigEndian(out, std::int32_t{0}); // no nulls
    appendBigEndian(out, elementOid);
    if (!levels.empty()) {
        appendBigEndian(out, static_cast<std::int32_t>(levels.size()));
        appendBigEndian(out, std::int32_t{1}); // lower bound
        for (const auto &level : levels)
            appendElement(level);
    }
    const auto length = static_cast<std::uint32_t>(out.size() - lengthAt - 4);
    for (int i = 0; i < 4; ++i)
        out[lengthAt + static_cast<std::size_t>(i)] = static_cast<char>(length >> (24 - 8 * i));
}

} // namespace

void appendHeader(std::string &out)
{
    out.append("PGCOPY\n\377\r\n\0", 11);
    appendBigEndian(out, std::int32_t{0}); // flags
    appendBigEndian(out, std::int32_t{0}); // header extension length
}

void appendTrailer(std::string &out)
{
    appendBigEndian(out, std::int16_t{-1});
}

void beginRow(std::string &out, std::int16_t fields)
{
    appendBigEndian(out, fields);
}

void appendInt16(std::string &out, std::int16_t value)
{
    appendBigEndian(out, std::int32_t{2});
    appendBigEndian(out, value);
}

void appendInt32(std::string &out, std::int32_t value)
{
    appendBigEndian(out, std::int32_t{4});
    appendBigEndian(out, value);
}

void appendInt64(std::string &out, std::int64_t value)
{
    appendBigEndian(out, std::int32_t{8});
    appendBigEndian(out, value);
}

void appendChar(std::string &out, char value)
{
    appendBigEndian(out, std::int32_t{1});
    out.push_back(value);
}

void appendText(std::string &out, std::string_view value)
{
    appendBigEndian(out, static_cast<std::int32_t>(value.size()));
    out.append(value);
}

void appendNull(std::string &out)
{
    appendBigEndian(out, std::int32_t{-1});
}

void appendUuid(std::string &out, const std::array<std::uint8_t, 16> &bytes)
{
    appendBigEndian(out, std::int32_t{16});
    out.append(reinterpret_cast<const char *>(bytes.data()), bytes.size());
}

std::int64_t floorToMicroseconds(std::int64_t ns)
{
    // ns / 1000 rounds towards zero: one less for negatives with a remainder.
    return ns / 1000 - (ns % 1000 < 0 ? 1 : 0);
}

void appendTimestamp(std::string &out, std::int64_t nsSinceEpoch)
{
    appendInt64(out, floorToMicroseconds(nsSinceEpoch) - kPostgresEpochUs);
}

void appendNumeric(std::string &out, const model::Decimal &value)
{
    const std::size_t lengthAt = out.size();
    appendBigEndian(out, std::int32_t{0});
    appendNumericPayload(out, value);
    const auto length = static_cast<std::uint32_t>(out.size() - lengthAt - 4);
    for (int i = 0; i < 4; ++i)
        out[lengthAt + static_cast<std::size_t>(i)] = static_cast<char>(length >> (24 - 8 * i));
}

void appendLevelArray(
    std::string &out, const std::vector<model::PriceLevel> &levels, LevelField field)
{
    appendArray(out, kNumericOid, levels,
        [&](const model::PriceLevel &level) { appendNumeric(out, levelValue(level, field)); });
}

void appendLevelUnits(
    std::string &out, const std::vector<model::PriceLevel> &levels, LevelField field, int scale)
{
    appendArray(out, kInt8Oid, levels, [&](const model::PriceLevel &level) {
        appendInt64(out, levelValue(level, field).unitsAt(scale).value());
    });
}

} // namespace tickscope::db::copy_binary
