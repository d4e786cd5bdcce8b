#include "app/feeds/coinbase/level2_book.h"

namespace tickscope::feeds::coinbase {

BookOutcome Level2Book::apply(const BookMessage &message)
{
    BookOutcome outcome;
    if (!message.snapshot && !m_live) {
        outcome.dropped = true; // before the snapshot
        return outcome;
    }
    if (message.snapshot)
        m_book.clear();
    m_book.apply(message.bids, message.asks);
    m_live = true;
    outcome.applied = true;
    return outcome;
}

void Level2Book::lose()
{
    m_book.clear();
    m_live = false;
}

model::BookDelta Level2Book::row(BookMessage message)
{
    return {
        .exchangeTimeNs = message.exchangeTimeNs,
        .receivedAtNs = message.receivedAtNs,
        .instrument = message.instrument,
        .firstSequence = model::kSequenceFromJournal,
        .sequence = model::kSequenceFromJournal,
        .bids = std::move(message.bids),
        .asks = std::move(message.asks),
    };
}

} // namespace tickscope::feeds::coinbase
