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
                const BookOutcome outcome = m_books[value.instrument].apply(value);
                const bool snapshot = value.snapshot;
                recordBook(outcome, snapshot, Level2Book::row(std::move(value)), out);
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

std::expected<std::vector<model::Trade>, std::string> CoinbaseNormalizer::parseBackfillPage(
    std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs)
{
    return m_parser.parseTrades(body, instrument, receivedAtNs);
}

} // namespace tickscope::feeds::coinbase
