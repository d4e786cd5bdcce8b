// A live line chart of one instrument's price: points arrive as they come, the chart redraws at
// most ten times a second with a whole-series replace() (never per-point appends), and only the
// last `window` of time is kept. Used by the Live page, one per instrument.
#pragma once

#include <QChartView>
#include <chrono>
#include <deque>

class QLineSeries;
class QDateTimeAxis;
class QValueAxis;
class QTimer;

namespace tickscope::widgets {

class PriceChart : public QChartView
{
    Q_OBJECT
public:
    explicit PriceChart(const QString &title, QWidget *parent = nullptr,
        std::chrono::seconds window = std::chrono::minutes(5));

    void addPoint(qint64 timeMs, double price);
    qsizetype pointCount() const { return static_cast<qsizetype>(m_points.size()); }

private:
    void redraw();

    QLineSeries *m_series;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_priceAxis;
    QTimer *m_redraw;
    std::deque<QPointF> m_points;
    std::chrono::milliseconds m_window;
    bool m_dirty = false;
};

} // namespace tickscope::widgets
