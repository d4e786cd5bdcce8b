// What a book kept from an exchange's socket (OKX, Kraken, Bybit) made of one message: applied,
// dropped (stale, or before the snapshot it waits for), or lost with the gap it leaves and a
// resubscription to get the book back. FeedNormalizer::recordBook turns it into output.
#pragma once

#include "app/model/gap.h"

#include <optional>

namespace tickscope::feeds {

struct BookOutcome
{
    bool applied = false; // the message is part of the book now: store it
    bool dropped = false;
    bool checksumVerified = false;
    std::optional<model::Gap> gap;
    bool resubscribe = false;
};

} // namespace tickscope::feeds
