#include "widgets/price_chart.h"

#include <QChart>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>
#include <algorithm>

namespace tickscope::widgets {

PriceChart::PriceChart(const QString &title, QWidget *parent, std::chrono::seconds window)
    : QChartView(parent)
    , m_series(new QLineSeries)
    , m_timeAxis(new QDateTimeAxis)
    , m_priceAxis(new QValueAxis)
    , m_redraw(new QTimer(this))
    , m_window(window)
{
    auto *chart = new QChart;
    chart->setTitle(title);
    chart->legend()->hide();
    chart->addSeries(m_series);
    m_timeAxis->setFormat(QStringLiteral("HH:mm:ss"));
    m_timeAxis->setTickCount(5);
    chart->addAxis(m_timeAxis, Qt::AlignBottom);
    chart->addAxis(m_priceAxis, Qt::AlignLeft);
    m_series->attachAxis(m_timeAxis);
    m_series->attachAxis(m_priceAxis);
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(180);
    m_redraw->setInterval(std::chrono::milliseconds(100));
    connect(m_redraw, &QTimer::timeout, this, &PriceChart::redraw);
    m_redraw->start();
}

void PriceChart::addPoint(qint64 timeMs, double price)
{
    if (!m_points.empty() && timeMs < m_points.back().x())
        return; // late: the line only moves forward
    m_points.emplace_back(static_cast<qreal>(timeMs), price);
    while (m_points.back().x() - m_points.front().x() > static_cast<qreal>(m_window.count()))
        m_points.pop_front();
    m_dirty = true;
}

void PriceChart::redraw()
{
    if (!m_dirty || m_points.empty())
        return;
    m_dirty = false;
    m_series->replace(QList<QPointF>(m_points.begin(), m_points.end()));
    const auto [low, high] = std::ranges::minmax(m_points, {}, &QPointF::y);
    const double margin = std::max((high.y() - low.y()) * 0.05, high.y() * 1e-5);
    m_priceAxis->setRange(low.y() - margin, high.y() + margin);
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(m_points.front().x())),
        QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(m_points.back().x()) + 1000));
}

} // namespace tickscope::widgets
