#include "app/feeds/kraken/kraken_normalizer.h"

#include <algorithm>
#include <format>

namespace tickscope::feeds::kraken {

KrakenNormalizer::KrakenNormalizer(InstrumentList instruments, std::size_t depth)
    : FeedNormalizer(std::move(instruments))
    , m_parser(this->instruments())
{
    for (std::uint32_t i = 0; i < this->instruments().size(); ++i)
        m_books.emplace_back(i, depth);
}

void KrakenNormalizer::normalizeFrame(const RawMessage &message, NormalizedOutput &out)
{
    auto parsed = m_parser.parse(message.payload, message.receivedAtNs);
    if (!parsed) {
        reportMalformed(message, parsed.error(), out);
        return;
    }
    const std::int64_t at = message.receivedAtNs;
    std::visit(
        [&](auto &&value) {
            using T = std::decay_t<decltype(value)>;
            using Kind = model::FeedEvent::Kind;
            if constexpr (std::is_same_v<T, std::vector<model::Trade>>) {
                std::ranges::move(value, std::back_inserter(out.trades));
            } else if constexpr (std::is_same_v<T, BookMessage>) {
                onBook(std::move(value), out);
            } else if constexpr (std::is_same_v<T, InstrumentInfo>) {
                for (const Precisions &precisions : value.precisions)
                    m_books[precisions.instrument].setPrecisions(
                        precisions.price, precisions.quantity);
                ++out.ignored["instrument"];
            } else if constexpr (std::is_same_v<T, SubscribeAck>) {
                out.events.push_back({at, Kind::Subscribed,
                    std::format("{} {} {}", value.method, value.channel, value.symbol)});
            } else if constexpr (std::is_same_v<T, ErrorReply>) {
                out.events.push_back({at, Kind::Error,
                    std::format("{} {} failed: {}", value.method, value.symbol, value.error)});
            } else if constexpr (std::is_same_v<T, Status>) {
                if (value.system == "online")
                    ++out.ignored["status"];
                else
                    out.events.push_back({at, Kind::Error,
                        std::format("exchange status: {}", quoteForAudit(value.system, 64))});
            } else if constexpr (std::is_same_v<T, UnknownSymbol>) {
                reportUnknownSymbol(message, value.symbol, out);
            } else {
                ++out.ignored[value.channel];
            }
        },
        std::move(*parsed));
}

void KrakenNormalizer::onBook(BookMessage book, NormalizedOutput &out)
{
    const BookOutcome outcome = m_books[book.instrument].onMessage(book);
    recordBook(outcome, book.snapshot,
        {
            .exchangeTimeNs = book.exchangeTimeNs,
            .receivedAtNs = book.receivedAtNs,
            .instrument = book.instrument,
            .firstSequence = model::kSequenceFromJournal,
            .sequence = model::kSequenceFromJournal,
            .bids = std::move(book.bids),
            .asks = std::move(book.asks),
        },
        out);
}

std::expected<std::vector<model::Trade>, std::string> KrakenNormalizer::parseBackfillPage(
    std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs)
{
    return m_parser.parseTradeHistory(body, instrument, receivedAtNs);
}

} // namespace tickscope::feeds::kraken
