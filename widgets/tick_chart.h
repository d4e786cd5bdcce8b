// A live chart of one instrument's trades: price as a line, traded size as bars beneath it.
// Trades go into a ring buffer as they arrive (append()); a frame timer at 30 Hz redraws, when
// something changed and the chart is visible, the chosen time window decimated to a few points
// per pixel column, with one replace() per series. Animations are off; OpenGL is a switch.
// Used by the Live page, one per selected symbol. Qt Charts stays behind this class (and
// TimeSeriesChart), so that the move to Qt Graphs is local to widgets/.
#pragma once

#include "widgets/tick_ring.h"

#include <QWidget>
#include <chrono>
#include <span>

class QAreaSeries;
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QTimer;
class QValueAxis;

namespace tickscope::widgets {

class TickChart : public QWidget
{
    Q_OBJECT
public:
    static constexpr std::size_t kDefaultCapacity = 1 << 20;

    explicit TickChart(
        const QString &title, QWidget *parent = nullptr, std::size_t capacity = kDefaultCapacity);

    void append(std::span<const TickPoint> points);
    // The window drawn, ending at the newest trade; zero draws everything the ring holds.
    void setWindow(std::chrono::milliseconds window);
    void setUseOpenGL(bool enabled);

    const TickRing &ring() const { return m_ring; }
    // What the last frame drew: points of the price line, and trades they stand for.
    qsizetype drawnPoints() const;
    std::size_t drawnTrades() const { return m_drawnTrades; }
    // Draws now (if something changed) instead of at the next frame.
    void renderFrame();

private:
    QString m_title;
    TickRing m_ring;
    QChart *m_chart;
    QChartView *m_view;
    QLineSeries *m_prices;
    QLineSeries *m_volumeOutline;
    QAreaSeries *m_volume;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_priceAxis;
    QValueAxis *m_volumeAxis;
    QTimer *m_frameTimer;
    std::chrono::milliseconds m_window{std::chrono::minutes(5)};
    std::size_t m_drawnTrades = 0;
    bool m_dirty = false;
};

} // namespace tickscope::widgets
