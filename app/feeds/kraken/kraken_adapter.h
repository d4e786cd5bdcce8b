// Kraken WebSocket v2 (spot): on each connection the `instrument` channel (the precisions the book
// checksum is computed at), then `trade` and `book` at the configured depth for its symbols
// (BTC/USD); {"method":"ping"} keeps a quiet connection open; a book whose checksum fails is
// unsubscribed and subscribed again for a fresh snapshot; the trades of a trade-id gap are fetched
// from REST public/Trades, which pages forward from a time.
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/feeds/exchange_adapter.h"

#include <QJsonArray>

namespace tickscope::feeds::kraken {

class KrakenAdapter : public ExchangeAdapter
{
public:
    static constexpr std::size_t kStreamsPerInstrument = 2; // trade, book
    static constexpr std::size_t kDefaultStreamsPerConnection = 100;
    static constexpr std::size_t kMaxStreamsPerConnection = 1000;
    static constexpr std::size_t kDefaultDepth = 10;

    static constexpr int kHistoryPage = 1000; // the most public/Trades gives at once

    KrakenAdapter(const InstrumentList &instruments, QUrl websocket, QUrl rest, std::size_t depth,
        std::size_t streamsPerConnection = kDefaultStreamsPerConnection);

    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t>) const override { return m_websocket; }
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t> instruments) const override;
    std::size_t streamsPerInstrument() const override { return kStreamsPerInstrument; }
    QByteArray keepAliveMessage() const override;
    std::chrono::seconds connectionLifetime() const override { return {}; }
    bool feedThreadCanSkip(std::string_view frame) const override;
    QList<QByteArray> resubscribeMessages(std::uint32_t instrument) const override;
    QUrl backfillUrl(std::uint32_t instrument, std::int64_t cursor, int limit) const override;
    int backfillPageSize() const override { return kHistoryPage; }
    std::unique_ptr<FeedNormalizer> createNormalizer() const override;

private:
    QByteArray bookRequest(const char *method, const QJsonArray &symbols) const;

    InstrumentList m_instruments;
    QUrl m_websocket;
    QUrl m_rest;
    std::size_t m_depth;
    ExchangeTraits m_traits;
};

// The registry's entry for Kraken: its config settings and how it is made from them.
AdapterDescription describeAdapter();

} // namespace tickscope::feeds::kraken
