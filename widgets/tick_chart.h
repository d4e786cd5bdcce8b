// A live chart of one instrument's trades: price as a line, traded size as bars beneath it.
// Trades go into a ring buffer as they arrive (append()); a frame timer at 30 Hz, when something
// changed and the chart is visible, decimates the window to at most a column per two pixels
// (MinMaxColumns: only the new points are read) and repaints. The axes move in steps, not every
// frame. It paints itself with QPainter (a one-pixel polyline, filled bars, a few labels): under
// full load Qt Charts took 30 to 50 ms a frame for eight of these (docs/performance.md), this
// takes well under one. Used by the Live page, one per chosen symbol.
#pragma once

#include "app/analytics/bar_builder.h"
#include "widgets/min_max_columns.h"
#include "widgets/tick_ring.h"

#include <QWidget>
#include <chrono>
#include <optional>
#include <span>
#include <vector>

class QTimer;

namespace tickscope::widgets {

class TickChart : public QWidget
{
    Q_OBJECT
public:
    static constexpr std::size_t kDefaultCapacity = 1 << 20;

    explicit TickChart(
        const QString &title, QWidget *parent = nullptr, std::size_t capacity = kDefaultCapacity);

    // Indicators drawn over bars (analytics/indicators), on their closes.
    enum class Indicator { Sma20, Ema50, Bollinger20, Vwap };

    void append(std::span<const TickPoint> points);
    // The price line (the default), or bars of the trades kept: time bars (candles) of any
    // interval, tick, volume or dollar bars (analytics::BarBuilder, so the same bars as
    // `tickscope bars`), with `indicators` over them.
    void showLine();
    void showBars(const analytics::BarSpec &spec, std::vector<Indicator> indicators);
    bool showingBars() const { return m_barSpec.has_value(); }
    // The bars built so far, the last one still open; for tests.
    std::vector<analytics::Bar> bars() const;
    // The window drawn, ending at the newest trade; zero draws everything the ring holds.
    void setWindow(std::chrono::milliseconds window);

    const TickRing &ring() const { return m_ring; }
    // What the last frame drew: points of the price line, and trades they stand for.
    qsizetype drawnPoints() const { return m_frame.prices.size(); }
    std::size_t drawnTrades() const { return m_frame.pointsInWindow; }
    // Decimates now (if something changed) instead of at the next frame.
    void renderFrame();

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QRect plotArea() const;
    // Feeds the bar builder the points appended since the last call.
    void buildBars();
    void paintBars(QPainter &painter, const QRect &plot);
    // Horizontal grid lines at round prices of [low, high], labelled on the left.
    void paintPriceGrid(QPainter &painter, const QRect &plot, double low, double high) const;

    QString m_title;
    TickRing m_ring;
    MinMaxColumns m_columns;
    DecimatedWindow m_frame;
    QTimer *m_frameTimer;
    std::chrono::milliseconds m_window{std::chrono::minutes(5)};
    qint64 m_axisFrom = 0; // ms since the epoch
    qint64 m_axisTo = 0;
    double m_priceLow = 0;
    double m_priceHigh = 0;
    double m_volumeTop = 0;
    bool m_dirty = false;
    // Bar mode: the spec, its builder, the bars it completed, the next point to feed it.
    std::optional<analytics::BarSpec> m_barSpec;
    std::optional<analytics::BarBuilder> m_builder;
    std::vector<analytics::Bar> m_bars;
    std::uint64_t m_barsNext = 0;
    std::vector<Indicator> m_indicators;
};

} // namespace tickscope::widgets
