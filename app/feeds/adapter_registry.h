// The exchange adapters Tickscope speaks, found by name: the one list of exchanges outside their
// own folders. The config loader checks `[exchanges.*]` sections against it; the ingest service,
// `tickscope replay` and the demo make their adapters through it.
#pragma once

#include "app/feeds/adapter_description.h"

#include <string>
#include <string_view>
#include <vector>

namespace tickscope::feeds {

const std::vector<AdapterDescription> &adapters();
// Nullptr when no adapter has that name.
const AdapterDescription *findAdapter(std::string_view name);
// "binance, ...", for messages that list what may be chosen.
std::string adapterNames();
// Each adapter's summary and settings, for --help texts.
std::string describeAdapters();

// The adapter of `settings.adapter`, whose options the config loader (or the caller) checked.
// Throws std::invalid_argument for an unknown adapter name.
std::unique_ptr<ExchangeAdapter> createAdapter(const FeedSettings &settings);

// The first thing wrong with `settings` for its adapter (unknown adapter, unknown option, a value
// its check refuses, no instruments), or nullopt.
std::optional<std::string> checkFeedSettings(const FeedSettings &settings);

} // namespace tickscope::feeds
