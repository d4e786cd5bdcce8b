// The simulated exchange speaking Bybit v5 spot public (../shared/feeds/PROTOCOLS.md 5) on
// /v5/public/spot: {"op":"subscribe","args":["publicTrade.BTCUSDT","orderbook.50.BTCUSDT"]}
// answered with success or ret_msg (at most 10 topics a request, as spot allows; an unknown topic
// fails the request), publicTrade pushes, orderbook snapshots on subscription and deltas whose
// update id `u` counts by one per delta and topic, {"op":"ping"} answered. Prices and sizes are
// strings with the instrument's decimals. skip-depth makes `u` jump. Books of 50 levels or more
// only: the simulated book is smaller, so every change is inside the window. Bybit announces no
// shutdown. Made by ExchangeSimulator::create().
#pragma once

#include "app/sim/exchange_simulator.h"

namespace tickscope::sim {

class BybitSimulator : public ExchangeSimulator
{
    Q_OBJECT

public:
    static constexpr std::string_view kProtocol = "bybit";
    static constexpr int kTopicsPerRequest = 10;

    explicit BybitSimulator(Options options, QObject *parent = nullptr);

    std::map<std::string, std::string, std::less<>> adapterOptions() const override;

protected:
    std::expected<std::unique_ptr<SimulatedClient>, QString> accept(QWebSocket *socket) override;
    void onClientText(SimulatedClient &client, const QString &text) override;
    void publishTrade(std::size_t market, const SimulatedMarket::Trade &trade) override;
    void publishDepth(std::size_t market, const std::optional<SimulatedMarket::DepthEvent> &event,
        std::uint64_t round) override;
    void beforeDepthSkip(std::size_t market, std::int64_t count) override;
    std::vector<SimulatedMarket::IdRange> depthGaps(std::size_t market) const override;
    std::string shutdownNotice(const SimulatedClient &client) override;
    std::string_view malformedFrame() const override;

private:
    class Client;

    // {"topic":"orderbook.D.S","ts":..,"type":..,"data":{"s":..,"b":..,"a":..,"u":..,"seq":..},
    // "cts":..} into the frame buffer.
    void writeBook(std::size_t market, std::size_t depth, bool snapshot,
        const SimulatedMarket::Bids &bids, const SimulatedMarket::Asks &asks, std::int64_t timeUs);

    std::vector<std::int64_t> m_updateIds; // per market: the last `u` sent
    std::vector<std::vector<SimulatedMarket::IdRange>> m_skipped; // per market
    std::int64_t m_nextConnectionId = 0;
};

} // namespace tickscope::sim
