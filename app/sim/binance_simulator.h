// The simulated exchange speaking Binance spot: WebSocket market streams as Binance serves them
// (raw /ws/<stream>, combined /stream?streams=a/b, SUBSCRIBE on any connection; <symbol>@trade,
// <symbol>@aggTrade (each trade its own aggregate), <symbol>@depth@100ms and <symbol>@depth,
// which reports ten depth intervals at once;
// timeUnit=MICROSECOND) and, on a port of its own, the REST market data (BinanceRestApi).
// Made by ExchangeSimulator::create().
#pragma once

#include "app/sim/binance_connection.h"
#include "app/sim/binance_rest_api.h"
#include "app/sim/exchange_simulator.h"

namespace tickscope::sim {

class BinanceSimulator : public ExchangeSimulator
{
    Q_OBJECT

public:
    static constexpr std::string_view kProtocol = "binance";

    explicit BinanceSimulator(Options options, QObject *parent = nullptr);

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
    std::optional<HttpServer::Handler> restApi() override;
    QJsonObject restReport() const override;

private:
    // The stream names of one market, and its depth changes not yet sent on the slow stream.
    struct MarketStreams
    {
        std::string trades; // "btcusdt@trade"
        std::string aggTrades; // "btcusdt@aggTrade"
        std::string depthFast; // "btcusdt@depth@100ms"
        std::string depthSlow; // "btcusdt@depth"
        std::optional<SimulatedMarket::DepthEvent> slowPending;
    };

    binance_json::TimeUnit defaultTimeUnit() const;
    void flushSlowDepth(std::size_t market);
    template<typename AppendEvent>
    void publish(std::size_t market, BinanceConnection::Stream stream, std::string_view streamName,
        const AppendEvent &appendEvent);

    std::vector<MarketStreams> m_streams; // parallel to the markets
    BinanceConnection::StreamIndex m_streamsByName;
    std::unique_ptr<BinanceRestApi> m_restApi;
};

} // namespace tickscope::sim
