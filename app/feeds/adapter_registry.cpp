#include "app/feeds/adapter_registry.h"

#include "app/feeds/binance/binance_adapter.h"
#include "app/feeds/bybit/bybit_adapter.h"
#include "app/feeds/coinbase/advanced_trade_adapter.h"
#include "app/feeds/coinbase/coinbase_adapter.h"
#include "app/feeds/kraken/kraken_adapter.h"
#include "app/feeds/okx/okx_adapter.h"

#include <algorithm>
#include <format>
#include <stdexcept>

namespace tickscope::feeds {

const std::vector<AdapterDescription> &adapters()
{
    static const std::vector<AdapterDescription> kAdapters{binance::describeAdapter(),
        bybit::describeAdapter(), coinbase::describeAdapter(),
        coinbase::describeAdvancedTradeAdapter(), kraken::describeAdapter(),
        okx::describeAdapter()};
    return kAdapters;
}

const AdapterDescription *findAdapter(std::string_view name)
{
    const auto &all = adapters();
    const auto found = std::ranges::find(all, name, &AdapterDescription::name);
    return found == all.end() ? nullptr : &*found;
}

std::string adapterNames()
{
    std::string names;
    for (const auto &adapter : adapters())
        names += std::format("{}{}", names.empty() ? "" : ", ", adapter.name);
    return names;
}

std::unique_ptr<ExchangeAdapter> createAdapter(const FeedSettings &settings)
{
    const AdapterDescription *description = findAdapter(settings.adapter);
    if (!description)
        throw std::invalid_argument(
            std::format("no exchange adapter is called \"{}\"", settings.adapter));
    return description->create(settings);
}

std::optional<std::string> checkFeedSettings(const FeedSettings &settings)
{
    const AdapterDescription *description = findAdapter(settings.adapter);
    if (!description)
        return std::format("\"{}\" is no exchange Tickscope speaks (it speaks {})",
            settings.adapter, adapterNames());
    if (settings.instruments.empty())
        return std::format("feed {} has no symbols", settings.feed);
    for (const auto &[key, value] : settings.options) {
        if (auto problem = description->checkOption(key, value))
            return problem->unknownKey ? problem->message
                                       : std::format("{} {}", key, problem->message);
    }
    return std::nullopt;
}

std::string describeAdapters()
{
    std::string text;
    for (const auto &adapter : adapters())
        text += (text.empty() ? "" : "\n") + adapter.describe();
    return text;
}

} // namespace tickscope::feeds
