// Binance spot's raw messages into the normalized model: parses frames, keeps each symbol's book
// synchronised from the depth diffs and the REST snapshots the feed fetched, and reports book
// breaks and the snapshots it needs.
#pragma once

#include "app/feeds/binance/book_sync.h"
#include "app/feeds/binance/message_parser.h"
#include "app/feeds/feed_normalizer.h"
#include "app/feeds/instrument_list.h"

#include <vector>

namespace tickscope::feeds::binance {

class BinanceNormalizer : public FeedNormalizer
{
public:
    BinanceNormalizer(InstrumentList instruments, TimeUnit timeUnit,
        TradeStream tradeStream = TradeStream::Trade);

    const BookSync &bookSync(std::uint32_t instrument) const { return m_books.at(instrument); }
    const LocalBook *book(std::uint32_t instrument) const override
    {
        return &m_books.at(instrument).book();
    }
    std::size_t bookUpdatesWaiting(std::uint32_t instrument) const override
    {
        const BookSync &sync = m_books.at(instrument);
        return sync.state() == BookSync::State::AwaitingSnapshot ? sync.buffered() : 0;
    }

protected:
    void normalizeFrame(const RawMessage &message, NormalizedOutput &out) override;
    void normalizeSnapshotResponse(std::uint32_t instrument, std::string_view body,
        const RawMessage &message, NormalizedOutput &out) override;
    std::expected<std::vector<model::Trade>, std::string> parseBackfillPage(
        std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs) override;

private:
    void record(std::uint32_t instrument, const BookSync::Outcome &outcome, std::int64_t timeNs,
        NormalizedOutput &out);

    MessageParser m_parser;
    std::vector<BookSync> m_books;
};

} // namespace tickscope::feeds::binance
