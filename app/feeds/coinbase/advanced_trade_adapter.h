// Coinbase Advanced Trade WebSocket (market data, unauthenticated): market_trades, level2 and
// heartbeats (which keep quiet subscriptions open) for every configured product (BTC-USD), one
// subscribe message per channel as the API requires. A book lost to a jump of the envelope's
// sequence_num is unsubscribed and subscribed again for a fresh snapshot. Trade ids are strings
// whose continuity is not documented; in real recordings they are integers one after another per
// product, so a hole between two that parse as integers is a trade-id gap (nothing can fill it),
// and other ids only deduplicate. Disconnect windows are gaps too. The side of market_trades is
// stored as `trade_side` says (default unknown: whether Coinbase sends the maker's or the taker's
// side is disputed).
#pragma once

#include "app/feeds/adapter_description.h"
#include "app/feeds/coinbase/advanced_message_parser.h"
#include "app/feeds/exchange_adapter.h"

namespace tickscope::feeds::coinbase {

class AdvancedTradeAdapter : public ExchangeAdapter
{
public:
    static constexpr std::size_t kStreamsPerInstrument = 3; // market_trades, level2, heartbeats
    static constexpr std::size_t kDefaultStreamsPerConnection = 300;
    static constexpr std::size_t kMaxStreamsPerConnection = 3000;

    AdvancedTradeAdapter(const InstrumentList &instruments, QUrl websocket, TradeSide side,
        std::size_t streamsPerConnection = kDefaultStreamsPerConnection);

    std::string feedName() const override { return m_instruments.at(0).exchange; }
    const InstrumentList &instruments() const override { return m_instruments; }
    const ExchangeTraits &traits() const override { return m_traits; }
    QUrl streamUrl(std::span<const std::uint32_t>) const override { return m_websocket; }
    QList<QByteArray> subscribeMessages(std::span<const std::uint32_t> instruments) const override;
    std::size_t streamsPerInstrument() const override { return kStreamsPerInstrument; }
    std::chrono::seconds connectionLifetime() const override { return {}; }
    // Never: the book keeper must see every frame's sequence_num to notice one missing.
    bool feedThreadCanSkip(std::string_view) const override { return false; }
    QList<QByteArray> resubscribeMessages(std::uint32_t instrument) const override;
    std::unique_ptr<FeedNormalizer> createNormalizer() const override;

private:
    InstrumentList m_instruments;
    QUrl m_websocket;
    TradeSide m_side;
    ExchangeTraits m_traits;
};

// The registry's entry for Coinbase Advanced Trade: its config settings and how it is made.
AdapterDescription describeAdvancedTradeAdapter();

} // namespace tickscope::feeds::coinbase
