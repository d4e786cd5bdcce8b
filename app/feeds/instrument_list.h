// The instruments one feed ingests, in configuration order. A message names an instrument by the
// exchange's symbol; everything after the adapter names it by its index in this list.
#pragma once

#include "app/model/instrument.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tickscope::feeds {

class InstrumentList
{
public:
    InstrumentList() = default;
    explicit InstrumentList(std::vector<model::Instrument> instruments);

    // The same instruments stamped with the precision of the feed's times ("ms", "us"), as each
    // adapter knows it.
    InstrumentList withTimePrecision(std::string_view precision) const;

    std::optional<std::uint32_t> find(std::string_view symbol) const;
    const model::Instrument &at(std::uint32_t index) const { return m_instruments.at(index); }
    std::size_t size() const { return m_instruments.size(); }
    const std::vector<model::Instrument> &all() const { return m_instruments; }

private:
    struct Hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept
        {
            return std::hash<std::string_view>{}(text);
        }
    };

    std::vector<model::Instrument> m_instruments;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> m_bySymbol;
};

} // namespace tickscope::feeds
