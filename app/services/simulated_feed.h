// The feed settings that ingest from a running simulated exchange on loopback: its protocol's
// adapter, its endpoints and its symbols. The demo of the main job, the pipeline tests and the
// ingest benchmark all ingest from the simulator through them.
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/sim/exchange_simulator.h"

#include <string>

namespace tickscope::app {

// `feed` names the rows' exchange and the journal folder ("simulated" in the demo).
feeds::FeedSettings simulatedFeed(const sim::ExchangeSimulator &simulator, std::string feed);

} // namespace tickscope::app
