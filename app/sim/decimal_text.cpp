#include "app/sim/decimal_text.h"

#include <charconv>
#include <string_view>

namespace tickscope::sim {

void appendShortestDecimal(std::string &out, std::int64_t mantissa, int decimals)
{
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, mantissa).ptr;
    const std::string_view text{digits, static_cast<std::size_t>(end - digits)};
    const auto whole = static_cast<std::ptrdiff_t>(text.size()) - decimals;
    std::string fraction;
    if (whole > 0) {
        out.append(text.substr(0, static_cast<std::size_t>(whole)));
        fraction.assign(text.substr(static_cast<std::size_t>(whole)));
    } else {
        out.push_back('0');
        fraction.assign(static_cast<std::size_t>(-whole), '0');
        fraction.append(text);
    }
    while (!fraction.empty() && fraction.back() == '0')
        fraction.pop_back();
    if (!fraction.empty())
        out.append(1, '.').append(fraction);
}

} // namespace tickscope::sim
