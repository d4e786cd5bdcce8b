// Binance spot: combined-stream connections with <symbol>@trade (or @aggTrade, as configured) and
// <symbol>@depth@100ms for every configured symbol (at most 1024 streams each), REST depth
// snapshots (limit 5000) for book synchronisation and historical trades by id for gaps.
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/feeds/binance/message_parser.h"
#include "app/feeds/exchange_adapter.h"

namespace tickscope::feeds::binance {

struct BinanceEndpoints
{
    QUrl websocket{QStringLiteral("wss://stream.binance.com:9443")};
    QUrl rest{QStringLiteral("https://api.binance.com")};
};

class BinanceAdapter : public ExchangeAdapter
{
public:
    // Binance allows 1024 streams per connection; fewer spreads the feed over more connections.
    static constexpr std::size_t kMaxStreamsPerConnection = 1024;
    static constexpr std::size_t kStreamsPerInstrument = 2; // @trade or @aggTrade, @depth@100ms

    BinanceAdapter(const InstrumentList &instruments, BinanceEndpoints endpoints, TimeUnit timeUnit,
        std::size_t streamsPerConnection = kMaxStreamsPerConnection,
        TradeStream tradeStream = TradeStream::Trade);

    // The instruments' exchange: "binance", or the simulator's name.
    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t> instruments) const override;
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t>) const override
    {
        return {}; // the URL names the streams
    }
    std::size_t streamsPerInstrument() const override { return kStreamsPerInstrument; }
    std::chrono::seconds connectionLifetime() const override { return std::chrono::hours(24); }
    bool feedThreadCanSkip(std::string_view frame) const override;
    QUrl snapshotUrl(std::uint32_t instrument) const override;
    QUrl backfillUrl(std::uint32_t instrument, std::int64_t fromId, int limit) const override;
    int backfillPageSize() const override { return 1000; }
    std::unique_ptr<FeedNormalizer> createNormalizer() const override;

private:
    InstrumentList m_instruments;
    BinanceEndpoints m_endpoints;
    TimeUnit m_timeUnit;
    TradeStream m_tradeStream;
    ExchangeTraits m_traits;
};

// The registry's entry for Binance: its config settings and how it is made from them.
AdapterDescription describeAdapter();

} // namespace tickscope::feeds::binance
