#include "widgets/depth_chart.h"

#include <QPainter>
#include <QPainterPath>
#include <algorithm>

namespace tickscope::widgets {

namespace {

constexpr int kMargin = 8;
constexpr int kLabelHeight = 18;

double depthOf(const std::vector<model::PriceLevel> &side)
{
    double depth = 0;
    for (const auto &level : side)
        depth += level.size.toDouble();
    return depth;
}

} // namespace

DepthChart::DepthChart(QWidget *parent)
    : QWidget(parent)
{
    setMinimumHeight(140);
}

void DepthChart::setLevels(std::vector<model::PriceLevel> bids, std::vector<model::PriceLevel> asks)
{
    m_bids = std::move(bids);
    m_asks = std::move(asks);
    m_bidDepth = depthOf(m_bids);
    m_askDepth = depthOf(m_asks);
    update();
}

void DepthChart::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    const QPalette &colours = palette();
    painter.fillRect(rect(), colours.base());
    const QRectF plot = QRectF(rect()).adjusted(kMargin, kMargin, -kMargin, -kLabelHeight);
    if (m_bids.empty() || m_asks.empty() || plot.width() < 10 || plot.height() < 10) {
        painter.setPen(colours.text().color());
        painter.drawText(rect(), Qt::AlignCenter, tr("No book to draw"));
        return;
    }
    const double low = m_bids.back().price.toDouble();
    const double high = m_asks.back().price.toDouble();
    const double top = std::max({m_bidDepth, m_askDepth, 1e-12});
    const double span = std::max(high - low, 1e-12);
    auto xOf = [&](double price) {
        return plot.left() + (price - low) / span * plot.width();
    };
    auto yOf = [&](double depth) {
        return plot.bottom() - depth / top * plot.height();
    };

    // Each side from the spread outwards: flat at the depth reached, a step at each level.
    auto side = [&](const std::vector<model::PriceLevel> &levels, const QColor &colour) {
        QPainterPath path(QPointF(xOf(levels.front().price.toDouble()), plot.bottom()));
        double depth = 0;
        for (const auto &level : levels) {
            const double x = xOf(level.price.toDouble());
            path.lineTo(x, yOf(depth));
            depth += level.size.toDouble();
            path.lineTo(x, yOf(depth));
        }
        const double edge = &levels == &m_bids ? plot.left() : plot.right();
        path.lineTo(edge, yOf(depth));
        path.lineTo(edge, plot.bottom());
        path.closeSubpath();
        QColor fill = colour;
        fill.setAlpha(70);
        painter.fillPath(path, fill);
        painter.setPen(QPen(colour, 0));
        painter.drawPath(path);
    };
    painter.setRenderHint(QPainter::Antialiasing, false);
    side(m_bids, QColor(38, 166, 91));
    side(m_asks, QColor(214, 69, 65));

    painter.setPen(colours.text().color());
    const QRectF labels(plot.left(), plot.bottom() + 2, plot.width(), kLabelHeight - 2);
    painter.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter,
        QString::fromStdString(m_bids.back().price.toString()));
    painter.drawText(labels, Qt::AlignRight | Qt::AlignVCenter,
        QString::fromStdString(m_asks.back().price.toString()));
    painter.drawText(labels, Qt::AlignHCenter | Qt::AlignVCenter,
        tr("spread %1 · depth %2 bid / %3 ask")
            .arg(m_asks.front().price.toDouble() - m_bids.front().price.toDouble(), 0, 'g', 10)
            .arg(m_bidDepth, 0, 'g', 8)
            .arg(m_askDepth, 0, 'g', 8));
}

} // namespace tickscope::widgets
