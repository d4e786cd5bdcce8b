#include "app/feeds/kraken/order_book.h"

#include "app/feeds/kraken/book_checksum.h"

#include <algorithm>
#include <format>
#include <span>

namespace tickscope::feeds::kraken {

OrderBook::OrderBook(std::uint32_t instrument, std::size_t depth)
    : m_instrument(instrument)
    , m_depth(depth)
{ }

void OrderBook::setPrecisions(int price, int quantity)
{
    m_precisions = {price, quantity};
}

std::optional<std::pair<int, int>> OrderBook::precisionsMatching(std::uint32_t checksum) const
{
    const auto asks = m_book.asks(kChecksumLevels);
    const auto bids = m_book.bids(kChecksumLevels);
    // No precision below the decimals a level was sent with can write it.
    int price = 0;
    int quantity = 0;
    for (const auto side : {std::span{asks}, std::span{bids}}) {
        for (const auto &level : side) {
            price = std::max(price, static_cast<int>(level.price.scale));
            quantity = std::max(quantity, static_cast<int>(level.size.scale));
        }
    }
    for (int p = price; p <= model::Decimal::kMaxScale; ++p) {
        for (int q = quantity; q <= model::Decimal::kMaxScale; ++q) {
            if (bookChecksum(asks, bids, p, q) == checksum)
                return std::pair{p, q};
        }
    }
    return std::nullopt;
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
    if (message.snapshot && message.checksum && !m_precisions)
        m_precisions = precisionsMatching(*message.checksum);
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
