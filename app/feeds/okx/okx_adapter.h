// OKX v5 public: `trades` and `books` for every configured instrument (instId, e.g. BTC-USDT),
// subscribed on connections of the public endpoint with at most streams_per_connection channels
// each (OKX advises fewer than 30 book channels a connection); a text "ping" keeps a quiet
// connection open; a book that breaks its prevSeqId chain or its checksum is resubscribed; the
// trades of a trade-id gap are fetched from REST history-trades, 100 a page, newest first.
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/feeds/exchange_adapter.h"

namespace tickscope::feeds::okx {

class OkxAdapter : public ExchangeAdapter
{
public:
    static constexpr std::size_t kStreamsPerInstrument = 2; // trades, books
    static constexpr std::size_t kDefaultStreamsPerConnection = 28;
    // One subscribe request carries every stream of a connection and must stay under 64 KB.
    static constexpr std::size_t kMaxStreamsPerConnection = 400;

    static constexpr int kHistoryPage = 100; // the most history-trades gives at once

    OkxAdapter(const InstrumentList &instruments, QUrl websocket, QUrl rest,
        std::size_t streamsPerConnection = kDefaultStreamsPerConnection);

    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t>) const override { return m_websocket; }
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t> instruments) const override;
    std::size_t streamsPerInstrument() const override { return kStreamsPerInstrument; }
    QByteArray keepAliveMessage() const override { return QByteArrayLiteral("ping"); }
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

// The registry's entry for OKX: its config settings and how it is made from them.
AdapterDescription describeAdapter();

} // namespace tickscope::feeds::okx
