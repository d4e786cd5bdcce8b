// Bybit v5 spot's raw messages into the normalized model: trades (string ids, neither contiguous
// nor documented as increasing per symbol: the database's key deduplicates them), and each
// instrument's book kept by an OrderBook, whose lost deltas become gaps and resubscription
// requests.
#pragma once

#include "app/feeds/bybit/message_parser.h"
#include "app/feeds/bybit/order_book.h"
#include "app/feeds/feed_normalizer.h"

#include <vector>

namespace tickscope::feeds::bybit {

class BybitNormalizer : public FeedNormalizer
{
public:
    explicit BybitNormalizer(InstrumentList instruments);

    const LocalBook *book(std::uint32_t instrument) const override
    {
        return &m_books.at(instrument).book();
    }

protected:
    void normalizeFrame(const RawMessage &message, NormalizedOutput &out) override;

private:
    void onBook(BookMessage book, NormalizedOutput &out);

    MessageParser m_parser;
    std::vector<OrderBook> m_books;
};

} // namespace tickscope::feeds::bybit
