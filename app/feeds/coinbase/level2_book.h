// A book of absolute quantities by price that is known from its snapshot on, as both Coinbase
// feeds send their level2 channels: a snapshot replaces it, an update before any snapshot is
// dropped, and a book known lost waits for the next snapshot. Used by CoinbaseNormalizer and
// AdvancedTradeNormalizer.
#pragma once

#include "app/feeds/book_outcome.h"
#include "app/feeds/coinbase/message_parser.h"
#include "app/feeds/local_book.h"

namespace tickscope::feeds::coinbase {

class Level2Book
{
public:
    BookOutcome apply(const BookMessage &message);
    // The book can no longer be trusted: empty until the next snapshot.
    void lose();

    bool live() const { return m_live; }
    const LocalBook &book() const { return m_book; }

    // `message` as the row FeedNormalizer::recordBook stores, numbered by its journal record.
    static model::BookDelta row(BookMessage message);

private:
    LocalBook m_book;
    bool m_live = false; // a snapshot came since the book was last lost
};

} // namespace tickscope::feeds::coinbase
