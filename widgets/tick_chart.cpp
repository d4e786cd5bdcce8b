#include "widgets/tick_chart.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QTimer>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>

namespace tickscope::widgets {

namespace {

// 30 frames a second: smooth to the eye, a third of the GUI thread's time at most.
constexpr std::chrono::milliseconds kFrameInterval{33};

} // namespace

TickChart::TickChart(const QString &title, QWidget *parent, std::size_t capacity)
    : QWidget(parent)
    , m_title(title)
    , m_ring(capacity)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_prices(new QLineSeries)
    , m_volumeOutline(new QLineSeries)
    , m_volume(new QAreaSeries(m_volumeOutline))
    , m_timeAxis(new QDateTimeAxis)
    , m_priceAxis(new QValueAxis)
    , m_volumeAxis(new QValueAxis)
    , m_frameTimer(new QTimer(this))
{
    // An empty chart says why it is empty.
    m_chart->setTitle(tr("%1 · no trade committed yet").arg(title));
    m_chart->legend()->hide();
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_volume->setName(tr("size"));
    m_volume->setOpacity(0.35);
    m_volume->setPen(Qt::NoPen);
    m_chart->addSeries(m_volume);
    m_chart->addSeries(m_prices);
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(5);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_priceAxis, Qt::AlignLeft);
    m_chart->addAxis(m_volumeAxis, Qt::AlignRight);
    m_volumeAxis->setLabelsVisible(false);
    m_volumeAxis->setGridLineVisible(false);
    m_prices->attachAxis(m_timeAxis);
    m_prices->attachAxis(m_priceAxis);
    m_volume->attachAxis(m_timeAxis);
    m_volume->attachAxis(m_volumeAxis);
    m_view->setRenderHint(QPainter::Antialiasing);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    setMinimumHeight(180);
    m_frameTimer->setInterval(kFrameInterval);
    connect(m_frameTimer, &QTimer::timeout, this, &TickChart::renderFrame);
    m_frameTimer->start();
}

void TickChart::append(std::span<const TickPoint> points)
{
    for (const auto &point : points)
        m_dirty = m_ring.append(point) || m_dirty;
}

void TickChart::setWindow(std::chrono::milliseconds window)
{
    m_window = window;
    m_dirty = true;
}

void TickChart::setUseOpenGL(bool enabled)
{
    m_prices->setUseOpenGL(enabled);
    m_dirty = true;
}

qsizetype TickChart::drawnPoints() const
{
    return m_prices->count();
}

void TickChart::renderFrame()
{
    if (!m_dirty || !isVisible() || m_ring.size() == 0)
        return;
    m_dirty = false;
    m_chart->setTitle(m_title);
    const qint64 newest = m_ring.newest().timeMs;
    // Until the ring holds a whole window, what it holds fills the chart.
    const qint64 oldest = m_ring.at(0).timeMs;
    const qint64 from = m_window.count() > 0 ? std::max(newest - m_window.count(), oldest) : oldest;
    const qint64 to = newest + 1;
    // Two points per pixel column of the plot: enough for min/max to look exact.
    const int columns = std::max(16, static_cast<int>(m_chart->plotArea().width()) / 2);
    const DecimatedWindow window = decimate(m_ring, from, to, columns);
    m_drawnTrades = window.pointsInWindow;
    m_prices->replace(window.prices);
    m_volumeOutline->replace(window.volumeBars);
    const double margin
        = std::max((window.highPrice - window.lowPrice) * 0.05, std::abs(window.highPrice) * 1e-5);
    m_priceAxis->setRange(window.lowPrice - margin, window.highPrice + margin);
    // The bars take the lowest quarter of the plot.
    m_volumeAxis->setRange(0, std::max(window.highVolume, 1e-12) * 4);
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(to));
}

} // namespace tickscope::widgets
