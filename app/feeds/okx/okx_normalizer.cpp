#include "app/feeds/okx/okx_normalizer.h"

#include <algorithm>
#include <format>

namespace tickscope::feeds::okx {

namespace {

constexpr std::string_view kUpgradeNotice = "64008"; // the connection closes soon

} // namespace

OkxNormalizer::OkxNormalizer(InstrumentList instruments)
    : FeedNormalizer(std::move(instruments))
    , m_parser(this->instruments())
{
    for (std::uint32_t i = 0; i < this->instruments().size(); ++i)
        m_books.emplace_back(i);
}

void OkxNormalizer::normalizeFrame(const RawMessage &message, NormalizedOutput &out)
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
            } else if constexpr (std::is_same_v<T, SubscribeAck>) {
                out.events.push_back({at, Kind::Subscribed,
                    std::format("{} {} {}", value.event, value.channel, value.symbol)});
            } else if constexpr (std::is_same_v<T, ErrorReply>) {
                out.events.push_back({at, Kind::Error,
                    std::format("exchange error {}: {}", value.code, value.message)});
            } else if constexpr (std::is_same_v<T, Notice>) {
                const bool closing = value.code == kUpgradeNotice;
                out.events.push_back({at, closing ? Kind::ShutdownNotice : Kind::Error,
                    std::format("notice {}: {}", value.code, value.message)});
                out.reconnectRequested = out.reconnectRequested || closing;
            } else if constexpr (std::is_same_v<T, Pong>) {
                ++out.ignored["pong"];
            } else if constexpr (std::is_same_v<T, UnknownSymbol>) {
                reportUnknownSymbol(message, value.symbol, out);
            } else {
                ++out.ignored[value.channel];
            }
        },
        std::move(*parsed));
}

void OkxNormalizer::onBook(BookMessage book, NormalizedOutput &out)
{
    const BookOutcome outcome = m_books[book.instrument].onMessage(book);
    recordBook(outcome, book.snapshot,
        {
            .exchangeTimeNs = book.exchangeTimeNs,
            .receivedAtNs = book.receivedAtNs,
            .instrument = book.instrument,
            // A reset (seqId below prevSeqId) starts the sequence again at seqId; prevSeqId + 1
            // is taken only below seqId, so no value a frame carries overflows.
            .firstSequence = book.prevSeqId < book.seqId ? book.prevSeqId + 1 : book.seqId,
            .sequence = book.seqId,
            .bids = std::move(book.bids),
            .asks = std::move(book.asks),
        },
        out);
}

std::expected<std::vector<model::Trade>, std::string> OkxNormalizer::parseBackfillPage(
    std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs)
{
    return m_parser.parseHistoryTrades(body, instrument, receivedAtNs);
}

} // namespace tickscope::feeds::okx
