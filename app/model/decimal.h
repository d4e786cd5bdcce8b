// An exact decimal as exchanges send prices and sizes: mantissa x 10^-scale, never a binary
// floating-point number. Normalized (no trailing fractional zeros), so equal values compare equal
// member by member. Parsed once at the feed's edge; written to PostgreSQL numeric as text.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tickscope::model {

// 128-bit integers for exact intermediate arithmetic (a GCC/Clang extension).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

struct Decimal
{
    static constexpr int kMaxScale = 18;
    // Significant digits a mantissa holds: 10^38 - 1 < 2^127. The request's NUMERIC(20, 8) needs
    // 28, a 20-digit price with 18 decimals 38.
    static constexpr int kMaxDigits = 38;

    Int128 mantissa = 0;
    std::int8_t scale = 0; // 0..kMaxScale digits after the point

    // "67000.12000000" -> {6700012, 2}. Accepts [-]digits[.digits]; nothing else (no exponent,
    // no sign '+', no spaces). Empty when malformed, or beyond kMaxScale decimals or kMaxDigits
    // digits after normalization.
    static std::optional<Decimal> parse(std::string_view text);

    // The mantissa when it fits an int64 (what a bigint column holds); empty otherwise.
    std::optional<std::int64_t> mantissa64() const
    {
        if (mantissa > INT64_MAX || mantissa < INT64_MIN)
            return std::nullopt;
        return static_cast<std::int64_t>(mantissa);
    }

    // The value in units of 10^-atScale (atScale >= scale) when they fit an int64: how prices
    // and sizes are stored, a scale for all of an instrument's values.
    std::optional<std::int64_t> unitsAt(int atScale) const
    {
        Int128 units = mantissa;
        for (int digit = scale; digit < atScale; ++digit)
            if (__builtin_mul_overflow(units, 10, &units))
                return std::nullopt;
        if (atScale < scale || units > INT64_MAX || units < INT64_MIN)
            return std::nullopt;
        return static_cast<std::int64_t>(units);
    }

    // units x 10^-scale, normalized: what unitsAt() stored.
    static Decimal fromUnits(Int128 units, int scale)
    {
        while (scale > 0 && units % 10 == 0) {
            units /= 10;
            --scale;
        }
        return Decimal{units, static_cast<std::int8_t>(scale)};
    }

    bool isZero() const { return mantissa == 0; }
    bool isPositive() const { return mantissa > 0; }

    // The nearest double, for drawing and display sums only; stored values stay exact.
    double toDouble() const
    {
        double result = static_cast<double>(mantissa);
        for (int digit = 0; digit < scale; ++digit)
            result /= 10;
        return result;
    }

    // Shortest exact text: "67000.12", "0.00000001", "5".
    std::string toString() const;
    void appendTo(std::string &out) const;

    friend bool operator==(const Decimal &, const Decimal &) = default;
    friend std::strong_ordering operator<=>(const Decimal &a, const Decimal &b);
};

inline std::optional<Decimal> Decimal::parse(std::string_view text)
{
    bool negative = false;
    if (!text.empty() && text.front() == '-') {
        negative = true;
        text.remove_prefix(1);
    }
    if (text.empty())
        return std::nullopt;
    const auto point = text.find('.');
    std::string_view integral = text.substr(0, point);
    std::string_view fraction
        = point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
    if (integral.empty() || (point != std::string_view::npos && fraction.empty()))
        return std::nullopt;
    while (!fraction.empty() && fraction.back() == '0')
        fraction.remove_suffix(1);
    if (fraction.size() > static_cast<std::size_t>(kMaxScale))
        return std::nullopt;

    // In 64 bits while the digits fit (19 of them: nearly every exchange value), then in 128: a
    // 128-bit multiply a digit cost the feeds' parse loop a fifth of its speed.
    std::uint64_t head = 0;
    Int128 value = 0;
    int digitCount = 0;
    for (std::string_view digits : {integral, fraction}) {
        for (const char c : digits) {
            if (c < '0' || c > '9')
                return std::nullopt;
            const int digit = c - '0';
            if (digitCount == 0 && digit == 0)
                continue; // a leading zero
            ++digitCount;
            if (digitCount <= 19)
                head = head * 10 + static_cast<unsigned>(digit);
            else if (digitCount <= kMaxDigits)
                value = (digitCount == 20 ? static_cast<Int128>(head) : value) * 10 + digit;
            else
                return std::nullopt;
        }
    }
    if (digitCount <= 19)
        value = head;
    return Decimal{negative ? -value : value, static_cast<std::int8_t>(fraction.size())};
}

// magnitude x 10^-scale with every digit of the scale, trailing zeros included ("0.050" for
// 50 and 3): Decimal's text, and the exact sums that keep a scale of their own.
inline void appendScaled(std::string &out, UInt128 magnitude, bool negative, int scale)
{
    char digits[48]; // 2^128 has 39 digits, and a scale of at most 36 (a price's and a size's)
                     // pads to no more
    int count = 0;
    do {
        digits[count++] = static_cast<char>('0' + static_cast<int>(magnitude % 10));
        magnitude /= 10;
    } while (magnitude != 0);
    while (count <= scale)
        digits[count++] = '0';
    if (negative)
        out.push_back('-');
    for (int i = count - 1; i >= 0; --i) {
        out.push_back(digits[i]);
        if (i == scale && i != 0)
            out.push_back('.');
    }
}

inline void Decimal::appendTo(std::string &out) const
{
    const UInt128 magnitude
        = mantissa < 0 ? 0 - static_cast<UInt128>(mantissa) : static_cast<UInt128>(mantissa);
    appendScaled(out, magnitude, mantissa < 0, scale);
}

inline std::string Decimal::toString() const
{
    std::string out;
    appendTo(out);
    return out;
}

inline std::strong_ordering operator<=>(const Decimal &a, const Decimal &b)
{
    // Both at the larger scale. A mantissa that leaves 128 bits on the way is larger in
    // magnitude than the other, which fits: its sign decides.
    Int128 left = a.mantissa;
    Int128 right = b.mantissa;
    for (int s = a.scale; s < b.scale; ++s)
        if (__builtin_mul_overflow(left, 10, &left))
            return a.mantissa > 0 ? std::strong_ordering::greater : std::strong_ordering::less;
    for (int s = b.scale; s < a.scale; ++s)
        if (__builtin_mul_overflow(right, 10, &right))
            return b.mantissa > 0 ? std::strong_ordering::less : std::strong_ordering::greater;
    return left <=> right;
}

} // namespace tickscope::model
