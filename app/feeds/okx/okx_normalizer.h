// OKX v5's raw messages into the normalized model: aggregated trades (each covering `count` trade
// ids), and each instrument's book kept by an OrderBook, whose breaks and checksum mismatches
// become gaps and resubscription requests.
#pragma once

#include "app/feeds/feed_normalizer.h"
#include "app/feeds/okx/message_parser.h"
#include "app/feeds/okx/order_book.h"

#include <vector>

namespace tickscope::feeds::okx {

class OkxNormalizer : public FeedNormalizer
{
public:
    explicit OkxNormalizer(InstrumentList instruments);

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

} // namespace tickscope::feeds::okx
