// Bybit v5 spot public: publicTrade.{symbol} and orderbook.{depth}.{symbol} for every configured
// symbol (BTCUSDT), subscribed at most ten topics a request as spot requires; {"op":"ping"} keeps a
// quiet connection open (Bybit cuts one after about 10 minutes without); a book that loses a delta
// is unsubscribed and subscribed again for a fresh snapshot.
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/feeds/exchange_adapter.h"

namespace tickscope::feeds::bybit {

class BybitAdapter : public ExchangeAdapter
{
public:
    static constexpr std::size_t kStreamsPerInstrument = 2; // publicTrade, orderbook
    static constexpr std::size_t kTopicsPerRequest = 10; // spot's limit
    static constexpr std::size_t kDefaultStreamsPerConnection = 100;
    // The args of one connection stay under Bybit's 21,000 characters at this many topics.
    static constexpr std::size_t kMaxStreamsPerConnection = 600;
    static constexpr std::size_t kDefaultDepth = 50;

    BybitAdapter(const InstrumentList &instruments, QUrl websocket, std::size_t depth,
        std::size_t streamsPerConnection = kDefaultStreamsPerConnection);

    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t>) const override { return m_websocket; }
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t> instruments) const override;
    std::size_t streamsPerInstrument() const override { return kStreamsPerInstrument; }
    QByteArray keepAliveMessage() const override { return QByteArrayLiteral(R"({"op":"ping"})"); }
    std::chrono::seconds connectionLifetime() const override { return {}; }
    bool feedThreadCanSkip(std::string_view frame) const override;
    QList<QByteArray> resubscribeMessages(std::uint32_t instrument) const override;
    std::unique_ptr<FeedNormalizer> createNormalizer() const override;

private:
    std::string bookTopic(std::uint32_t instrument) const;

    InstrumentList m_instruments;
    QUrl m_websocket;
    std::size_t m_depth;
    ExchangeTraits m_traits;
};

// The registry's entry for Bybit: its config settings and how it is made from them.
AdapterDescription describeAdapter();

} // namespace tickscope::feeds::bybit
