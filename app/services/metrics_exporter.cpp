#include "app/services/metrics_exporter.h"

#include "app/services/http_endpoint.h"

#include <QHttpServerResponse>
#include <format>

namespace tickscope::app {

namespace {

// A label value as the text format wants it: backslash, quote and newline escaped.
std::string label(std::string_view value)
{
    std::string escaped;
    for (const char c : value) {
        if (c == '\\' || c == '"')
            escaped += '\\';
        if (c == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return escaped;
}

// One metric family: its HELP and TYPE lines, then its samples.
class Family
{
public:
    Family(std::string &out, std::string_view name, std::string_view type, std::string_view help)
        : m_out(out)
        , m_name(name)
    {
        m_out += std::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    void sample(std::string_view labels, double value) { sample({}, labels, value); }
    // A histogram's series: the name with `suffix` (_bucket, _sum, _count).
    void sample(std::string_view suffix, std::string_view labels, double value)
    {
        m_out += labels.empty() ? std::format("{}{} {}\n", m_name, suffix, value)
                                : std::format("{}{}{{{}}} {}\n", m_name, suffix, labels, value);
    }

private:
    std::string &m_out;
    std::string_view m_name;
};

// A family with one sample per item: its labels and its value.
template<typename Items, typename Labels, typename Value>
void addFamily(std::string &out, std::string_view name, std::string_view type,
    std::string_view help, const Items &items, Labels labels, Value value)
{
    Family family{out, name, type, help};
    for (const auto &item : items)
        family.sample(labels(item), static_cast<double>(value(item)));
}

template<typename Status> std::string feedLabel(const std::pair<const std::string, Status> &entry)
{
    return std::format("feed=\"{}\"", label(entry.first));
}

std::string standbyLabel(const model::StandbyConnection &standby)
{
    return std::format("standby=\"{}\"", label(standby.name));
}

std::string slotLabel(const model::ReplicationSlot &slot)
{
    return std::format("slot=\"{}\"", label(slot.name));
}

} // namespace

MetricsExporter::MetricsExporter()
{
    qRegisterMetaType<std::vector<model::Alert>>();
}

void MetricsExporter::serveOn(HttpEndpoint &endpoint)
{
    m_endpoint = &endpoint;
    endpoint.get(QStringLiteral("/metrics"), [this](const QHttpServerRequest &) {
        return HttpEndpoint::ready(QHttpServerResponse(
            QByteArrayLiteral("text/plain; version=0.0.4; charset=utf-8"), render()));
    });
}

void MetricsExporter::observeFeed(const model::FeedStatus &status)
{
    m_feeds[status.feed] = status;
}

void MetricsExporter::observeWriter(const model::WriterStatus &status)
{
    m_writers[status.feed] = status;
}

void MetricsExporter::observeReplication(const model::ReplicationStatus &status)
{
    if (status.error.empty())
        m_replication = status;
}

void MetricsExporter::observeAlerts(
    const std::vector<model::Alert> &active, const std::vector<model::Alert> &)
{
    m_active = active;
}

QByteArray MetricsExporter::render() const
{
    using Feed = std::pair<const std::string, model::FeedStatus>;
    using Writer = std::pair<const std::string, model::WriterStatus>;
    std::string out;
    {
        Family up{out, "tickscope_feed_up", "gauge", "Whether the feed is live (1) or not (0)."};
        for (const auto &entry : m_feeds)
            up.sample(std::format("{},state=\"{}\"", feedLabel(entry),
                          model::stateName(entry.second.state)),
                entry.second.state == model::FeedStatus::State::Live ? 1 : 0);
    }
    const auto feedCounter = [&](std::string_view name, std::string_view help, auto value) {
        addFamily(out, name, "counter", help, m_feeds, feedLabel<model::FeedStatus>,
            [&](const Feed &entry) { return value(entry.second); });
    };
    feedCounter("tickscope_feed_messages_total", "Frames received from the exchange.",
        [](const model::FeedStatus &s) { return s.framesReceived; });
    feedCounter("tickscope_feed_received_bytes_total", "Bytes received from the exchange.",
        [](const model::FeedStatus &s) { return s.bytesReceived; });
    feedCounter("tickscope_feed_reconnects_total", "Reconnections of the feed.",
        [](const model::FeedStatus &s) { return s.reconnects; });
    const auto writerMetric
        = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
              addFamily(out, name, type, help, m_writers, feedLabel<model::WriterStatus>,
                  [&](const Writer &entry) { return value(entry.second); });
          };
    writerMetric("tickscope_rows_committed_total", "counter",
        "Rows committed to the database by the feed's writer.",
        [](const model::WriterStatus &s) { return s.rowsCommitted; });
    writerMetric("tickscope_trades_committed_total", "counter", "Trades committed.",
        [](const model::WriterStatus &s) { return s.tradesCommitted; });
    writerMetric("tickscope_batches_committed_total", "counter", "COPY batches committed.",
        [](const model::WriterStatus &s) { return s.batchesCommitted; });
    writerMetric("tickscope_writer_pending_rows", "gauge",
        "Rows parsed from the journal and not yet committed.",
        [](const model::WriterStatus &s) { return s.pendingRows; });
    writerMetric("tickscope_writer_live", "gauge",
        "Whether the writer is live (1), or catching up, down or failed (0).",
        [](const model::WriterStatus &s) {
            return s.state == model::WriterStatus::State::Live ? 1 : 0;
        });
    writerMetric("tickscope_gaps_total", "counter", "Gaps found in the feed's sequences.",
        [](const model::WriterStatus &s) { return s.gapsFound; });
    writerMetric("tickscope_gaps_backfilled_total", "counter",
        "Gaps settled by a backfill (filled or found lost).",
        [](const model::WriterStatus &s) { return s.gapsBackfilled; });
    writerMetric("tickscope_records_quarantined_total", "counter",
        "Journal records set aside in audit.quarantine.",
        [](const model::WriterStatus &s) { return s.quarantined; });
    writerMetric("tickscope_malformed_frames_total", "counter", "Frames that did not parse.",
        [](const model::WriterStatus &s) { return s.malformedFrames; });
    {
        Family phases{out, "tickscope_writer_seconds_total", "counter",
            "Time the writer's batches spent in each phase of their transaction."};
        for (const auto &entry : m_writers)
            for (std::size_t phase = 0; phase < model::kWritePhaseNames.size(); ++phase)
                phases.sample(std::format("{},phase=\"{}\"", feedLabel(entry),
                                  model::kWritePhaseNames[phase]),
                    entry.second.writeSeconds[phase]);
    }
    {
        // Cumulative buckets, as the histogram type wants them.
        Family latency{out, "tickscope_commit_latency_seconds", "histogram",
            "Receive-to-commit latency of each committed trade."};
        for (const auto &entry : m_writers) {
            const model::LatencyHistogram &histogram = entry.second.commitLatency;
            const std::string feed = feedLabel(entry);
            std::int64_t cumulative = 0;
            for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
                cumulative += histogram.counts[i];
                const std::string bound = i < model::LatencyHistogram::kBoundsSeconds.size()
                    ? std::format("{}", model::LatencyHistogram::kBoundsSeconds[i])
                    : "+Inf";
                latency.sample("_bucket", std::format("{},le=\"{}\"", feed, bound),
                    static_cast<double>(cumulative));
            }
            latency.sample("_sum", feed, histogram.sumSeconds);
            latency.sample("_count", feed, static_cast<double>(histogram.count));
        }
    }

    if (m_replication) {
        const model::ReplicationStatus &replication = *m_replication;
        Family{out, "tickscope_server_in_recovery", "gauge",
            "Whether the database is a standby (1) or a primary (0)."}
            .sample({}, replication.inRecovery ? 1 : 0);
        addFamily(out, "tickscope_replication_lag_bytes", "gauge",
            "WAL a standby has not replayed yet, as the primary sees it.", replication.standbys,
            standbyLabel, [](const model::StandbyConnection &s) { return s.lagBytes; });
        addFamily(out, "tickscope_replication_replay_lag_seconds", "gauge",
            "A standby's replay lag as the primary measures it.", replication.standbys,
            standbyLabel, [](const model::StandbyConnection &s) { return s.replayLagSeconds; });
        addFamily(out, "tickscope_replication_slot_retained_bytes", "gauge",
            "WAL the server keeps for a replication slot.", replication.replicationSlots, slotLabel,
            [](const model::ReplicationSlot &s) { return s.retainedBytes; });
        addFamily(out, "tickscope_replication_slot_active", "gauge",
            "Whether a standby uses the replication slot.", replication.replicationSlots, slotLabel,
            [](const model::ReplicationSlot &s) { return s.active ? 1 : 0; });
        Family{out, "tickscope_archiver_failed_total", "counter",
            "WAL segments whose archiving failed, since the server's statistics reset."}
            .sample({}, static_cast<double>(replication.archiver.failedCount));
    }
    if (m_endpoint) {
        Family{out, "tickscope_http_connections", "gauge",
            "Connections the HTTP endpoint holds (its clients)."}
            .sample({}, m_endpoint->connections());
        const net::RefusalCounts refused = m_endpoint->refusals();
        Family family{out, "tickscope_http_refused_total", "counter",
            "Connections the HTTP endpoint turned away, by reason."};
        for (const auto &[reason, count] :
            {std::pair{"too_many_connections", refused.tooManyConnections},
                {"evicted", refused.evicted}, {"timed_out", refused.timedOut},
                {"too_large", refused.tooLarge}, {"malformed", refused.malformed},
                {"unauthorized", refused.unauthorized}})
            family.sample(std::format("reason=\"{}\"", reason), static_cast<double>(count));
    }
    Family alerts{out, "tickscope_alerts_active", "gauge", "Active alerts by severity."};
    for (const auto severity : {model::AlertSeverity::Warning, model::AlertSeverity::Critical})
        alerts.sample(std::format("severity=\"{}\"", model::severityName(severity)),
            static_cast<double>(std::ranges::count(m_active, severity, &model::Alert::severity)));
    return QByteArray::fromStdString(out);
}

} // namespace tickscope::app
