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
    const std::uint32_t instrument = book.instrument;
    const OrderBook::Outcome outcome = m_books[instrument].onMessage(book);
    if (outcome.gap) {
        out.events.push_back({book.receivedAtNs, model::FeedEvent::Kind::Resync,
            std::format("{}: {}; resubscribing", instruments().at(instrument).symbol,
                model::describe(*outcome.gap))});
        out.gaps.push_back(std::move(*outcome.gap));
    }
    if (outcome.resubscribe)
        out.snapshotRequests.push_back(instrument);
    if (outcome.dropped)
        ++out.bookUpdatesDropped;
    if (!outcome.applied)
        return;
    ++out.bookUpdatesApplied;
    if (book.snapshot) {
        out.snapshots.push_back({
            .exchangeTimeNs = book.exchangeTimeNs,
            .receivedAtNs = book.receivedAtNs,
            .instrument = instrument,
            .sequence = model::kSequenceFromJournal,
            .bids = std::move(book.bids),
            .asks = std::move(book.asks),
        });
        return;
    }
    out.deltas.push_back({
        .exchangeTimeNs = book.exchangeTimeNs,
        .receivedAtNs = book.receivedAtNs,
        .instrument = instrument,
        .firstSequence = model::kSequenceFromJournal,
        .sequence = model::kSequenceFromJournal,
        .bids = std::move(book.bids),
        .asks = std::move(book.asks),
    });
}

void KrakenNormalizer::normalizeRestResponse(
    RestTopic, std::uint32_t, std::string_view, const RawMessage &message, NormalizedOutput &out)
{
    reportMalformed(message, "a Kraken feed asks for no REST answers", out);
}

} // namespace tickscope::feeds::kraken
