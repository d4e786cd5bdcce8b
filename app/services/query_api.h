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
// unknown instrument a 404, an unreachable database a 503 with the server's message.
#pragma once

#include <QThreadPool>
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

    QueryApi();
    // Waits for the queries still running.
    ~QueryApi();
    QueryApi(const QueryApi &) = delete;
    QueryApi &operator=(const QueryApi &) = delete;

    // Answers the routes above on `endpoint` from now on; until setDatabase(), with 503s.
    void serveOn(HttpEndpoint &endpoint);
    // Where the queries go: the reader role's conninfo, once the database is up.
    void setDatabase(const std::string &readerConninfo);

private:
    std::shared_ptr<db::ConnectionPool> connections() const;

    QThreadPool m_threads;
    mutable std::mutex m_mutex;
    std::shared_ptr<db::ConnectionPool> m_connections;
};

} // namespace tickscope::app
