// One instrument's Kraken v2 `book` channel kept as a local book: a snapshot, then updates applied
// level by level in the order sent, each side cut to the subscribed depth afterwards (Kraken sends
// no deletion for a level pushed out of the window), and the CRC32 of the top 10 levels at the
// instrument's precisions checked after every message. A mismatch discards the book and asks for
// a resubscription; updates before the new snapshot are dropped. The precisions come from the
// `instrument` channel; a capture without it gives them through its first snapshot, whose
// checksum matches at one pair of precisions only. Until either has, checksums cannot be checked
// (checksumVerified stays false).
// Used by KrakenNormalizer.
#pragma once

#include "app/feeds/book_outcome.h"
#include "app/feeds/kraken/message_parser.h"
#include "app/feeds/local_book.h"

#include <optional>
#include <utility>

namespace tickscope::feeds::kraken {

class OrderBook
{
public:
    OrderBook(std::uint32_t instrument, std::size_t depth);

    void setPrecisions(int price, int quantity);
    BookOutcome onMessage(const BookMessage &message);

    const LocalBook &book() const { return m_book; }
    bool awaitingSnapshot() const { return m_awaitingSnapshot; }

private:
    // The price and quantity precisions at which the book's checksum is `checksum`.
    std::optional<std::pair<int, int>> precisionsMatching(std::uint32_t checksum) const;

    std::uint32_t m_instrument;
    std::size_t m_depth;
    std::optional<std::pair<int, int>> m_precisions; // price, quantity
    LocalBook m_book;
    bool m_awaitingSnapshot = true;
    std::int64_t m_lastTimeNs = 0;
};

} // namespace tickscope::feeds::kraken
