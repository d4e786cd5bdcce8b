// Values over time, one line per series: the compression ratio of each hypertable (Storage),
// each standby's replication lag (Replication). Behind this class so that the move from Qt
// Charts to Qt Graphs stays local to widgets/.
#pragma once

#include <QDateTime>
#include <QString>
#include <QWidget>
#include <vector>

class QChart;
class QChartView;

namespace tickscope::widgets {

class TimeSeriesChart : public QWidget
{
    Q_OBJECT
public:
    struct Point
    {
        QDateTime time;
        QString series; // the hypertable, the standby
        double value = 0;
    };

    // `valueFormat`: printf-style, for the value axis' labels ("%.0f:1", "%.1f s").
    TimeSeriesChart(QString title, QString valueFormat, QWidget *parent = nullptr);

    // Replaces what is drawn; `emptyText` says why there is nothing when `points` is empty.
    void setPoints(const std::vector<Point> &points, const QString &emptyText);
    int seriesCount() const;

protected:
    void resizeEvent(QResizeEvent *event) override;

private:
    // As many axis labels as the size leaves room for (Qt Charts elides the ones that overlap,
    // to "..."), and times as precise as the range needs.
    void fitAxes();

    QString m_title;
    QString m_valueFormat;
    QChart *m_chart;
    QChartView *m_view;
};

} // namespace tickscope::widgets
