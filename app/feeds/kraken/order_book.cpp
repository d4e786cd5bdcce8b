#include "app/feeds/kraken/order_book.h"

#include "app/feeds/kraken/book_checksum.h"

#include <format>

namespace tickscope::feeds::kraken {

OrderBook::OrderBook(std::uint32_t instrument, std::size_t depth)
    : m_instrument(instrument)
    , m_depth(depth)
{ }

void OrderBook::setPrecisions(int price, int quantity)
{
    m_precisions = {price, quantity};
}

BookOutcome OrderBook::onMessage(const BookMessage &message)
{
    BookOutcome outcome;
    if (!message.snapshot && m_awaitingSnapshot) {
        outcome.dropped = true;
        return outcome;
    }
    if (message.snapshot)
        m_book.clear();
    m_book.apply(message.bids, message.asks);
    m_book.truncate(m_depth);
    if (message.checksum && m_precisions) {
        const auto computed = bookChecksum(m_book.asks(kChecksumLevels),
            m_book.bids(kChecksumLevels), m_precisions->first, m_precisions->second);
        if (computed != message.checksum) {
            outcome.gap = model::Gap{
                .kind = model::Gap::Kind::Checksum,
                .instrument = m_instrument,
                .beforeTimeNs = m_lastTimeNs != 0 ? m_lastTimeNs : message.exchangeTimeNs,
                .afterTimeNs = message.exchangeTimeNs,
                .cause = computed
                    ? std::format(
                          "book checksum {} sent, {} computed", *message.checksum, *computed)
                    : std::format("book checksum {} sent; a level has more decimals than the "
                                  "instrument's precisions ({}, {})",
                          *message.checksum, m_precisions->first, m_precisions->second),
            };
            outcome.resubscribe = true;
            m_book.clear();
            m_awaitingSnapshot = true;
            return outcome;
        }
        outcome.checksumVerified = true;
    }
    m_awaitingSnapshot = false;
    m_lastTimeNs = message.exchangeTimeNs;
    outcome.applied = true;
    return outcome;
}

} // namespace tickscope::feeds::kraken
