// The five simulated exchanges of the multi-exchange benchmarks (bench_exchanges, bench_faults),
// started and fed into one config.
#pragma once

#include "app/config/config.h"
#include "app/services/simulated_feed.h"
#include "app/sim/exchange_simulator.h"
#include "tests/bench/bench_support.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

namespace tickscope::bench {

// One simulator per venue of kVenues, `rate` trades a second shared equally, for `seconds`
// from the first subscription, seeds from `firstSeed`, each injecting the faults `faultsOf` it
// (none without it); a feed for each is added to `config`.
inline std::vector<std::unique_ptr<sim::ExchangeSimulator>> startVenues(app::Config &config,
    double rate, int seconds, std::uint64_t firstSeed,
    const std::function<sim::FaultPlan(const Venue &)> &faultsOf = {})
{
    std::vector<std::unique_ptr<sim::ExchangeSimulator>> simulators;
    for (std::size_t i = 0; i < kVenues.size(); ++i) {
        sim::ExchangeSimulator::Options options;
        options.exchange = kVenues[i].exchange;
        options.symbols = kVenues[i].symbols;
        options.tradesPerSecond = rate / static_cast<double>(kVenues.size());
        options.duration = std::chrono::seconds(seconds);
        options.seed = firstSeed + i;
        options.startOnFirstSubscription = true;
        if (faultsOf)
            options.faults = faultsOf(kVenues[i]);
        auto simulator = sim::ExchangeSimulator::create(options);
        if (!simulator)
            throw std::runtime_error(simulator.error().toStdString());
        if (auto started = (*simulator)->start(); !started)
            throw std::runtime_error(started.error().toStdString());
        config.feeds.push_back(app::simulatedFeed(**simulator, kVenues[i].exchange));
        simulators.push_back(std::move(*simulator));
    }
    return simulators;
}

} // namespace tickscope::bench
