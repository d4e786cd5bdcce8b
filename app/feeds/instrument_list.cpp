#include "app/feeds/instrument_list.h"

namespace tickscope::feeds {

InstrumentList::InstrumentList(std::string exchange, const std::vector<std::string> &symbols)
{
    for (const auto &symbol : symbols) {
        if (m_bySymbol.contains(symbol))
            continue;
        m_bySymbol.emplace(symbol, static_cast<std::uint32_t>(m_instruments.size()));
        m_instruments.push_back({exchange, symbol});
    }
}

std::optional<std::uint32_t> InstrumentList::find(std::string_view symbol) const
{
    const auto it = m_bySymbol.find(symbol);
    if (it == m_bySymbol.end())
        return std::nullopt;
    return it->second;
}

} // namespace tickscope::feeds
