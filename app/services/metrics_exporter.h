// The Prometheus endpoint of a running Tickscope (console, headless main job, ingest): GET
// /metrics on its HTTP endpoint (a loopback address by default), in Prometheus' text format, from
// the snapshots the process already has - each feed's state and counters, each writer's commits,
// pending rows, gaps, quarantined records and commit latency, the replication status of its
// database, and the active alerts by severity. The Grafana dashboard in resources/grafana/ charts
// these names.
#pragma once

#include "app/model/alert.h"
#include "app/model/feed_status.h"
#include "app/model/replication_status.h"

#include <QObject>
#include <QString>
#include <map>
#include <optional>
#include <vector>

namespace tickscope::app {

class HttpEndpoint;

class MetricsExporter : public QObject
{
    Q_OBJECT
public:
    MetricsExporter();

    // Answers GET /metrics on `endpoint` from now on.
    void serveOn(HttpEndpoint &endpoint);
    // The exposition text as a scrape gets it.
    QByteArray render() const;

public slots:
    void observeFeed(const tickscope::model::FeedStatus &status);
    void observeWriter(const tickscope::model::WriterStatus &status);
    void observeReplication(const tickscope::model::ReplicationStatus &status);
    void observeAlerts(const std::vector<tickscope::model::Alert> &active,
        const std::vector<tickscope::model::Alert> &history);

private:
    std::map<std::string, model::FeedStatus> m_feeds;
    std::map<std::string, model::WriterStatus> m_writers;
    std::optional<model::ReplicationStatus> m_replication;
    const HttpEndpoint *m_endpoint = nullptr;
    std::vector<model::Alert> m_active;
};

} // namespace tickscope::app
