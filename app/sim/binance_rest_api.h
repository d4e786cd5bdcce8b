// Binance spot's public REST market data over the simulator's markets: GET /api/v3/depth,
// /api/v3/historicalTrades (and /trades), /api/v3/exchangeInfo, /api/v3/time and /api/v3/ping,
// with Binance's error codes for bad or unknown parameters and symbols.
// Used by BinanceSimulator, which serves it with HttpServer.
#pragma once

#include "app/sim/binance_json.h"
#include "app/sim/http_server.h"
#include "app/sim/simulated_market.h"

#include <vector>

namespace tickscope::sim {

class BinanceRestApi
{
public:
    // `markets` must outlive the API; times are in `defaultUnit` unless a request's
    // X-MBX-TIME-UNIT header says otherwise.
    BinanceRestApi(const std::vector<SimulatedMarket> &markets, binance_json::TimeUnit defaultUnit);

    HttpServer::Response answer(const HttpServer::Request &request) const;

private:
    const std::vector<SimulatedMarket> &m_markets;
    binance_json::TimeUnit m_defaultUnit;
};

} // namespace tickscope::sim
