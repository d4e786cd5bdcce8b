#include "app/feeds/binance/binance_normalizer.h"

#include <algorithm>
#include <format>

namespace tickscope::feeds::binance {

BinanceNormalizer::BinanceNormalizer(
    InstrumentList instruments, TimeUnit timeUnit, TradeStream tradeStream)
    : FeedNormalizer(std::move(instruments))
    , m_parser(this->instruments(), timeUnit, tradeStream)
{
    for (std::uint32_t i = 0; i < this->instruments().size(); ++i)
        m_books.emplace_back(i);
}

void BinanceNormalizer::record(std::uint32_t instrument, const BookSync::Outcome &outcome,
    std::int64_t timeNs, NormalizedOutput &out)
{
    out.bookUpdatesApplied += outcome.applied;
    out.bookUpdatesDropped += outcome.dropped;
    if (outcome.applied > 0)
        checkCrossed(instrument, out);
    if (outcome.gap) {
        out.gaps.push_back(*outcome.gap);
        out.events.push_back({timeNs, model::FeedEvent::Kind::Resync,
            std::format("{}: book update ids {}..{} missing; resynchronising",
                instruments().at(instrument).symbol, outcome.gap->firstMissing,
                outcome.gap->lastMissing)});
    }
    if (outcome.needSnapshot)
        out.snapshotRequests.push_back(instrument);
}

void BinanceNormalizer::normalizeFrame(const RawMessage &message, NormalizedOutput &out)
{
    auto parsed = m_parser.parse(message.payload, message.receivedAtNs);
    if (!parsed) {
        reportMalformed(message, parsed.error(), out);
        return;
    }
    std::visit(
        [&](auto &&value) {
            using T = std::decay_t<decltype(value)>;
            if constexpr (std::is_same_v<T, model::Trade>) {
                out.trades.push_back(value);
            } else if constexpr (std::is_same_v<T, model::BookDelta>) {
                const auto outcome = m_books[value.instrument].onDelta(value);
                record(value.instrument, outcome, message.receivedAtNs, out);
                out.deltas.push_back(std::move(value));
            } else if constexpr (std::is_same_v<T, SubscribeAck>) {
                out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Subscribed,
                    std::format("request {} acknowledged", value.id)});
            } else if constexpr (std::is_same_v<T, ErrorReply>) {
                out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::Error,
                    std::format("exchange error {}: {}", value.code, value.message)});
            } else if constexpr (std::is_same_v<T, UnknownSymbol>) {
                reportUnknownSymbol(message, value.symbol, out);
            } else if constexpr (std::is_same_v<T, ServerShutdown>) {
                out.events.push_back({message.receivedAtNs, model::FeedEvent::Kind::ShutdownNotice,
                    "serverShutdown: the server is going away"});
                out.reconnectRequested = true;
            } else {
                ++out.ignored[value.channel];
            }
        },
        std::move(*parsed));
}

std::expected<std::vector<model::Trade>, std::string> BinanceNormalizer::parseBackfillPage(
    std::uint32_t instrument, std::string_view body, std::int64_t receivedAtNs)
{
    return m_parser.parseHistoricalTrades(body, instrument, receivedAtNs);
}

void BinanceNormalizer::normalizeSnapshotResponse(std::uint32_t instrument, std::string_view body,
    const RawMessage &message, NormalizedOutput &out)
{
    auto snapshot = m_parser.parseDepthSnapshot(body, instrument, message.receivedAtNs);
    if (!snapshot) {
        reportMalformed(message, snapshot.error(), out);
        out.snapshotRequests.push_back(instrument);
        return;
    }
    const auto outcome = m_books[instrument].onSnapshot(*snapshot);
    record(instrument, outcome, message.receivedAtNs, out);
    out.snapshots.push_back(std::move(*snapshot));
}

} // namespace tickscope::feeds::binance
