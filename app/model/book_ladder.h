// One instrument's order book at one instant as the Book page shows it: the best levels of each
// side, rebuilt from the stored snapshot and the deltas after it (the view a backtest gets), and
// the exchange and receive times of the last event in it.
#pragma once

#include "app/model/book.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tickscope::model {

struct BookLadder
{
    std::string exchange;
    std::string symbol;
    std::int64_t asOfNs = 0; // what had been received by then; 0: live, the latest stored
    std::vector<PriceLevel> bids; // best first, at most the depth asked for
    std::vector<PriceLevel> asks;
    std::int64_t sequence = 0; // of the last event applied
    std::int64_t exchangeTimeNs = 0; // of that event
    std::int64_t receivedAtNs = 0;
    std::int64_t snapshotReceivedNs = 0; // of the snapshot it was rebuilt from
    std::int64_t deltasApplied = 0; // since that snapshot
    std::string error; // why there is no book, if so
};

} // namespace tickscope::model
