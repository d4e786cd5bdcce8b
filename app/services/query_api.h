// The read-only query API for the desk's other programs, beside /metrics on Tickscope's HTTP
// endpoint: JSON over GET, served as the reader role from a pool of connections on threads of its
// own, so that a slow query never holds up the window or /metrics.
//
//   /api/v1/latest        [exchange] [symbol]                 latest trade per instrument
//   /api/v1/trades        exchange symbol since|cursor [limit] trades in order, paged by cursor
//   /api/v1/ohlcv         exchange symbol interval from [to]   OHLCV at any interval
//   /api/v1/bars          exchange symbol kind size from [to]  tick, volume, dollar, time bars
//   /api/v1/gaps          [exchange] [symbol] [status] [since] [limit]
//   /api/v1/completeness  [exchange] [symbol] [from] [to]     share of the window without gaps
//
// Times are ISO 8601 (UTC unless they name a zone); prices and sizes are strings with the
// exchange's exact decimals; trade ids are strings. A bad parameter is a 400 that names it, an
// unknown instrument a 404, an unreachable database a 503 (the reason goes to the log, not to the
// client). The sessions are read-only with a statement timeout (a longer query is a 503); at most
// `maxQueries` run or wait at once (one more is a 503 with Retry-After), and a query whose client
// hung up is cancelled on the server.
#pragma once

#include "app/config/config.h"

#include <QHostAddress>
#include <QThreadPool>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace tickscope::db {
class ConnectionPool;
}

namespace tickscope::app {

class HttpEndpoint;

class QueryApi
{
public:
    static constexpr int kMaxRows = 10'000; // trades, bars or gaps in one answer

    explicit QueryApi(const HttpSettings &settings);
    // Waits for the queries still running.
    ~QueryApi();
    QueryApi(const QueryApi &) = delete;
    QueryApi &operator=(const QueryApi &) = delete;

    // Answers the routes above on `endpoint` from now on; until setDatabase(), with 503s.
    void serveOn(HttpEndpoint &endpoint);
    // Where the queries go: the reader role's conninfo, once the database is up.
    void setDatabase(const std::string &readerConninfo);

    // A query on its way, and the server backend that runs it.
    struct RunningQuery
    {
        std::mutex mutex;
        int backendPid = 0; // 0: not on the server now
        bool cancelled = false;
    };

private:
    using Client = std::pair<QString, quint16>; // address and port of an HTTP connection

    std::shared_ptr<db::ConnectionPool> connections() const;
    void cancel(const Client &client);

    const std::chrono::milliseconds m_queryTimeout;
    const int m_maxQueries;
    std::atomic<int> m_queries{0}; // running or waiting
    QThreadPool m_threads;
    QThreadPool m_cancels;
    mutable std::mutex m_mutex; // m_connections, m_running
    std::shared_ptr<db::ConnectionPool> m_connections;
    std::map<Client, std::shared_ptr<RunningQuery>> m_running;
};

} // namespace tickscope::app
