// Order-book messages as every exchange adapter normalizes them: a full snapshot valid at an
// exchange sequence number, and deltas covering a range of sequence numbers.
#pragma once

#include "app/model/decimal.h"

#include <cstdint>
#include <vector>

namespace tickscope::model {

struct PriceLevel
{
    Decimal price;
    Decimal size; // absolute size at the price; zero removes the level

    friend bool operator==(const PriceLevel &, const PriceLevel &) = default;
};

struct BookSnapshot
{
    std::int64_t exchangeTimeNs = 0; // venues without a snapshot time: the receive time
    std::int64_t receivedAtNs = 0;
    std::uint32_t instrument = 0;
    std::int64_t sequence = 0; // the exchange's update id the snapshot is valid at
    std::vector<PriceLevel> bids; // best first
    std::vector<PriceLevel> asks;
};

struct BookDelta
{
    std::int64_t exchangeTimeNs = 0;
    std::int64_t receivedAtNs = 0;
    std::uint32_t instrument = 0;
    std::int64_t firstSequence = 0; // first update id covered
    std::int64_t sequence = 0; // last update id covered
    std::vector<PriceLevel> bids;
    std::vector<PriceLevel> asks;
};

} // namespace tickscope::model
