// Binance spot: one combined-stream connection with <symbol>@trade and <symbol>@depth@100ms for
// every configured symbol, REST depth snapshots (limit 5000) for book synchronisation.
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
    BinanceAdapter(
        const InstrumentList &instruments, BinanceEndpoints endpoints, TimeUnit timeUnit);

    // The instruments' exchange: "binance", or the simulator's name.
    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override;
    QUrl streamUrl() const override;
    QList<QByteArray> subscribeMessages() const override { return {}; }
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
};

// The registry's entry for Binance: its config settings and how it is made from them.
AdapterDescription describeAdapter();

} // namespace tickscope::feeds::binance
