#include "widgets/time_series_chart.h"

#include <QChart>
#include <QChartView>
#include <QDateTimeAxis>
#include <QLineSeries>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <map>

namespace tickscope::widgets {

TimeSeriesChart::TimeSeriesChart(QString title, QString valueFormat, QWidget *parent)
    : QWidget(parent)
    , m_title(std::move(title))
    , m_valueFormat(std::move(valueFormat))
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
{
    m_chart->setAnimationOptions(QChart::NoAnimation);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_view->setRenderHint(QPainter::Antialiasing);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_view);
    setMinimumHeight(180);
}

void TimeSeriesChart::setPoints(const std::vector<Point> &points, const QString &emptyText)
{
    m_chart->removeAllSeries();
    for (auto *axis : m_chart->axes())
        m_chart->removeAxis(axis);
    m_chart->setTitle(points.empty() ? emptyText : m_title);
    if (points.empty())
        return;
    auto *time = new QDateTimeAxis;
    auto *values = new QValueAxis;
    values->setLabelFormat(m_valueFormat);
    m_chart->addAxis(time, Qt::AlignBottom);
    m_chart->addAxis(values, Qt::AlignLeft);
    std::map<QString, QLineSeries *> lines;
    double highest = 1;
    for (const auto &point : points) {
        auto &line = lines[point.series];
        if (!line) {
            line = new QLineSeries;
            line->setName(point.series);
            m_chart->addSeries(line);
            line->attachAxis(time);
            line->attachAxis(values);
        }
        line->append(static_cast<qreal>(point.time.toMSecsSinceEpoch()), point.value);
        highest = std::max(highest, point.value);
    }
    time->setRange(
        points.front().time, std::max(points.back().time, points.front().time.addSecs(60)));
    values->setRange(0, highest * 1.1);
    fitAxes();
}

void TimeSeriesChart::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    fitAxes();
}

void TimeSeriesChart::fitAxes()
{
    // What the title, the legend, the time labels and the margins take, and what a label needs.
    constexpr int kChromeHeight = 140;
    constexpr int kLabelHeight = 30;
    constexpr int kLabelWidth = 110;
    for (auto *axis : m_chart->axes(Qt::Vertical))
        static_cast<QValueAxis *>(axis)->setTickCount(
            std::clamp((height() - kChromeHeight) / kLabelHeight + 1, 2, 5));
    for (auto *axis : m_chart->axes(Qt::Horizontal)) {
        auto *time = static_cast<QDateTimeAxis *>(axis);
        time->setTickCount(std::clamp(width() / kLabelWidth, 2, 5));
        time->setFormat(time->min().secsTo(time->max()) <= 3600 ? QStringLiteral("HH:mm:ss")
                                                                : QStringLiteral("MM-dd HH:mm"));
    }
}

int TimeSeriesChart::seriesCount() const
{
    return static_cast<int>(m_chart->series().size());
}

} // namespace tickscope::widgets
