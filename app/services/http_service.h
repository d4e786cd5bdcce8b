// Tickscope's HTTP side on a thread of its own: the endpoint of the [http] section with /metrics
// and the query API. A scrape or a query never waits for the console's GUI thread (which may be
// busy drawing a chart), nor does the window wait for them. The metrics exporter lives on that
// thread: connect the snapshots to it and they arrive there, queued.
#pragma once

#include "app/config/config.h"
#include "app/services/http_endpoint.h"
#include "app/services/metrics_exporter.h"
#include "app/services/query_api.h"

#include <QThread>

namespace tickscope::app {

class HttpService
{
public:
    // Listens as `settings` say (logging where, or why not) and starts the thread.
    explicit HttpService(const HttpSettings &settings);
    // Stops the thread, then waits for the queries still running.
    ~HttpService();
    HttpService(const HttpService &) = delete;
    HttpService &operator=(const HttpService &) = delete;

    MetricsExporter &metrics() { return m_metrics; }
    QueryApi &queries() { return m_queries; }
    // Where it listens; nullopt when it does not ("off", or the address was taken).
    std::optional<quint16> port() const { return m_port; }

private:
    QThread m_thread;
    HttpEndpoint m_endpoint;
    MetricsExporter m_metrics;
    QueryApi m_queries;
    std::optional<quint16> m_port;
};

} // namespace tickscope::app
