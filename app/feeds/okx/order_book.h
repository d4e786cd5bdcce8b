// One instrument's OKX `books` channel kept as a local book: a snapshot, then updates whose
// prevSeqId must link to the last seqId (BookSequence), each followed by the CRC32 over the top 25
// levels' exact text (bookChecksum). A break or a mismatch discards the book and asks for a
// resubscription, whose snapshot starts it again; updates before that snapshot are dropped.
// Used by OkxNormalizer.
#pragma once

#include "app/feeds/book_outcome.h"
#include "app/feeds/local_book.h"
#include "app/feeds/okx/book_sequence.h"
#include "app/feeds/okx/message_parser.h"

#include <map>
#include <optional>
#include <vector>

namespace tickscope::feeds::okx {

class OrderBook
{
public:
    explicit OrderBook(std::uint32_t instrument);

    BookOutcome onMessage(const BookMessage &message);

    const LocalBook &book() const { return m_book; }
    bool awaitingSnapshot() const { return !m_sequence.last().has_value(); }

private:
    std::int32_t checksum();
    void discard();

    std::uint32_t m_instrument;
    BookSequence m_sequence;
    LocalBook m_book;
    // The exact text of every level, for the checksum.
    std::map<model::Decimal, TextLevel, std::greater<>> m_bidTexts;
    std::map<model::Decimal, TextLevel, std::less<>> m_askTexts;
    std::vector<TextLevel> m_topBids; // reused by checksum()
    std::vector<TextLevel> m_topAsks;
    std::int64_t m_lastTimeNs = 0; // of the last message applied
};

} // namespace tickscope::feeds::okx
