// Coinbase Advanced Trade's raw messages into the normalized model: market trades (side as
// configured), and each product's level2 book (a snapshot, then absolute quantities). The only
// loss signal is the envelope's sequence_num, one counter per connection (the journal tags each
// frame with its connection): a jump loses a message of any channel, so every book seen on that
// connection gets a book_sequence gap over the missing numbers, is discarded and resubscribed. A
// counter that starts again (a new connection) is no gap. Books are stored numbered by their
// journal record (model::kSequenceFromJournal).
#pragma once

#include "app/feeds/coinbase/advanced_message_parser.h"
#include "app/feeds/coinbase/level2_book.h"
#include "app/feeds/feed_normalizer.h"

#include <map>
#include <set>
#include <vector>

namespace tickscope::feeds::coinbase {

class AdvancedTradeNormalizer : public FeedNormalizer
{
public:
    AdvancedTradeNormalizer(InstrumentList instruments, TradeSide side);

    const LocalBook *book(std::uint32_t instrument) const override
    {
        return &m_books.at(instrument).book();
    }

protected:
    void normalizeFrame(const RawMessage &message, NormalizedOutput &out) override;

private:
    struct Connection
    {
        std::optional<std::int64_t> lastSequence;
        std::set<std::uint32_t> books; // the instruments whose books came on it
    };

    // `sequence` came on `connection`: a jump loses the books of that connection.
    void followSequence(std::uint32_t connection, std::int64_t sequence, const RawMessage &message,
        NormalizedOutput &out);
    void onBook(BookMessage book, std::uint32_t connection, NormalizedOutput &out);

    AdvancedMessageParser m_parser;
    std::vector<Level2Book> m_books;
    std::map<std::uint32_t, Connection> m_connections;
};

} // namespace tickscope::feeds::coinbase
