// A live chart of one instrument's trades: price as a line, traded size as bars beneath it.
// Trades go into a ring buffer as they arrive (append()); a frame timer at 30 Hz, when something
// changed and the chart is visible, decimates the window to at most a column per two pixels
// (MinMaxColumns: only the new points are read) and repaints. The axes move in steps, not every
// frame. It paints itself with QPainter (a one-pixel polyline, filled bars, a few labels): under
// full load Qt Charts took 30 to 50 ms a frame for eight of these (docs/performance.md), this
// takes well under one. Given an instrument (loadHistoryOf), it asks for the database's trades of
// its window and the aggregates before them (ChartHistory) and draws those in front of the live
// trades: the aggregates' bars as price ranges, and the trades that leave the full ring folded
// into such ranges as well. Used by the Live page, one per chosen symbol.
#pragma once

#include "app/analytics/bar_builder.h"
#include "widgets/chart_history.h"
#include "widgets/chart_painting.h"
#include "widgets/min_max_columns.h"
#include "widgets/tick_ring.h"

#include <QWidget>
#include <chrono>
#include <deque>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

class QOpenGLWidget;
class QTimer;

namespace tickscope::widgets {

// A stretch of time drawn from a summary rather than from its trades: an aggregate's bar, or
// trades that left the ring.
struct PriceSpan
{
    qint64 fromMs = 0;
    qint64 toMs = 0;
    double open = 0;
    double high = 0;
    double low = 0;
    double close = 0;
    double volume = 0;
};

class TickChart : public QWidget
{
    Q_OBJECT
public:
    static constexpr std::size_t kDefaultCapacity = 1 << 20;
    // The most trades a chart loads from the database; aggregates cover the time before them.
    static constexpr std::int64_t kHistoryTrades = 200'000;
    // Time bars loaded before the trades: more than a chart shows, so that indicators start warm.
    static constexpr std::int64_t kHistoryBars = 300;
    // How long a chart waits before it asks again for a history the database could not give.
    static constexpr std::chrono::seconds kHistoryRetry{10};

    explicit TickChart(
        const QString &title, QWidget *parent = nullptr, std::size_t capacity = kDefaultCapacity);

    using Indicator = ChartIndicator;

    void append(std::span<const TickPoint> points);
    // The price line (the default), or bars of the trades kept: time bars (candles) of any
    // interval, tick, volume or dollar bars (analytics::BarBuilder, so the same bars as
    // `tickscope bars`), with `indicators` over them.
    void showLine();
    void showBars(const analytics::BarSpec &spec, std::vector<Indicator> indicators);
    bool showingBars() const { return m_barSpec.has_value(); }
    // The bars built so far, the last one still open; for tests.
    std::vector<analytics::Bar> bars() const;
    // The window drawn, ending at the newest trade.
    void setWindow(std::chrono::milliseconds window);

    // From now on the chart asks for the stored history of this instrument (historyWanted): at
    // once, and whenever its window or its bars change.
    void loadHistoryOf(
        std::string exchange, std::string symbol, std::int64_t maxTrades = kHistoryTrades);
    // The answer to the latest request (an older one changes nothing): its trades go in front of
    // those given live, its bars before them. A failure is named in the title.
    void setHistory(const ChartHistory &history);
    // Asked for its history and not yet answered.
    bool awaitingHistory() const { return m_historyAnswered != m_historySerial; }
    // What the line draws before the trades kept, oldest first.
    const std::deque<PriceSpan> &priceSpans() const { return m_spans; }
    // The title line: the symbol, and what the chart draws from where.
    QString titleText() const;

    // Paints through OpenGL (a QOpenGLWidget over the chart) instead of the raster engine; false,
    // and nothing changes, where no OpenGL context can be made.
    bool setOpenGL(bool on);
    bool usesOpenGL() const { return m_canvas != nullptr; }
    static bool openGLAvailable();
    // What is on screen, from whichever engine paints it.
    QImage picture();

    const TickRing &ring() const { return m_ring; }
    // What the last frame drew: points of the price line, and trades they stand for.
    qsizetype drawnPoints() const { return m_frame.prices.size(); }
    std::size_t drawnTrades() const { return m_frame.pointsInWindow; }
    // Decimates now (if something changed) instead of at the next frame.
    void renderFrame();

signals:
    void historyWanted(const tickscope::widgets::ChartHistoryRequest &request);

protected:
    void paintEvent(QPaintEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    class Canvas;
    friend class Canvas;

    void paintChart(QPainter &painter);
    // Schedules a paint of whichever engine paints.
    void redraw();
    QRect plotArea() const;
    void requestHistory();
    // A point leaving the full ring joins the span of its time.
    void foldIntoSpans(const TickPoint &point);
    // Value axes over the trades' columns and the spans in view.
    void fitValueAxes(qint64 tradesFromMs);
    void paintSpans(QPainter &painter, const QRect &plot) const;
    // Feeds the bar builder the points appended since the last call.
    void buildBars();

    QString m_title;
    TickRing m_ring;
    MinMaxColumns m_columns;
    DecimatedWindow m_frame;
    QTimer *m_frameTimer;
    QOpenGLWidget *m_canvas = nullptr; // while OpenGL paints
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
    // History: the instrument asked for, the latest request, what the title says of the answer.
    std::string m_historyExchange;
    std::string m_historySymbol;
    std::int64_t m_historyTrades = 0;
    std::uint64_t m_historySerial = 0;
    std::uint64_t m_historyAnswered = 0;
    QString m_historyNote;
    qint64 m_liveFromMs = std::numeric_limits<qint64>::min(); // older live trades came with it
    std::deque<PriceSpan> m_spans;
    qint64 m_spanWidthMs = 60'000;
    qint64 m_columnMs = 1; // of the last frame: spans' volume is drawn per column as trades' is
    // Time bars from the aggregates, for bars of their width.
    std::vector<analytics::Bar> m_historyBars;
    std::int64_t m_historyBarsWidthNs = 0;
};

} // namespace tickscope::widgets
