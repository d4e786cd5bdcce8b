#include "app/feeds/coinbase/coinbase_normalizer.h"

#include <format>

namespace tickscope::feeds::coinbase {

CoinbaseNormalizer::CoinbaseNormalizer(InstrumentList instruments)
    : FeedNormalizer(std::move(instruments))
    , m_parser(this->instruments())
    , m_books(this->instruments().size())
{ }

void CoinbaseNormalizer::normalizeFrame(const RawMessage &message, NormalizedOutput &out)
{
    auto parsed = m_parser.parse(message.payload, message.receivedAtNs);
    if (!parsed) {
        reportMalformed(message, parsed.error(), out);
        return;
    }
    std::visit(
        [&](auto &&value) {
            using T = std::decay_t<decltype(value)>;
            using Kind = model::FeedEvent::Kind;
            if constexpr (std::is_same_v<T, model::Trade>) {
                out.trades.push_back(std::move(value));
            } else if constexpr (std::is_same_v<T, BookMessage>) {
                onBook(std::move(value), out);
            } else if constexpr (std::is_same_v<T, Subscriptions>) {
                out.events.push_back(
                    {message.receivedAtNs, Kind::Subscribed, quoteForAudit(value.channels, 1024)});
            } else if constexpr (std::is_same_v<T, ErrorReply>) {
                out.events.push_back({message.receivedAtNs, Kind::Error,
                    std::format("exchange error: {}: {}", quoteForAudit(value.message, 256),
                        quoteForAudit(value.reason, 256))});
            } else if constexpr (std::is_same_v<T, UnknownSymbol>) {
                reportUnknownSymbol(message, value.symbol, out);
            } else {
                ++out.ignored[value.channel];
            }
        },
        std::move(*parsed));
}

void CoinbaseNormalizer::onBook(BookMessage book, NormalizedOutput &out)
{
    Book &kept = m_books[book.instrument];
    BookOutcome outcome;
    if (book.snapshot || kept.live) {
        if (book.snapshot)
            kept.book.clear();
        kept.book.apply(book.bids, book.asks);
        kept.live = true;
        outcome.applied = true;
    } else {
        outcome.dropped = true; // before the snapshot
    }
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

std::expected<std::vector<model::Trade>, std::string> CoinbaseNormalizer::parseBackfillPage(
    std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs)
{
    return m_parser.parseTrades(body, instrument, receivedAtNs);
}

} // namespace tickscope::feeds::coinbase
