#include "app/analytics/fixed.h"

#include <algorithm>

namespace tickscope::analytics {

namespace {

constexpr model::Int128 powerOfTen(int exponent)
{
    model::Int128 value = 1;
    while (exponent-- > 0)
        value *= 10;
    return value;
}

} // namespace

Fixed Fixed::of(const model::Decimal &value)
{
    model::Int128 units = 0;
    if (__builtin_mul_overflow(value.mantissa, powerOfTen(kScale - value.scale), &units))
        return fromUnits(saturated(value.mantissa > 0));
    return fromUnits(units);
}

Fixed Fixed::product(const model::Decimal &value, const model::Decimal &factor)
{
    // Its scale is at most 36; mantissas of more than 19 digits each may leave 128 bits.
    model::Int128 raw = 0;
    if (__builtin_mul_overflow(value.mantissa, factor.mantissa, &raw))
        return fromUnits(saturated((value.mantissa > 0) == (factor.mantissa > 0)));
    const int scale = value.scale + factor.scale;
    if (scale > kScale)
        return fromUnits(raw / powerOfTen(scale - kScale));
    model::Int128 units = 0;
    if (__builtin_mul_overflow(raw, powerOfTen(kScale - scale), &units))
        return fromUnits(saturated(raw > 0));
    return fromUnits(units);
}

std::optional<Fixed> Fixed::parse(std::string_view text)
{
    const bool negative = text.starts_with('-');
    if (negative)
        text.remove_prefix(1);
    const auto point = text.find('.');
    const std::string_view integral = text.substr(0, point);
    const std::string_view fraction
        = point == std::string_view::npos ? std::string_view{} : text.substr(point + 1);
    const auto digitsOnly = [](std::string_view digits) {
        return std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; });
    };
    if (integral.empty() || (point != std::string_view::npos && fraction.empty())
        || !digitsOnly(integral) || !digitsOnly(fraction))
        return std::nullopt;
    model::Int128 units = 0;
    bool overflow = false;
    const auto shiftIn = [&](char digit) {
        overflow = overflow || __builtin_mul_overflow(units, 10, &units)
            || __builtin_add_overflow(units, digit - '0', &units);
    };
    for (const char c : integral)
        shiftIn(c);
    for (std::size_t at = 0; at < kScale; ++at)
        shiftIn(at < fraction.size() ? fraction[at] : '0');
    if (overflow)
        return fromUnits(saturated(!negative));
    return fromUnits(negative ? -units : units);
}

double Fixed::toDouble() const
{
    const model::Int128 unit = powerOfTen(kScale);
    return static_cast<double>(m_units / unit) + static_cast<double>(m_units % unit) / 1e18;
}

std::string Fixed::toString() const
{
    const bool negative = m_units < 0;
    model::UInt128 magnitude
        = negative ? static_cast<model::UInt128>(-m_units) : static_cast<model::UInt128>(m_units);
    std::string digits;
    do {
        digits.push_back(static_cast<char>('0' + static_cast<int>(magnitude % 10)));
        magnitude /= 10;
    } while (magnitude != 0);
    while (digits.size() <= static_cast<std::size_t>(kScale))
        digits.push_back('0');
    std::ranges::reverse(digits);
    digits.insert(digits.size() - kScale, 1, '.');
    while (digits.back() == '0')
        digits.pop_back();
    if (digits.back() == '.')
        digits.pop_back();
    return negative ? "-" + digits : digits;
}

} // namespace tickscope::analytics
