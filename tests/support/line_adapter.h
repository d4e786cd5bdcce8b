// A minimal exchange for tests of the exchange-neutral core: one trade per text frame,
// "SYMBOL,ID,PRICE,SIZE,SIDE,TIME_MS" (SIDE is B or S), with trade ids as whatever text the test
// chooses and trade-id semantics as the test declares; or one book level, "BOOK,SYMBOL,PRICE,SIZE",
// without an update id. A backfill page is such trade lines, one per line, or "ERROR text" for an
// answer that cannot be used; the test declares how pages are asked for. It stands in for an
// exchange's protocol,
// not for the database: the writer, the sequencer and the COPY run as they do for Binance.
#pragma once

#include "app/feeds/exchange_adapter.h"

#include <charconv>
#include <ranges>

namespace tickscope::testing {

class LineNormalizer : public feeds::FeedNormalizer
{
public:
    using FeedNormalizer::FeedNormalizer;

protected:
    void normalizeFrame(const feeds::RawMessage &message, feeds::NormalizedOutput &out) override
    {
        std::vector<std::string_view> fields;
        for (const auto field : std::views::split(message.payload, ','))
            fields.emplace_back(field.begin(), field.end());
        // "BOOK,SYMBOL,PRICE,SIZE": a bid level, from a venue that sends no update ids.
        if (fields.size() == 4 && fields[0] == "BOOK") {
            const auto instrument = instruments().find(fields[1]);
            const auto price = model::Decimal::parse(fields[2]);
            const auto size = model::Decimal::parse(fields[3]);
            if (!instrument || !price || !size) {
                reportMalformed(message, "not BOOK,SYMBOL,PRICE,SIZE", out);
                return;
            }
            out.deltas.push_back({.exchangeTimeNs = message.receivedAtNs,
                .receivedAtNs = message.receivedAtNs,
                .instrument = *instrument,
                .firstSequence = model::kSequenceFromJournal,
                .sequence = model::kSequenceFromJournal,
                .bids = {{*price, *size}}});
            return;
        }
        std::int64_t timeMs = 0;
        const auto price = fields.size() == 6 ? model::Decimal::parse(fields[2]) : std::nullopt;
        const auto size = fields.size() == 6 ? model::Decimal::parse(fields[3]) : std::nullopt;
        if (!price || !size
            || std::from_chars(fields[5].data(), fields[5].data() + fields[5].size(), timeMs).ec
                != std::errc{}) {
            reportMalformed(message, "not SYMBOL,ID,PRICE,SIZE,SIDE,TIME_MS", out);
            return;
        }
        const auto instrument = instruments().find(fields[0]);
        if (!instrument) {
            reportUnknownSymbol(message, fields[0], out);
            return;
        }
        model::Trade trade{.exchangeTimeNs = timeMs * 1'000'000,
            .receivedAtNs = message.receivedAtNs,
            .instrument = *instrument,
            .price = *price,
            .size = *size,
            .side = fields[4] == "B" ? model::Side::Buy : model::Side::Sell};
        trade.setTradeId(fields[1]);
        out.trades.push_back(std::move(trade));
    }

    std::expected<std::vector<model::Trade>, std::string> parseBackfillPage(
        std::uint32_t, std::string_view body, std::int64_t receivedAtNs) override
    {
        if (body.starts_with("ERROR"))
            return std::unexpected(std::string(body));
        std::vector<model::Trade> trades;
        for (const auto line : std::views::split(body, '\n')) {
            feeds::NormalizedOutput out;
            normalizeFrame({feeds::RawKind::WebSocketText, 0, receivedAtNs,
                               std::string_view(line.begin(), line.end())},
                out);
            if (out.trades.size() != 1)
                return std::unexpected(
                    "not a trade line: " + std::string(line.begin(), line.end()));
            trades.push_back(out.trades.front());
        }
        return trades;
    }
};

class LineAdapter : public feeds::ExchangeAdapter
{
public:
    // One stream per instrument, at most `streamsPerConnection` on a connection (0: no limit).
    LineAdapter(std::vector<model::Instrument> instruments, feeds::ExchangeTraits::TradeIds ids,
        std::size_t streamsPerConnection = 0,
        feeds::ExchangeTraits::Backfill backfill = feeds::ExchangeTraits::Backfill::None,
        int backfillPageSize = 0)
        : m_instruments(std::move(instruments))
        , m_backfillPageSize(backfillPageSize)
    {
        m_traits.tradeIds = ids;
        m_traits.streamsPerConnection = streamsPerConnection;
        m_traits.backfill = backfill;
    }

    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const feeds::InstrumentList &instruments() const override { return m_instruments; }
    const feeds::ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t>) const override { return {}; }
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t>) const override
    {
        return {};
    }
    std::size_t streamsPerInstrument() const override { return 1; }
    std::chrono::seconds connectionLifetime() const override { return std::chrono::hours(24); }
    bool feedThreadCanSkip(std::string_view) const override { return true; }
    int backfillPageSize() const override { return m_backfillPageSize; }
    std::unique_ptr<feeds::FeedNormalizer> createNormalizer() const override
    {
        return std::make_unique<LineNormalizer>(m_instruments);
    }

private:
    feeds::InstrumentList m_instruments;
    feeds::ExchangeTraits m_traits;
    int m_backfillPageSize;
};

} // namespace tickscope::testing
