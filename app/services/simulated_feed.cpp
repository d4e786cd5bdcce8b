#include "app/services/simulated_feed.h"

#include "app/config/config.h"

#include <format>

namespace tickscope::app {

feeds::FeedSettings simulatedFeed(const sim::BinanceSimulator &simulator, std::string feed)
{
    feeds::FeedSettings settings{.feed = std::move(feed),
        .adapter = std::string(sim::BinanceSimulator::kProtocol),
        .options = {{"websocket_url", std::format("ws://127.0.0.1:{}", simulator.port())},
            {"rest_url", std::format("http://127.0.0.1:{}", simulator.restPort())}}};
    for (const auto &symbol : simulator.symbols())
        settings.instruments.push_back(parseSymbol(settings.feed, symbol).value());
    return settings;
}

} // namespace tickscope::app
