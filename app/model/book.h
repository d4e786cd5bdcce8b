// Order-book messages as every exchange adapter normalizes them: a full snapshot valid at an
// exchange sequence number, and deltas covering a range of sequence numbers.
#pragma once

#include "app/model/decimal.h"

#include <cstdint>
#include <vector>

namespace tickscope::model {

// The sequence of a book message whose venue sends no update id (Kraken v2 checks a CRC32 of the
// book instead): its adapter leaves this, and the batch assembler numbers the message by its
// journal record, the same in every replay of the journal, so the unique key stays exact.
inline constexpr std::int64_t kSequenceFromJournal = -1;

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
    std::int64_t sequence = 0; // the exchange's update id it is valid at, or kSequenceFromJournal
    std::vector<PriceLevel> bids; // best first
    std::vector<PriceLevel> asks;
};

struct BookDelta
{
    std::int64_t exchangeTimeNs = 0;
    std::int64_t receivedAtNs = 0;
    std::uint32_t instrument = 0;
    std::int64_t firstSequence = 0; // first update id covered, or kSequenceFromJournal
    std::int64_t sequence = 0; // last update id covered, or kSequenceFromJournal
    std::vector<PriceLevel> bids;
    std::vector<PriceLevel> asks;
};

} // namespace tickscope::model
