// Coinbase Exchange WebSocket feed: the public channels matches, level2_batch and heartbeat for
// every configured product (BTC-USD), subscribed in one message as soon as the connection opens
// (Coinbase closes a connection not subscribed within 5 s). The server keeps the connection alive
// with heartbeats; WebSocket pings check it. The trades of a trade-id gap are fetched from REST
// /products/<id>/trades, which pages back from a trade id (its `after` cursor). Advanced Trade's
// feed is another protocol and another adapter.
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/feeds/exchange_adapter.h"

namespace tickscope::feeds::coinbase {

class CoinbaseAdapter : public ExchangeAdapter
{
public:
    static constexpr std::size_t kStreamsPerInstrument = 3; // matches, level2_batch, heartbeat
    static constexpr std::size_t kDefaultStreamsPerConnection = 300;
    static constexpr std::size_t kMaxStreamsPerConnection = 3000;

    static constexpr int kHistoryPage = 1000; // the most /trades gives at once

    CoinbaseAdapter(const InstrumentList &instruments, QUrl websocket, QUrl rest,
        std::size_t streamsPerConnection = kDefaultStreamsPerConnection);

    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t>) const override { return m_websocket; }
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t> instruments) const override;
    std::size_t streamsPerInstrument() const override { return kStreamsPerInstrument; }
    std::chrono::seconds connectionLifetime() const override { return {}; }
    bool feedThreadCanSkip(std::string_view frame) const override;
    QList<QByteArray> resubscribeMessages(std::uint32_t instrument) const override;
    QUrl backfillUrl(std::uint32_t instrument, std::int64_t cursor, int limit) const override;
    int backfillPageSize() const override { return kHistoryPage; }
    std::unique_ptr<FeedNormalizer> createNormalizer() const override;

private:
    InstrumentList m_instruments;
    QUrl m_websocket;
    QUrl m_rest;
    ExchangeTraits m_traits;
};

// The registry's entry for Coinbase Exchange: its config settings and how it is made from them.
AdapterDescription describeAdapter();

} // namespace tickscope::feeds::coinbase
