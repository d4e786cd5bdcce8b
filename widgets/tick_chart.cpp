#include "widgets/tick_chart.h"

#include <QDateTime>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QOpenGLWidget>
#include <QPainter>
#include <QTimeZone>
#include <QTimer>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace tickscope::widgets {

namespace {

// 30 frames a second: smooth to the eye.
constexpr std::chrono::milliseconds kFrameInterval{33};
constexpr int kTopMargin = 20; // the title
constexpr int kRightMargin = 10;

// The exact decimal a chart's double came from: the shortest text that reads back as the same
// double is the exchange's own for any price or size of up to 15 significant digits.
model::Decimal exactDecimal(double value)
{
    char text[32];
    const auto [end, error]
        = std::to_chars(std::begin(text), std::end(text), value, std::chars_format::fixed);
    const auto parsed = error == std::errc{} ? model::Decimal::parse({text, end}) : std::nullopt;
    return parsed.value_or(model::Decimal{});
}

constexpr qint64 kMsNs = 1'000'000;
constexpr qint64 kMinuteMs = 60'000;
// A line is not drawn across this long without trades: the feed was not running, or nobody
// traded, and a straight line would show prices that never were.
constexpr qint64 kLineBreakMs = 10 * kMinuteMs;
// Spans kept before the trades: a week of minutes, or longer at wider spans.
constexpr std::size_t kMaxSpans = 20'000;

// The width of the spans drawn before the trades: at most about 2,000 in a window.
qint64 spanWidthFor(std::chrono::milliseconds window)
{
    for (const qint64 width : {kMinuteMs, 5 * kMinuteMs, 60 * kMinuteMs}) {
        if (window.count() / width <= 2'100)
            return width;
    }
    return 1'440 * kMinuteMs;
}

QString utcTime(qint64 timeMs, const QString &format)
{
    return QDateTime::fromMSecsSinceEpoch(timeMs, QTimeZone::UTC).toString(format);
}

// "1m", "4h", "1d" of a whole number of minutes.
QString widthLabel(std::int64_t widthNs)
{
    const std::int64_t minutes = widthNs / (kMinuteMs * kMsNs);
    return minutes % 1'440 == 0 ? QStringLiteral("%1d").arg(minutes / 1'440)
        : minutes % 60 == 0     ? QStringLiteral("%1h").arg(minutes / 60)
                                : QStringLiteral("%1m").arg(minutes);
}

// The most bars kept: far more than a chart can show.
constexpr std::size_t kMaxBars = 20'000;

} // namespace

TickChart::TickChart(const QString &title, QWidget *parent, std::size_t capacity)
    : QWidget(parent)
    , m_title(title)
    , m_ring(capacity)
    , m_frameTimer(new QTimer(this))
{
    setMinimumHeight(180);
    setAttribute(Qt::WA_OpaquePaintEvent);
    m_frameTimer->setInterval(kFrameInterval);
    m_frameTimer->setTimerType(Qt::PreciseTimer);
    connect(m_frameTimer, &QTimer::timeout, this, &TickChart::renderFrame);
    // The charts of a page take turns (4 ms apart): each paint pass draws one chart.
    static int charts = 0;
    QTimer::singleShot(
        std::chrono::milliseconds(4 * (charts++ % 8)), m_frameTimer, qOverload<>(&QTimer::start));
}

void TickChart::append(std::span<const TickPoint> points)
{
    for (const auto &point : points) {
        if (point.timeMs < m_liveFromMs)
            continue;
        if (m_ring.size() == m_ring.capacity() && point.timeMs >= m_ring.newest().timeMs)
            foldIntoSpans(m_ring.at(0));
        m_dirty = m_ring.append(point) || m_dirty;
    }
}

void TickChart::foldIntoSpans(const TickPoint &point)
{
    const qint64 from
        = point.timeMs - (point.timeMs % m_spanWidthMs + m_spanWidthMs) % m_spanWidthMs;
    if (m_spans.empty() || m_spans.back().fromMs != from) {
        m_spans.push_back(
            {from, from + m_spanWidthMs, point.price, point.price, point.price, point.price, 0});
        if (m_spans.size() > kMaxSpans)
            m_spans.pop_front();
    }
    PriceSpan &span = m_spans.back();
    span.high = std::max(span.high, point.price);
    span.low = std::min(span.low, point.price);
    span.close = point.price;
    span.volume += point.size;
}

void TickChart::setWindow(std::chrono::milliseconds window)
{
    m_window = window;
    m_spanWidthMs = spanWidthFor(window);
    m_axisTo = m_axisFrom = 0;
    m_dirty = true;
    requestHistory();
}

void TickChart::loadHistoryOf(std::string exchange, std::string symbol, std::int64_t maxTrades)
{
    m_historyExchange = std::move(exchange);
    m_historySymbol = std::move(symbol);
    m_historyTrades = maxTrades;
    requestHistory();
}

void TickChart::requestHistory()
{
    if (m_historySymbol.empty())
        return;
    const std::int64_t nowNs = QDateTime::currentMSecsSinceEpoch() * kMsNs;
    ChartHistoryRequest request{.exchange = m_historyExchange,
        .symbol = m_historySymbol,
        .maxTrades = m_historyTrades,
        .serial = ++m_historySerial};
    if (!m_barSpec) {
        request.fromNs = nowNs - m_window.count() * kMsNs;
        request.barWidthNs = m_spanWidthMs * kMsNs;
    } else if (m_barSpec->kind == analytics::BarKind::Time
        && m_barSpec->intervalNs % (kMinuteMs * kMsNs) == 0) {
        request.barWidthNs = m_barSpec->intervalNs;
        request.fromNs = (nowNs / request.barWidthNs - kHistoryBars) * request.barWidthNs;
    }
    // Tick, volume and dollar bars: the newest trades of any time, no aggregate has them.
    emit historyWanted(request);
}

void TickChart::setHistory(const ChartHistory &history)
{
    if (history.request.serial != m_historySerial)
        return;
    m_historyAnswered = history.request.serial;
    if (!history.error.empty()) {
        // Asked again later, unless something else asks first: the database may be back.
        m_historyNote = tr("no stored history (asked again in %1 s): %2")
                            .arg(kHistoryRetry.count())
                            .arg(QString::fromStdString(history.error));
        QTimer::singleShot(kHistoryRetry, this, [this, serial = m_historySerial] {
            if (serial == m_historySerial)
                requestHistory();
        });
        redraw();
        return;
    }
    const qint64 tradesFrom = history.tradesFromNs / kMsNs;
    // The trades given live are every one committed since the chart opened, from the first of
    // them on; the stored ones go before it. With none given yet, the stored ones are all taken,
    // and live ones up to the newest of them (committed before the query, delivered after) are
    // not taken twice.
    qint64 seam = 0;
    if (m_ring.size() > 0) {
        seam = m_ring.at(0).timeMs;
    } else {
        seam = history.trades.empty() ? tradesFrom : history.trades.back().timeMs + 1;
        m_liveFromMs = seam;
    }
    const auto older = std::ranges::lower_bound(history.trades, seam, {}, &TickPoint::timeMs);
    m_ring.prepend(std::span(history.trades.begin(), older), tradesFrom);
    m_columns = MinMaxColumns{};
    m_axisTo = m_axisFrom = 0;
    m_historyBarsWidthNs = history.request.barWidthNs;
    m_historyBars.clear();
    if (m_barSpec) {
        // The bars of the trades start again from the ring; the stored ones go before them.
        m_builder.emplace(*m_barSpec);
        m_bars.clear();
        m_barsNext = 0;
        m_historyBars = history.bars;
    } else {
        m_spans.clear();
        for (const auto &bar : history.bars)
            m_spans.push_back({bar.openTimeNs / kMsNs, bar.closeTimeNs / kMsNs, bar.open.toDouble(),
                bar.high.toDouble(), bar.low.toDouble(), bar.close.toDouble(),
                bar.volume.toDouble()});
    }
    m_historyNote.clear();
    if (!history.bars.empty()) {
        m_historyNote = tr("trades from %1, %2 aggregates before")
                            .arg(utcTime(tradesFrom, QStringLiteral("HH:mm:ss")),
                                widthLabel(history.request.barWidthNs));
        if (history.staleFromNs)
            m_historyNote
                += tr(" (refreshed up to %1)")
                       .arg(utcTime(*history.staleFromNs / kMsNs, QStringLiteral("HH:mm")));
    }
    m_dirty = true;
    redraw();
}

QString TickChart::titleText() const
{
    if (m_ring.size() == 0 && m_spans.empty() && m_historyBars.empty())
        return tr("%1 · no trade committed yet").arg(m_title)
            + (m_historyNote.isEmpty() ? QString() : QStringLiteral(" · ") + m_historyNote);
    return m_historyNote.isEmpty() ? m_title : m_title + QStringLiteral(" · ") + m_historyNote;
}

void TickChart::showLine()
{
    if (!m_barSpec)
        return;
    m_barSpec.reset();
    m_builder.reset();
    m_bars.clear();
    m_historyBars.clear();
    m_dirty = true;
    redraw();
    requestHistory();
}

void TickChart::showBars(const analytics::BarSpec &spec, std::vector<Indicator> indicators)
{
    m_indicators = std::move(indicators);
    if (m_barSpec == spec) {
        redraw();
        return;
    }
    m_barSpec = spec;
    m_builder.emplace(spec);
    m_bars.clear();
    m_barsNext = m_ring.oldestSequence();
    m_historyBars.clear();
    m_dirty = true;
    redraw();
    requestHistory();
}

std::vector<analytics::Bar> TickChart::bars() const
{
    std::vector<analytics::Bar> all;
    if (m_barSpec && m_historyBarsWidthNs == m_barSpec->intervalNs)
        all = m_historyBars;
    // The aggregates' last bar may be the first part of the trades' first one.
    for (const auto &bar : m_bars)
        analytics::appendJoined(all, bar);
    if (m_builder) {
        auto open = *m_builder; // finishing a copy leaves the builder's bar open
        if (auto last = open.finish())
            analytics::appendJoined(all, *last);
    }
    return all;
}

void TickChart::buildBars()
{
    m_barsNext = std::max(m_barsNext, m_ring.oldestSequence());
    for (; m_barsNext < m_ring.appended(); ++m_barsNext) {
        const TickPoint &point = m_ring.bySequence(m_barsNext);
        model::Trade trade;
        trade.exchangeTimeNs = point.timeMs * 1'000'000;
        trade.price = exactDecimal(point.price);
        trade.size = exactDecimal(point.size);
        if (auto bar = m_builder->add(trade))
            m_bars.push_back(*bar);
    }
    if (m_bars.size() > kMaxBars)
        m_bars.erase(m_bars.begin(), m_bars.end() - static_cast<std::ptrdiff_t>(kMaxBars));
}

QRect TickChart::plotArea() const
{
    return rect().adjusted(kPriceLabelWidth, kTopMargin, -kRightMargin, -kTimeLabelHeight);
}

void TickChart::renderFrame()
{
    const bool haveTrades = m_ring.size() > 0;
    if (!m_dirty || !isVisible() || (!haveTrades && m_spans.empty() && m_historyBars.empty()))
        return;
    m_dirty = false;
    if (m_barSpec) {
        buildBars();
        redraw();
        return;
    }
    if (!haveTrades && m_spans.empty())
        return;
    const qint64 newest = haveTrades ? m_ring.newest().timeMs : m_spans.back().toMs;
    const qint64 tradesFrom = haveTrades ? m_ring.at(0).timeMs : newest;
    const qint64 oldest
        = m_spans.empty() ? tradesFrom : std::min(m_spans.front().fromMs, tradesFrom);
    // The time axis moves in steps: it spans the window (or, while the chart holds less, what it
    // holds rounded up) and a tenth more on the right that new trades fill before it moves on.
    const qint64 held = roundDuration(std::max<qint64>(newest - oldest, 1000));
    const qint64 span = std::min<qint64>(held, m_window.count());
    const qint64 headroom = span / 10;
    if (newest >= m_axisTo || m_axisTo - m_axisFrom != span + headroom) {
        m_axisTo = newest + headroom;
        m_axisFrom = m_axisTo - span - headroom;
    }
    // A column per two pixels: min/max still looks exact.
    const int columns = std::max(16, plotArea().width() / 2);
    const qint64 to = std::min(newest + 1, m_axisTo);
    m_frame = m_columns.window(m_ring, m_axisFrom, to, columns);
    m_columnMs = MinMaxColumns::columnWidth(m_axisFrom, to, columns);
    fitValueAxes(tradesFrom);
    redraw();
}

void TickChart::fitValueAxes(qint64 tradesFromMs)
{
    double low = std::numeric_limits<double>::max();
    double high = std::numeric_limits<double>::lowest();
    double topVolume = m_frame.highVolume;
    if (!m_frame.prices.isEmpty()) {
        low = m_frame.lowPrice;
        high = m_frame.highPrice;
    }
    for (const PriceSpan &span : m_spans) {
        if (span.toMs <= m_axisFrom || span.fromMs >= tradesFromMs)
            continue;
        low = std::min(low, span.low);
        high = std::max(high, span.high);
        topVolume = std::max(topVolume,
            span.volume * static_cast<double>(m_columnMs)
                / static_cast<double>(std::max<qint64>(span.toMs - span.fromMs, 1)));
    }
    if (low > high)
        return;
    // The value axes move only when the data leaves them or fills less than a third of them.
    const double wanted = std::max(high - low, std::abs(high) * 1e-5);
    if (low < m_priceLow || high > m_priceHigh || m_priceHigh - m_priceLow > 3 * wanted) {
        m_priceLow = low - wanted * 0.1;
        m_priceHigh = high + wanted * 0.1;
    }
    // The bars take the lowest fifth to third of the plot.
    if (topVolume * 3 > m_volumeTop || topVolume * 5 < m_volumeTop)
        m_volumeTop = std::max(topVolume, 1e-12) * 4;
}

// The surface OpenGL paints the chart on: the chart's own painting, through OpenGL's engine.
class TickChart::Canvas : public QOpenGLWidget
{
public:
    explicit Canvas(TickChart &chart)
        : QOpenGLWidget(&chart)
        , m_chart(chart)
    {
        setAttribute(Qt::WA_TransparentForMouseEvents);
    }

protected:
    void paintGL() override
    {
        QPainter painter(this);
        m_chart.paintChart(painter);
    }

private:
    TickChart &m_chart;
};

bool TickChart::openGLAvailable()
{
    static const bool available = [] {
        QOpenGLContext context;
        QOffscreenSurface surface;
        surface.create();
        return context.create() && surface.isValid() && context.makeCurrent(&surface);
    }();
    return available;
}

bool TickChart::setOpenGL(bool on)
{
    if (on == usesOpenGL())
        return true;
    if (on && !openGLAvailable())
        return false;
    if (on) {
        m_canvas = new Canvas(*this);
        m_canvas->setGeometry(rect());
        m_canvas->show();
    } else {
        delete m_canvas;
        m_canvas = nullptr;
    }
    redraw();
    return true;
}

QImage TickChart::picture()
{
    return m_canvas ? m_canvas->grabFramebuffer() : grab().toImage();
}

void TickChart::redraw()
{
    if (m_canvas)
        m_canvas->update();
    else
        update();
}

void TickChart::resizeEvent(QResizeEvent *)
{
    if (m_canvas)
        m_canvas->setGeometry(rect());
}

void TickChart::paintEvent(QPaintEvent *)
{
    if (m_canvas)
        return; // the canvas covers the chart
    QPainter painter(this);
    paintChart(painter);
}

void TickChart::paintChart(QPainter &painter)
{
    const QPalette &colours = palette();
    painter.fillRect(rect(), colours.base());
    const QRect plot = plotArea();
    painter.setPen(colours.text().color());
    painter.drawText(QRect(4, 0, width() - 8, kTopMargin), Qt::AlignCenter,
        fontMetrics().elidedText(titleText(), Qt::ElideRight, width() - 8));
    if (plot.width() < 10 || plot.height() < 10)
        return;
    if (m_barSpec) {
        paintCandles(painter, palette(), plot, bars(), m_indicators);
        return;
    }
    if ((m_ring.size() == 0 && m_spans.empty()) || m_axisTo <= m_axisFrom
        || m_priceHigh <= m_priceLow)
        return;

    const double xScale = plot.width() / static_cast<double>(m_axisTo - m_axisFrom);
    const double yScale = plot.height() / (m_priceHigh - m_priceLow);
    auto xOf = [&](double timeMs) {
        return plot.left() + (timeMs - static_cast<double>(m_axisFrom)) * xScale;
    };
    auto yOf = [&](double price) {
        return plot.bottom() - (price - m_priceLow) * yScale;
    };

    // Grid and labels.
    QColor grid = colours.text().color();
    grid.setAlpha(40);
    paintPriceGrid(painter, palette(), plot, m_priceLow, m_priceHigh);
    const qint64 timeStep = niceTimeStep((m_axisTo - m_axisFrom) / 5);
    const QString format = timeStep < 1000    ? QStringLiteral("HH:mm:ss.zzz")
        : timeStep < 60'000                   ? QStringLiteral("HH:mm:ss")
        : m_axisTo - m_axisFrom <= 86'400'000 ? QStringLiteral("HH:mm")
        : timeStep < 86'400'000               ? QStringLiteral("MM-dd HH:mm")
                                              : QStringLiteral("yyyy-MM-dd");
    for (qint64 time = (m_axisFrom / timeStep + 1) * timeStep; time < m_axisTo; time += timeStep) {
        const int x = static_cast<int>(xOf(static_cast<double>(time)));
        painter.setPen(grid);
        painter.drawLine(x, plot.top(), x, plot.bottom());
        painter.setPen(colours.text().color());
        painter.drawText(QRect(x - 60, plot.bottom() + 2, 120, kTimeLabelHeight - 2),
            Qt::AlignCenter, QDateTime::fromMSecsSinceEpoch(time, QTimeZone::UTC).toString(format));
    }

    // Traded size: one bar per column, in the lowest part of the plot.
    painter.setClipRect(plot);
    QColor bars = colours.highlight().color();
    bars.setAlpha(90);
    const double volumeScale = m_volumeTop > 0 ? plot.height() / m_volumeTop : 0;
    for (qsizetype at = 0; at + 3 < m_frame.volumeBars.size(); at += 4) {
        const double left = xOf(m_frame.volumeBars[at].x());
        const double right = std::max(xOf(m_frame.volumeBars[at + 2].x()), left + 1);
        const double height = m_frame.volumeBars[at + 1].y() * volumeScale;
        painter.fillRect(QRectF(left, plot.bottom() - height, right - left, height), bars);
    }
    // Price: a one-pixel polyline (the raster engine's fast path), broken where trades stopped.
    painter.setPen(QPen(colours.link().color(), 0));
    QPolygonF line;
    line.reserve(m_frame.prices.size());
    double previousMs = std::numeric_limits<double>::max();
    for (const QPointF &point : std::as_const(m_frame.prices)) {
        if (point.x() - previousMs > kLineBreakMs) {
            painter.drawPolyline(line);
            line.clear();
        }
        previousMs = point.x();
        line.append(QPointF(xOf(point.x()), yOf(point.y())));
    }
    painter.drawPolyline(line);
    paintSpans(painter, plot);
}

void TickChart::paintSpans(QPainter &painter, const QRect &plot) const
{
    const qint64 tradesFrom
        = m_ring.size() > 0 ? m_ring.at(0).timeMs : std::numeric_limits<qint64>::max();
    const double xScale = plot.width() / static_cast<double>(m_axisTo - m_axisFrom);
    const double yScale = plot.height() / (m_priceHigh - m_priceLow);
    auto xOf = [&](qint64 timeMs) {
        return plot.left() + static_cast<double>(timeMs - m_axisFrom) * xScale;
    };
    auto yOf = [&](double price) {
        return plot.bottom() - (price - m_priceLow) * yScale;
    };
    const QPalette &colours = palette();
    QColor range = colours.link().color();
    range.setAlpha(45);
    QColor volume = colours.highlight().color();
    volume.setAlpha(90);
    const double volumeScale = m_volumeTop > 0 ? plot.height() / m_volumeTop : 0;
    // Each span as its price range, and the line through its open and close.
    painter.setPen(QPen(colours.link().color(), 0));
    QPolygonF line;
    qint64 previousTo = 0;
    for (const PriceSpan &span : m_spans) {
        if (span.toMs <= m_axisFrom || span.fromMs >= tradesFrom)
            continue;
        if (span.fromMs - previousTo > kLineBreakMs) {
            painter.drawPolyline(line);
            line.clear();
        }
        previousTo = span.toMs;
        const double left = xOf(std::max(span.fromMs, m_axisFrom));
        const double right = std::max(xOf(std::min(span.toMs, tradesFrom)), left + 1);
        painter.fillRect(QRectF(left, yOf(span.high), right - left,
                             std::max(1.0, yOf(span.low) - yOf(span.high))),
            range);
        const double height = span.volume * static_cast<double>(m_columnMs)
            / static_cast<double>(std::max<qint64>(span.toMs - span.fromMs, 1)) * volumeScale;
        painter.fillRect(QRectF(left, plot.bottom() - height, right - left, height), volume);
        line << QPointF(left, yOf(span.open)) << QPointF(right, yOf(span.close));
    }
    if (previousTo == 0)
        return;
    painter.drawPolyline(line);
    // Where the stored trades take over from the aggregates.
    if (tradesFrom > m_axisFrom && tradesFrom < m_axisTo) {
        QColor seam = colours.text().color();
        seam.setAlpha(110);
        painter.setPen(QPen(seam, 0, Qt::DotLine));
        const double x = xOf(tradesFrom);
        painter.drawLine(QPointF(x, plot.top()), QPointF(x, plot.bottom()));
    }
}

} // namespace tickscope::widgets
