// The instruments one feed ingests, in configuration order. A message names an instrument by the
// exchange's symbol; everything after the adapter names it by its index in this list.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tickscope::feeds {

struct Instrument
{
    std::string exchange; // "binance"
    std::string symbol; // the exchange's spelling, "BTCUSDT"
};

class InstrumentList
{
public:
    InstrumentList() = default;
    InstrumentList(std::string exchange, const std::vector<std::string> &symbols);

    std::optional<std::uint32_t> find(std::string_view symbol) const;
    const Instrument &at(std::uint32_t index) const { return m_instruments.at(index); }
    std::size_t size() const { return m_instruments.size(); }
    const std::vector<Instrument> &all() const { return m_instruments; }

private:
    struct Hash
    {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept
        {
            return std::hash<std::string_view>{}(text);
        }
    };

    std::vector<Instrument> m_instruments;
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> m_bySymbol;
};

} // namespace tickscope::feeds
