#include "app/services/simulated_feed.h"

#include "app/config/config.h"
#include "app/feeds/adapter_registry.h"

#include <format>

namespace tickscope::app {

feeds::FeedSettings simulatedFeed(const sim::ExchangeSimulator &simulator, std::string feed)
{
    feeds::FeedSettings settings{.feed = std::move(feed),
        .adapter = simulator.exchange(),
        .options = simulator.adapterOptions()};
    const std::string_view separator = feeds::findAdapter(settings.adapter)->symbolSeparator;
    for (const auto &symbol : simulator.symbols())
        settings.instruments.push_back(parseSymbol(settings.feed, symbol, separator).value());
    return settings;
}

} // namespace tickscope::app
