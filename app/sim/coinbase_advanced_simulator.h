// The simulated exchange speaking Coinbase Advanced Trade's market-data WebSocket
// (../shared/feeds/PROTOCOLS.md 2B) on /: {"type":"subscribe","product_ids":[..],"channel":..}, one
// channel a message (market_trades, level2, heartbeats), answered with the `subscriptions` now
// held (an error for an unknown channel or product); every message an envelope with the
// connection's own sequence_num from 0; `l2_data` with a snapshot on subscription and then the
// absolute quantities that changed (bid, offer); `market_trades` updates whose side is the
// taker's; `heartbeats` once a second. A skip-depth fault loses the next message of each
// connection that holds the symbol's book: its sequence_num jumps. Made by
// ExchangeSimulator::create().
#pragma once

#include "app/sim/exchange_simulator.h"

namespace tickscope::sim {

class CoinbaseAdvancedSimulator : public ExchangeSimulator
{
    Q_OBJECT

public:
    static constexpr std::string_view kProtocol = "coinbase_advanced";

    explicit CoinbaseAdvancedSimulator(Options options, QObject *parent = nullptr);

    std::map<std::string, std::string, std::less<>> adapterOptions() const override;

protected:
    std::expected<std::unique_ptr<SimulatedClient>, QString> accept(QWebSocket *socket) override;
    void onClientText(SimulatedClient &client, const QString &text) override;
    void publishTrade(std::size_t market, const SimulatedMarket::Trade &trade) override;
    void publishDepth(std::size_t market, const std::optional<SimulatedMarket::DepthEvent> &event,
        std::uint64_t round) override;
    void beforeDepthSkip(std::size_t market, std::int64_t count) override;
    std::string shutdownNotice(const SimulatedClient &client) override;
    std::string_view malformedFrame() const override;

private:
    class Client;

    // `events` (the text inside "events":[..]) of `channel` to each client `receives` picks,
    // each in an envelope with that client's next sequence_num.
    void publish(const char *channel, std::string_view events, std::int64_t timeUs,
        const std::function<bool(const Client &)> &receives);

    std::int64_t m_heartbeats = 0;
};

} // namespace tickscope::sim
