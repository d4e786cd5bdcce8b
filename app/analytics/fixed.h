// Exact sums of exchange decimals for bars: a 128-bit integer count of 1e-18 units. Any
// model::Decimal (at most 18 fractional digits) converts exactly; a price x size product is exact
// to 1e-18 (digits beyond are dropped). Sizes and notionals of any real market fit easily:
// 1.7e20 whole units. Past that (a hostile feed's 9e18 x 9e18) every operation saturates at the
// largest value of its sign instead of wrapping: a bar that absurd says so, and nothing is
// undefined.
#pragma once

#include "app/model/decimal.h"

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace tickscope::analytics {

class Fixed
{
public:
    static constexpr int kScale = 18;

    constexpr Fixed() = default;
    static Fixed of(const model::Decimal &value);
    // value x factor, rounded toward zero to 1e-18.
    static Fixed product(const model::Decimal &value, const model::Decimal &factor);
    // PostgreSQL's numeric text, [-]digits[.digits], of any length: digits past 1e-18 dropped,
    // beyond the range saturated, as the operations do. Empty when malformed.
    static std::optional<Fixed> parse(std::string_view text);

    Fixed &operator+=(Fixed other)
    {
        if (__builtin_add_overflow(m_units, other.m_units, &m_units))
            m_units = saturated(other.m_units > 0);
        return *this;
    }
    friend Fixed operator-(Fixed a, Fixed b)
    {
        model::Int128 difference = 0;
        return fromUnits(__builtin_sub_overflow(a.m_units, b.m_units, &difference)
                ? saturated(b.m_units < 0)
                : difference);
    }
    friend bool operator==(Fixed, Fixed) = default;
    friend auto operator<=>(Fixed a, Fixed b) { return a.m_units <=> b.m_units; }

    bool isZero() const { return m_units == 0; }
    double toDouble() const;
    // Shortest exact text, as model::Decimal writes it: "1.5", "0.000001", "12".
    std::string toString() const;

private:
    // The largest count of units (positive) or the smallest (negative).
    static constexpr model::Int128 saturated(bool positive)
    {
        constexpr model::Int128 kMax = static_cast<model::Int128>(~model::UInt128{0} >> 1);
        return positive ? kMax : -kMax - 1;
    }
    static Fixed fromUnits(model::Int128 units)
    {
        Fixed fixed;
        fixed.m_units = units;
        return fixed;
    }

    model::Int128 m_units = 0;
};

} // namespace tickscope::analytics
