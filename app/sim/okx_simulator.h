// The simulated exchange speaking OKX v5 public (../shared/feeds/PROTOCOLS.md 4) on
// /ws/v5/public: {"op":"subscribe","args":[{"channel":"trades"|"books","instId":..}]} with an
// ack per argument (60018 for an unknown channel or instrument, 60014 beyond 480 operations an
// hour on one connection), a `books` snapshot on every subscription and updates linked by
// prevSeqId with the CRC32 of the top 25 levels, `trades` pushes, "ping" answered with "pong",
// and the 64008 notice before a shutdown. Prices and sizes go out as shortest decimals. Its REST
// side answers GET /api/v5/market/history-trades (type 1: pages back from the trade id `after`,
// newest first, up to 100) from every trade kept.
// Made by ExchangeSimulator::create().
#pragma once

#include "app/sim/exchange_simulator.h"

namespace tickscope::sim {

class OkxSimulator : public ExchangeSimulator
{
    Q_OBJECT

public:
    static constexpr std::string_view kProtocol = "okx";
    // Subscribe and unsubscribe operations one connection may send in an hour.
    static constexpr int kOperationsPerHour = 480;

    explicit OkxSimulator(Options options, QObject *parent = nullptr);

    std::map<std::string, std::string, std::less<>> adapterOptions() const override;

protected:
    std::expected<std::unique_ptr<SimulatedClient>, QString> accept(QWebSocket *socket) override;
    void onClientText(SimulatedClient &client, const QString &text) override;
    void publishTrade(std::size_t market, const SimulatedMarket::Trade &trade) override;
    void publishDepth(std::size_t market, const std::optional<SimulatedMarket::DepthEvent> &event,
        std::uint64_t round) override;
    std::string shutdownNotice(const SimulatedClient &client) override;
    std::string_view malformedFrame() const override;
    bool hasChecksums() const override { return true; }
    void spoilNextChecksum(std::size_t market) override;
    std::optional<HttpServer::Handler> restApi() override;

private:
    class Client;

    // {"arg":{"channel":"books","instId":..},"action":..,"data":[{"asks":..,"bids":..,"ts":..,
    // "checksum":..,"prevSeqId":..,"seqId":..}]} into the frame buffer.
    void writeBook(std::size_t market, bool snapshot, const SimulatedMarket::Bids &bids,
        const SimulatedMarket::Asks &asks, std::int64_t prevSeqId, std::int64_t seqId,
        std::int64_t timeUs);
    std::int32_t checksum(std::size_t market);

    std::vector<bool> m_spoilChecksum; // per market: the next book message's checksum is wrong
    std::int64_t m_nextConnectionId = 0;
};

} // namespace tickscope::sim
