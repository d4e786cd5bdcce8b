// Exact sums of exchange decimals for bars: a 128-bit integer count of 1e-18 units. Any
// model::Decimal (at most 18 fractional digits) converts exactly; a price x size product is exact
// to 1e-18 (digits beyond are dropped). Sizes and notionals of any real market fit easily:
// 1.7e20 whole units.
#pragma once

#include "app/model/decimal.h"

#include <compare>
#include <string>

namespace tickscope::analytics {

class Fixed
{
public:
    static constexpr int kScale = 18;

    constexpr Fixed() = default;
    static Fixed of(const model::Decimal &value);
    // value x factor, rounded toward zero to 1e-18.
    static Fixed product(const model::Decimal &value, const model::Decimal &factor);

    Fixed &operator+=(Fixed other)
    {
        m_units += other.m_units;
        return *this;
    }
    friend Fixed operator-(Fixed a, Fixed b) { return fromUnits(a.m_units - b.m_units); }
    friend bool operator==(Fixed, Fixed) = default;
    friend auto operator<=>(Fixed a, Fixed b) { return a.m_units <=> b.m_units; }

    bool isZero() const { return m_units == 0; }
    double toDouble() const;
    // Shortest exact text, as model::Decimal writes it: "1.5", "0.000001", "12".
    std::string toString() const;

private:
    static Fixed fromUnits(model::Int128 units)
    {
        Fixed fixed;
        fixed.m_units = units;
        return fixed;
    }

    model::Int128 m_units = 0;
};

} // namespace tickscope::analytics
