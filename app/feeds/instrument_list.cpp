#include "app/feeds/instrument_list.h"

namespace tickscope::feeds {

InstrumentList::InstrumentList(std::vector<model::Instrument> instruments)
{
    for (auto &instrument : instruments) {
        if (m_bySymbol.contains(instrument.symbol))
            continue;
        m_bySymbol.emplace(instrument.symbol, static_cast<std::uint32_t>(m_instruments.size()));
        m_instruments.push_back(std::move(instrument));
    }
}

InstrumentList InstrumentList::withTimePrecision(std::string_view precision) const
{
    std::vector<model::Instrument> stamped = m_instruments;
    for (auto &instrument : stamped)
        instrument.timePrecision = precision;
    return InstrumentList{std::move(stamped)};
}

std::optional<std::uint32_t> InstrumentList::find(std::string_view symbol) const
{
    const auto it = m_bySymbol.find(symbol);
    if (it == m_bySymbol.end())
        return std::nullopt;
    return it->second;
}

} // namespace tickscope::feeds
