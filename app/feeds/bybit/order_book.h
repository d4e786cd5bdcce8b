// One instrument's Bybit `orderbook.{depth}` topic kept as a local book: a snapshot (sent on
// subscription, and again whenever Bybit restarts or resets the book: `u` 1) replaces it; deltas
// must carry the next update id. An older id is stale and dropped; a later one means deltas were
// lost: the missing ids are a gap, the book is discarded and subscribed again.
// Bybit documents `u` as incremental only for orderbook.full; that orderbook.{1,50,200,1000}
// count by one per delta is what client libraries rely on (PROTOCOLS.md 5.4: to be confirmed on
// live traffic). Used by BybitNormalizer.
#pragma once

#include "app/feeds/book_outcome.h"
#include "app/feeds/bybit/message_parser.h"
#include "app/feeds/local_book.h"

#include <optional>

namespace tickscope::feeds::bybit {

class OrderBook
{
public:
    explicit OrderBook(std::uint32_t instrument);

    BookOutcome onMessage(const BookMessage &message);

    const LocalBook &book() const { return m_book; }

private:
    std::uint32_t m_instrument;
    LocalBook m_book;
    std::optional<std::int64_t> m_lastUpdateId; // none: waiting for a snapshot
    std::int64_t m_lastTimeNs = 0;
};

} // namespace tickscope::feeds::bybit
