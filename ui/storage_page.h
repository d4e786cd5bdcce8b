// The Storage page: hypertables with their size, chunks, compressed chunks, ratio and the
// backlog of chunks waiting for compression; the ratio over time; the jobs with last run,
// result, next run and failures, flagging what is overdue or stuck; each aggregate's freshness
// against its refresh policy. Fed StorageStatus snapshots; it reads nothing itself.
#pragma once

#include "app/model/storage_status.h"

#include <QWidget>

class QLabel;

namespace tickscope::widgets {
class TimeSeriesChart;
class ValueTable;
} // namespace tickscope::widgets

namespace tickscope::ui {

class StoragePage : public QWidget
{
    Q_OBJECT
public:
    explicit StoragePage(QWidget *parent = nullptr);

public slots:
    void showStatus(const tickscope::model::StorageStatus &status);

private:
    QLabel *m_note;
    widgets::ValueTable *m_hypertables;
    widgets::TimeSeriesChart *m_ratios;
    widgets::ValueTable *m_jobs;
    widgets::ValueTable *m_aggregates;
};

} // namespace tickscope::ui
