// The simulated exchange speaking the Coinbase Exchange WebSocket feed (../shared/feeds/
// PROTOCOLS.md 2A) on /: {"type":"subscribe","product_ids":[..],"channels":["matches",
// "level2_batch","heartbeat"]} answered with the `subscriptions` now held (an `error` for an
// unknown product), `last_match` then `match` trades whose side is the maker's, a level2_batch
// `snapshot` on subscription and `l2update` changes, `heartbeat` once a second per product with
// the last trade id. Numbers are strings with 8 decimals. level2_batch carries no sequence, so a
// skip-depth fault, which no client could notice, is refused. Its REST side answers
// GET /products/<id>/trades (`after`: the ids below it, newest first, up to 1000, with CB-BEFORE
// and CB-AFTER) from every trade kept. Made by ExchangeSimulator::create().
#pragma once

#include "app/sim/exchange_simulator.h"

namespace tickscope::sim {

class CoinbaseSimulator : public ExchangeSimulator
{
    Q_OBJECT

public:
    static constexpr std::string_view kProtocol = "coinbase";

    explicit CoinbaseSimulator(Options options, QObject *parent = nullptr);

    std::map<std::string, std::string, std::less<>> adapterOptions() const override;

protected:
    std::expected<std::unique_ptr<SimulatedClient>, QString> accept(QWebSocket *socket) override;
    void onClientText(SimulatedClient &client, const QString &text) override;
    void publishTrade(std::size_t market, const SimulatedMarket::Trade &trade) override;
    void publishDepth(std::size_t market, const std::optional<SimulatedMarket::DepthEvent> &event,
        std::uint64_t round) override;
    std::string shutdownNotice(const SimulatedClient &client) override;
    std::string_view malformedFrame() const override;
    std::optional<HttpServer::Handler> restApi() override;

private:
    class Client;

    void writeMatch(std::size_t market, const SimulatedMarket::Trade &trade, bool last);

    std::vector<std::int64_t> m_sequences; // per market: the feed's message sequence
};

} // namespace tickscope::sim
