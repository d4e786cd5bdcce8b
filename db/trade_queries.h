// Reading stored trades back for bars, indicators and exports: an instrument by exchange and
// symbol, its trades over a time range in exchange-time order, and the known gaps that overlap
// the range. Read-only; the reader role suffices.
#pragma once

#include "app/model/gap.h"
#include "app/model/trade.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <string>
#include <vector>

namespace tickscope::db {

// The instrument's id, or nullopt when the database holds no such instrument.
std::optional<int> findInstrument(
    pqxx::connection &connection, const std::string &exchange, const std::string &symbol);

// Trades of `instrumentId` with fromNs <= time < toNs, oldest first (ties by receive time and
// id), streamed to `each` without holding them all; returns how many there were.
std::int64_t forEachTrade(pqxx::connection &connection, int instrumentId, std::int64_t fromNs,
    std::int64_t toNs, const std::function<void(const model::Trade &trade)> &each);

// Gaps of `instrumentId` that overlap [fromNs, toNs), with the times around them (sequence gaps
// without known times are left out: they cannot be placed).
std::vector<model::Gap> gapsInRange(
    pqxx::connection &connection, int instrumentId, std::int64_t fromNs, std::int64_t toNs);

} // namespace tickscope::db
