// Kraken WebSocket v2's raw messages into the normalized model: trades (ids contiguous per
// symbol), and each instrument's book kept by an OrderBook at the subscribed depth, whose
// checksum mismatches become gaps and resubscription requests. The `instrument` channel's
// precisions are handed to the books. Kraken's book messages carry no sequence: they are stored
// numbered by their journal record (model::kSequenceFromJournal).
#pragma once

#include "app/feeds/feed_normalizer.h"
#include "app/feeds/kraken/message_parser.h"
#include "app/feeds/kraken/order_book.h"

#include <vector>

namespace tickscope::feeds::kraken {

class KrakenNormalizer : public FeedNormalizer
{
public:
    KrakenNormalizer(InstrumentList instruments, std::size_t depth);

    const LocalBook *book(std::uint32_t instrument) const override
    {
        return &m_books.at(instrument).book();
    }

protected:
    void normalizeFrame(const RawMessage &message, NormalizedOutput &out) override;
    std::expected<std::vector<model::Trade>, std::string> parseBackfillPage(
        std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs) override;

private:
    void onBook(BookMessage book, NormalizedOutput &out);

    MessageParser m_parser;
    std::vector<OrderBook> m_books;
};

} // namespace tickscope::feeds::kraken
