#include "app/feeds/bybit/bybit_normalizer.h"

#include <algorithm>
#include <format>

namespace tickscope::feeds::bybit {

BybitNormalizer::BybitNormalizer(InstrumentList instruments)
    : FeedNormalizer(std::move(instruments))
    , m_parser(this->instruments())
{
    for (std::uint32_t i = 0; i < this->instruments().size(); ++i)
        m_books.emplace_back(i);
}

void BybitNormalizer::normalizeFrame(const RawMessage &message, NormalizedOutput &out)
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
            if constexpr (std::is_same_v<T, std::vector<model::Trade>>) {
                std::ranges::move(value, std::back_inserter(out.trades));
            } else if constexpr (std::is_same_v<T, BookMessage>) {
                onBook(std::move(value), out);
            } else if constexpr (std::is_same_v<T, Reply>) {
                if (value.op == "ping" && value.success)
                    ++out.ignored["pong"];
                else
                    out.events.push_back(
                        {message.receivedAtNs, value.success ? Kind::Subscribed : Kind::Error,
                            std::format("{} {}: {}", value.op, value.success ? "done" : "failed",
                                quoteForAudit(value.message, 256))});
            } else if constexpr (std::is_same_v<T, UnknownSymbol>) {
                reportUnknownSymbol(message, value.symbol, out);
            } else {
                ++out.ignored[value.channel];
            }
        },
        std::move(*parsed));
}

void BybitNormalizer::onBook(BookMessage book, NormalizedOutput &out)
{
    const BookOutcome outcome = m_books[book.instrument].onMessage(book);
    recordBook(outcome, book.snapshot,
        {
            .exchangeTimeNs = book.exchangeTimeNs,
            .receivedAtNs = book.receivedAtNs,
            .instrument = book.instrument,
            .firstSequence = book.updateId,
            .sequence = book.updateId,
            .bids = std::move(book.bids),
            .asks = std::move(book.asks),
        },
        out);
}

} // namespace tickscope::feeds::bybit
