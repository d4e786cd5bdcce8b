// Decimals of any text, as exchanges send prices and sizes, encoded as binary COPY numerics and
// decoded again: the base-10000 digit groups, weight, sign and scale must give back the exact
// value (what PostgreSQL would store), and the field's length must match what it holds.
#include "app/model/decimal.h"
#include "db/copy_binary.h"

#include <cstdint>
#include <string>
#include <string_view>

using namespace tickscope;

namespace {

std::int64_t bigEndian(const std::string &bytes, std::size_t at, int width)
{
    std::uint64_t value = 0;
    for (int i = 0; i < width; ++i)
        value = value << 8 | static_cast<std::uint8_t>(bytes[at + static_cast<std::size_t>(i)]);
    // Sign-extend the field's width.
    const int unused = 64 - 8 * width;
    return static_cast<std::int64_t>(value << unused) >> unused;
}

void roundTrip(const model::Decimal &value)
{
    std::string out;
    db::copy_binary::appendNumeric(out, value);
    const auto length = bigEndian(out, 0, 4);
    const auto digits = bigEndian(out, 4, 2);
    const auto weight = bigEndian(out, 6, 2);
    const auto sign = static_cast<std::uint16_t>(bigEndian(out, 8, 2));
    const auto scale = bigEndian(out, 10, 2);
    if (length != static_cast<std::int64_t>(out.size()) - 4 || length != 8 + 2 * digits
        || scale != value.scale || (sign != 0 && sign != 0x4000))
        __builtin_trap();
    // The mantissa at the value's scale: each group times 10^(4 * (weight - i) + scale).
    __int128 mantissa = 0;
    for (std::int64_t i = 0; i < digits; ++i) {
        const auto group = bigEndian(out, 12 + 2 * static_cast<std::size_t>(i), 2);
        if (group < 0 || group > 9999)
            __builtin_trap();
        __int128 term = group;
        std::int64_t exponent = 4 * (weight - i) + scale;
        for (; exponent > 0; --exponent)
            term *= 10;
        for (; exponent < 0; ++exponent) {
            if (term % 10 != 0)
                __builtin_trap(); // a digit below the scale
            term /= 10;
        }
        mantissa += term;
    }
    if (sign == 0x4000)
        mantissa = -mantissa;
    if (mantissa != value.mantissa)
        __builtin_trap();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    std::string_view input{reinterpret_cast<const char *>(data), size};
    while (!input.empty()) {
        const auto end = input.find('\n');
        if (const auto value = model::Decimal::parse(input.substr(0, end)))
            roundTrip(*value);
        input = end == std::string_view::npos ? std::string_view{} : input.substr(end + 1);
    }
    // Raw mantissas of up to Decimal's 38 digits and scales too, beyond what text parsing
    // yields.
    if (size >= 17) {
        model::UInt128 bits = 0;
        for (int i = 0; i < 16; ++i)
            bits = bits << 8 | data[i];
        model::UInt128 limit = 1;
        for (int digit = 0; digit < model::Decimal::kMaxDigits; ++digit)
            limit *= 10;
        const auto magnitude = static_cast<model::Int128>(bits % limit);
        roundTrip({data[16] & 0x80 ? -magnitude : magnitude,
            static_cast<std::int8_t>((data[16] & 0x7f) % (model::Decimal::kMaxScale + 1))});
    }
    return 0;
}
