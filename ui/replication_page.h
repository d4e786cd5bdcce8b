// The Replication page: the server's role; on a primary its standbys with state and lag (bytes
// and seconds) and each standby's lag over the last hour as a chart, on a standby its WAL
// receiver and replay delay; the replication slots with the WAL each holds back (what fills a
// primary's disk when a standby is gone); the WAL archiver; and the disk runway. Fed
// ReplicationStatus snapshots; it keeps the last hour of them for the chart and reads nothing.
#pragma once

#include "app/model/replication_status.h"

#include <QDateTime>
#include <QWidget>
#include <deque>

class QLabel;

namespace tickscope::widgets {
class TimeSeriesChart;
class ValueTable;
} // namespace tickscope::widgets

namespace tickscope::ui {

class ReplicationPage : public QWidget
{
    Q_OBJECT
public:
    explicit ReplicationPage(QWidget *parent = nullptr);

public slots:
    void showStatus(const tickscope::model::ReplicationStatus &status);

private:
    struct LagSample
    {
        QDateTime time;
        QString standby;
        double lagSeconds = 0;
    };

    QLabel *m_role;
    widgets::ValueTable *m_standbys;
    widgets::TimeSeriesChart *m_lagChart;
    widgets::ValueTable *m_slots;
    QLabel *m_archiver;
    widgets::ValueTable *m_disks;
    std::deque<LagSample> m_lagHistory; // the last hour
};

} // namespace tickscope::ui
