// The compression ratio of each hypertable over time, one line each. Behind this class so that
// the move from Qt Charts to Qt Graphs stays local to widgets/.
#pragma once

#include <QDateTime>
#include <QString>
#include <QWidget>
#include <vector>

class QChart;
class QChartView;

namespace tickscope::widgets {

class RatioChart : public QWidget
{
    Q_OBJECT
public:
    struct Point
    {
        QDateTime time;
        QString series; // the hypertable
        double ratio = 0;
    };

    explicit RatioChart(QWidget *parent = nullptr);

    // Replaces what is drawn; `emptyText` says why there is nothing when `points` is empty.
    void setPoints(const std::vector<Point> &points, const QString &emptyText);
    int seriesCount() const;

private:
    QChart *m_chart;
    QChartView *m_view;
};

} // namespace tickscope::widgets
