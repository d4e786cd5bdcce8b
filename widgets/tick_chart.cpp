#include "widgets/tick_chart.h"

#include <QDateTime>
#include <QPainter>
#include <QTimeZone>
#include <QTimer>
#include <algorithm>
#include <cmath>

namespace tickscope::widgets {

namespace {

// 30 frames a second: smooth to the eye.
constexpr std::chrono::milliseconds kFrameInterval{33};
constexpr int kLeftMargin = 76; // the price labels
constexpr int kBottomMargin = 20; // the time labels
constexpr int kTopMargin = 20; // the title
constexpr int kRightMargin = 10;

// 1, 2 or 5 x 10^k: a grid step of about `rough`.
double niceStep(double rough)
{
    const double decade = std::pow(10.0, std::floor(std::log10(rough)));
    for (const double step : {1.0, 2.0, 5.0}) {
        if (step * decade >= rough)
            return step * decade;
    }
    return 10 * decade;
}

// A time-grid step of about `roughMs`: whole seconds, minutes or hours.
qint64 niceTimeStep(qint64 roughMs)
{
    static constexpr qint64 kSteps[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1'000, 2'000, 5'000,
        10'000, 15'000, 30'000, 60'000, 120'000, 300'000, 600'000, 900'000, 1'800'000, 3'600'000,
        7'200'000, 14'400'000, 43'200'000, 86'400'000};
    for (const qint64 step : kSteps) {
        if (step >= roughMs)
            return step;
    }
    return kSteps[std::size(kSteps) - 1];
}

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
    for (const auto &point : points)
        m_dirty = m_ring.append(point) || m_dirty;
}

void TickChart::setWindow(std::chrono::milliseconds window)
{
    m_window = window;
    m_axisTo = m_axisFrom = 0;
    m_dirty = true;
}

QRect TickChart::plotArea() const
{
    return rect().adjusted(kLeftMargin, kTopMargin, -kRightMargin, -kBottomMargin);
}

void TickChart::renderFrame()
{
    if (!m_dirty || !isVisible() || m_ring.size() == 0)
        return;
    m_dirty = false;
    const qint64 newest = m_ring.newest().timeMs;
    // The time axis moves in steps: it spans the window (or, while the ring holds less, what it
    // holds rounded up) and a tenth more on the right that new trades fill before it moves on.
    const qint64 held = roundDuration(std::max<qint64>(newest - m_ring.at(0).timeMs, 1000));
    const qint64 span = m_window.count() > 0 ? std::min<qint64>(held, m_window.count()) : held;
    const qint64 headroom = span / 10;
    if (newest >= m_axisTo || m_axisTo - m_axisFrom != span + headroom) {
        m_axisTo = newest + headroom;
        m_axisFrom = m_axisTo - span - headroom;
    }
    // A column per two pixels: min/max still looks exact.
    const int columns = std::max(16, plotArea().width() / 2);
    m_frame = m_columns.window(m_ring, m_axisFrom, std::min(newest + 1, m_axisTo), columns);
    // The value axes move only when the data leaves them or fills less than a third of them.
    const double wanted
        = std::max(m_frame.highPrice - m_frame.lowPrice, std::abs(m_frame.highPrice) * 1e-5);
    if (m_frame.lowPrice < m_priceLow || m_frame.highPrice > m_priceHigh
        || m_priceHigh - m_priceLow > 3 * wanted) {
        m_priceLow = m_frame.lowPrice - wanted * 0.1;
        m_priceHigh = m_frame.highPrice + wanted * 0.1;
    }
    // The bars take the lowest fifth to third of the plot.
    if (m_frame.highVolume * 3 > m_volumeTop || m_frame.highVolume * 5 < m_volumeTop)
        m_volumeTop = std::max(m_frame.highVolume, 1e-12) * 4;
    update();
}

void TickChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QPalette &colours = palette();
    painter.fillRect(rect(), colours.base());
    const QRect plot = plotArea();
    painter.setPen(colours.text().color());
    const QFontMetrics metrics = fontMetrics();
    const QString title
        = m_ring.size() == 0 ? tr("%1 · no trade committed yet").arg(m_title) : m_title;
    painter.drawText(QRect(0, 0, width(), kTopMargin), Qt::AlignCenter, title);
    if (m_ring.size() == 0 || m_axisTo <= m_axisFrom || m_priceHigh <= m_priceLow
        || plot.width() < 10 || plot.height() < 10)
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
    const double priceStep = niceStep((m_priceHigh - m_priceLow) / 5);
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(priceStep))), 0, 8);
    for (double price = std::ceil(m_priceLow / priceStep) * priceStep; price <= m_priceHigh;
        price += priceStep) {
        const int y = static_cast<int>(yOf(price));
        painter.setPen(grid);
        painter.drawLine(plot.left(), y, plot.right(), y);
        painter.setPen(colours.text().color());
        painter.drawText(QRect(0, y - metrics.height() / 2, kLeftMargin - 6, metrics.height()),
            Qt::AlignRight | Qt::AlignVCenter, QString::number(price, 'f', decimals));
    }
    const qint64 timeStep = niceTimeStep((m_axisTo - m_axisFrom) / 5);
    const QString format = timeStep < 1000 ? QStringLiteral("HH:mm:ss.zzz")
        : timeStep < 60'000                ? QStringLiteral("HH:mm:ss")
                                           : QStringLiteral("HH:mm");
    for (qint64 time = (m_axisFrom / timeStep + 1) * timeStep; time < m_axisTo; time += timeStep) {
        const int x = static_cast<int>(xOf(static_cast<double>(time)));
        painter.setPen(grid);
        painter.drawLine(x, plot.top(), x, plot.bottom());
        painter.setPen(colours.text().color());
        painter.drawText(QRect(x - 60, plot.bottom() + 2, 120, kBottomMargin - 2), Qt::AlignCenter,
            QDateTime::fromMSecsSinceEpoch(time, QTimeZone::UTC).toString(format));
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
    // Price: a one-pixel polyline (the raster engine's fast path).
    QPolygonF line;
    line.reserve(m_frame.prices.size());
    for (const QPointF &point : std::as_const(m_frame.prices))
        line.append(QPointF(xOf(point.x()), yOf(point.y())));
    painter.setPen(QPen(colours.link().color(), 0));
    painter.drawPolyline(line);
}

} // namespace tickscope::widgets
