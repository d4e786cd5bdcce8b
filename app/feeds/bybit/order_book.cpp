#include "app/feeds/bybit/order_book.h"

namespace tickscope::feeds::bybit {

OrderBook::OrderBook(std::uint32_t instrument)
    : m_instrument(instrument)
{ }

BookOutcome OrderBook::onMessage(const BookMessage &message)
{
    BookOutcome outcome;
    if (message.snapshot) {
        m_book.clear();
    } else if (!m_lastUpdateId || message.updateId <= *m_lastUpdateId) {
        outcome.dropped = true;
        return outcome;
    } else if (message.updateId > *m_lastUpdateId + 1) {
        outcome.gap = model::Gap{
            .kind = model::Gap::Kind::BookSequence,
            .instrument = m_instrument,
            .firstMissing = *m_lastUpdateId + 1,
            .lastMissing = message.updateId - 1,
            .beforeTimeNs = m_lastTimeNs,
            .afterTimeNs = message.exchangeTimeNs,
        };
        outcome.resubscribe = true;
        m_book.clear();
        m_lastUpdateId.reset();
        return outcome;
    }
    m_book.apply(message.bids, message.asks);
    m_lastUpdateId = message.updateId;
    m_lastTimeNs = message.exchangeTimeNs;
    outcome.applied = true;
    return outcome;
}

} // namespace tickscope::feeds::bybit
