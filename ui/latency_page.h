// The Latency page: for each feed, where its data waits on the way from the exchange to safety
// (exchange time -> receive -> commit -> standby replay -> aggregate watermark -> WAL archived;
// see LatencyChain) as current figures, the stage that holds data longest marked, and a chart of
// each stage over the last ten minutes (the slowest feed's). Fed the writers', the replication
// monitor's and the storage monitor's snapshots; it reads nothing itself.
#pragma once

#include "app/model/feed_status.h"
#include "app/model/replication_status.h"
#include "app/model/storage_status.h"
#include "widgets/time_series_chart.h"

#include <QWidget>
#include <deque>
#include <map>
#include <optional>

class QTimer;

namespace tickscope::widgets {
class ValueTable;
}

namespace tickscope::ui {

class LatencyPage : public QWidget
{
    Q_OBJECT
public:
    static constexpr std::chrono::minutes kHistory{10};

    explicit LatencyPage(QWidget *parent = nullptr);

public slots:
    void showWriterStatus(const tickscope::model::WriterStatus &status);
    void showReplicationStatus(const tickscope::model::ReplicationStatus &status);
    void showStorageStatus(const tickscope::model::StorageStatus &status);
    // Adds a point per stage to the chart (once a second on the page's own timer).
    void sample();

private:
    void refreshTable();

    widgets::ValueTable *m_table;
    widgets::TimeSeriesChart *m_chart;
    QTimer *m_sampler;
    std::map<std::string, model::WriterStatus> m_writers;
    std::optional<model::ReplicationStatus> m_replication;
    std::optional<model::StorageStatus> m_storage;
    std::deque<widgets::TimeSeriesChart::Point> m_history;
};

} // namespace tickscope::ui
