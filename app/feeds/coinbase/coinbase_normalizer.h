// The Coinbase Exchange feed's raw messages into the normalized model: trades (ids contiguous per
// product), and each product's level2_batch book: a snapshot, then absolute sizes by price. The
// channel carries no sequence, so nothing in it tells a lost update; a reconnect subscribes again
// and its snapshot replaces the book. Book messages are stored numbered by their journal record.
#pragma once

#include "app/feeds/coinbase/level2_book.h"
#include "app/feeds/coinbase/message_parser.h"
#include "app/feeds/feed_normalizer.h"

#include <vector>

namespace tickscope::feeds::coinbase {

class CoinbaseNormalizer : public FeedNormalizer
{
public:
    explicit CoinbaseNormalizer(InstrumentList instruments);

    const LocalBook *book(std::uint32_t instrument) const override
    {
        return &m_books.at(instrument).book();
    }

protected:
    void normalizeFrame(const RawMessage &message, NormalizedOutput &out) override;
    std::expected<std::vector<model::Trade>, std::string> parseBackfillPage(
        std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs) override;

private:
    MessageParser m_parser;
    std::vector<Level2Book> m_books;
};

} // namespace tickscope::feeds::coinbase
