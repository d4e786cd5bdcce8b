#include "app/feeds/coinbase/advanced_normalizer.h"

#include <format>

namespace tickscope::feeds::coinbase {

AdvancedTradeNormalizer::AdvancedTradeNormalizer(InstrumentList instruments, TradeSide side)
    : FeedNormalizer(std::move(instruments))
    , m_parser(this->instruments(), side)
    , m_books(this->instruments().size())
{ }

void AdvancedTradeNormalizer::normalizeFrame(const RawMessage &message, NormalizedOutput &out)
{
    auto parsed = m_parser.parse(message.payload, message.receivedAtNs);
    if (!parsed) {
        reportMalformed(message, parsed.error(), out);
        return;
    }
    if (parsed->sequence)
        followSequence(message.tag, *parsed->sequence, message, out);
    std::visit(
        [&](auto &&value) {
            using T = std::decay_t<decltype(value)>;
            using Kind = model::FeedEvent::Kind;
            if constexpr (std::is_same_v<T, AdvancedTrades>) {
                std::ranges::move(value.trades, std::back_inserter(out.trades));
                for (const auto &symbol : value.unknownSymbols)
                    reportUnknownSymbol(message, symbol, out);
            } else if constexpr (std::is_same_v<T, AdvancedBooks>) {
                for (auto &book : value.books)
                    onBook(std::move(book), message.tag, out);
                for (const auto &symbol : value.unknownSymbols)
                    reportUnknownSymbol(message, symbol, out);
            } else if constexpr (std::is_same_v<T, Subscriptions>) {
                out.events.push_back(
                    {message.receivedAtNs, Kind::Subscribed, quoteForAudit(value.channels, 1024)});
            } else if constexpr (std::is_same_v<T, ErrorReply>) {
                out.events.push_back({message.receivedAtNs, Kind::Error,
                    std::format("exchange error: {}", quoteForAudit(value.message, 256))});
            } else {
                ++out.ignored[value.channel];
            }
        },
        std::move(parsed->content));
}

void AdvancedTradeNormalizer::followSequence(std::uint32_t connection, std::int64_t sequence,
    const RawMessage &message, NormalizedOutput &out)
{
    Connection &state = m_connections[connection];
    const auto last = state.lastSequence;
    state.lastSequence = sequence;
    // The first message, or a counter that started again: a new connection.
    if (!last || sequence <= *last || sequence == *last + 1)
        return;
    for (const std::uint32_t instrument : state.books) {
        Level2Book &kept = m_books[instrument];
        if (!kept.live())
            continue; // lost already, its resubscription under way
        kept.lose();
        const model::Gap gap{.kind = model::Gap::Kind::BookSequence,
            .instrument = instrument,
            .firstMissing = *last + 1,
            .lastMissing = sequence - 1,
            .beforeTimeNs = message.receivedAtNs,
            .afterTimeNs = message.receivedAtNs,
            .cause = std::format(
                "sequence_num {} followed {} on connection {}", sequence, *last, connection)};
        out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Resync,
            std::format("{}: {}; resubscribing", instruments().at(instrument).symbol,
                model::describe(gap))});
        out.gaps.push_back(gap);
        out.snapshotRequests.push_back(instrument);
    }
}

void AdvancedTradeNormalizer::onBook(
    BookMessage book, std::uint32_t connection, NormalizedOutput &out)
{
    m_connections[connection].books.insert(book.instrument);
    const BookOutcome outcome = m_books[book.instrument].apply(book);
    const bool snapshot = book.snapshot;
    recordBook(outcome, snapshot, Level2Book::row(std::move(book)), out);
}

} // namespace tickscope::feeds::coinbase
