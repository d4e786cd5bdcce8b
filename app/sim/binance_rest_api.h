// Binance spot's public REST market data over the simulator's markets: GET /api/v3/depth,
// /api/v3/historicalTrades (and /trades), /api/v3/exchangeInfo, /api/v3/time and /api/v3/ping,
// with Binance's error codes for bad or unknown parameters and symbols, and its request-weight
// limit: each request weighs what Binance's does (a depth snapshot 5 to 250 by its limit); above
// the limit in the last 60 s the answer is 429 with Retry-After (the seconds until enough weight
// has aged out), and a client that sends again more than a second after a 429 and before its
// Retry-After is banned: 418 for two minutes, as Binance bans an address that does not back off.
// Every answer carries X-MBX-USED-WEIGHT-1M.
// Used by BinanceSimulator, which serves it with HttpServer.
#pragma once

#include "app/sim/binance_json.h"
#include "app/sim/http_server.h"
#include "app/sim/simulated_market.h"

#include <QJsonObject>
#include <chrono>
#include <deque>
#include <vector>

namespace tickscope::sim {

class BinanceRestApi
{
public:
    // `markets` must outlive the API; times are in `defaultUnit` unless a request's
    // X-MBX-TIME-UNIT header says otherwise.
    BinanceRestApi(const std::vector<SimulatedMarket> &markets, binance_json::TimeUnit defaultUnit,
        int weightPerMinute);

    HttpServer::Response answer(const HttpServer::Request &request);

    // {"requests":n,"max_weight_per_minute":w,"too_many_requests":n,"bans":n}: the weight is the
    // most any 60 s window held; 429 and 418 answers.
    QJsonObject report() const;

private:
    using Clock = std::chrono::steady_clock;

    // The limit's verdict on a request of `weight`: nothing when it may be answered.
    std::optional<HttpServer::Response> checkWeight(int weight);
    HttpServer::Response answerWithinLimit(const HttpServer::Request &request) const;

    const std::vector<SimulatedMarket> &m_markets;
    binance_json::TimeUnit m_defaultUnit;
    int m_weightPerMinute;
    std::deque<std::pair<Clock::time_point, int>> m_weights; // of the last 60 s
    int m_weightUsed = 0; // their sum
    std::optional<Clock::time_point> m_lastTooMany; // the last 429's time
    Clock::time_point m_retryAfter{}; // what the last 429 asked for
    Clock::time_point m_bannedUntil{};
    std::int64_t m_requests = 0;
    int m_maxWeight = 0;
    std::int64_t m_tooMany = 0;
    std::int64_t m_bans = 0;
};

} // namespace tickscope::sim
