// Makes sure each instrument a feed ingests has its row in market_data.instruments and returns
// the rows' ids, in the feed's order. Safe to run from several feeds at once.
#pragma once

#include "app/model/instrument.h"

#include <pqxx/connection>
#include <vector>

namespace tickscope::db {

std::vector<int> registerInstruments(
    pqxx::connection &connection, const std::vector<model::Instrument> &instruments);

} // namespace tickscope::db
