// The simulated exchange speaking Kraken WebSocket v2 (../shared/feeds/PROTOCOLS.md 3) on /v2: a
// `status` message on connect; {"method":"subscribe","params":{"channel":..,"symbol":[..]}} with
// an ack per symbol ("Currency pair not supported" for others); the `instrument` snapshot with the
// precisions (price 2, quantity 5); `trade` pushes; `book` at the depth asked for: a snapshot, then
// what changed inside each client's window (a level pushed out by an insert gets no deletion, a
// level that enters the window is sent), each with the CRC32 of the top 10 levels;
// {"method":"ping"} answered with a pong. Prices and quantities are JSON numbers without trailing
// zeros, as Kraken writes them. skip-depth loses the next book message of a symbol, so that the
// client's checksum fails. Its REST side answers GET /0/public/Trades (pair BTCUSD or BTC/USD,
// `since` in ns, exclusive; up to 1000 trades oldest first, with `last`) from every trade kept.
// Made by ExchangeSimulator::create().
#pragma once

#include "app/sim/exchange_simulator.h"

namespace tickscope::sim {

class KrakenSimulator : public ExchangeSimulator
{
    Q_OBJECT

public:
    static constexpr std::string_view kProtocol = "kraken";

    explicit KrakenSimulator(Options options, QObject *parent = nullptr);

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
    bool hasChecksums() const override { return true; }
    void spoilNextChecksum(std::size_t market) override;
    std::optional<HttpServer::Handler> restApi() override;

private:
    class Client;
    struct Window;

    void subscribe(Client &client, const QJsonObject &request);
    // The book message of `market` for `client`: the snapshot of its window, or what changed in
    // it since the last one; empty when nothing did.
    bool writeBook(Client &client, std::size_t market, bool snapshot);

    std::vector<bool> m_spoilChecksum; // per market: the next book message's checksum is wrong
    std::vector<bool> m_loseNext; // per market: the next book message is lost
    std::uint64_t m_nextConnectionId = 0;
};

} // namespace tickscope::sim
