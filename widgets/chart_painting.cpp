#include "widgets/chart_painting.h"

#include "app/analytics/indicators.h"

#include <QDateTime>
#include <QPainter>
#include <QPalette>
#include <QTimeZone>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace tickscope::widgets {

namespace {

// A bar takes at least this many pixels.
constexpr int kBarPixels = 6;

} // namespace

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

void paintPriceGrid(
    QPainter &painter, const QPalette &colours, const QRect &plot, double low, double high)
{
    QColor grid = colours.text().color();
    grid.setAlpha(40);
    const QFontMetrics metrics = painter.fontMetrics();
    const double priceStep = niceStep((high - low) / 5);
    const int decimals = std::clamp(static_cast<int>(-std::floor(std::log10(priceStep))), 0, 8);
    for (double price = std::ceil(low / priceStep) * priceStep; price <= high; price += priceStep) {
        const int y
            = static_cast<int>(plot.bottom() - (price - low) / (high - low) * plot.height());
        painter.setPen(grid);
        painter.drawLine(plot.left(), y, plot.right(), y);
        painter.setPen(colours.text().color());
        painter.drawText(QRect(0, y - metrics.height() / 2, kPriceLabelWidth - 6, metrics.height()),
            Qt::AlignRight | Qt::AlignVCenter, QString::number(price, 'f', decimals));
    }
}

void paintCandles(QPainter &painter, const QPalette &colours, const QRect &plot,
    std::span<const analytics::Bar> all, std::span<const ChartIndicator> indicators)
{
    if (all.empty())
        return;
    const std::size_t shown = std::min<std::size_t>(
        all.size(), static_cast<std::size_t>(std::max(10, plot.width() / kBarPixels)));
    const std::span<const analytics::Bar> visible(
        all.end() - static_cast<std::ptrdiff_t>(shown), all.end());
    const std::size_t first = all.size() - shown;

    // Indicators over every bar's close, drawn for the visible ones.
    std::vector<double> closes;
    closes.reserve(all.size());
    for (const auto &bar : all)
        closes.push_back(bar.close.toDouble());
    std::vector<std::pair<QColor, analytics::Series>> lines;
    for (const ChartIndicator indicator : indicators) {
        switch (indicator) {
        case ChartIndicator::Sma20:
            lines.emplace_back(QColor(230, 140, 20), analytics::sma(closes, 20));
            break;
        case ChartIndicator::Ema50:
            lines.emplace_back(QColor(150, 80, 200), analytics::ema(closes, 50));
            break;
        case ChartIndicator::Vwap:
            lines.emplace_back(QColor(20, 150, 160), analytics::cumulativeVwap(all));
            break;
        case ChartIndicator::Bollinger20: {
            analytics::Series upper;
            analytics::Series lower;
            for (const auto &band : analytics::bollinger(closes, 20, 2)) {
                upper.push_back(band ? std::optional(band->upper) : std::nullopt);
                lower.push_back(band ? std::optional(band->lower) : std::nullopt);
            }
            lines.emplace_back(QColor(120, 120, 120), std::move(upper));
            lines.emplace_back(QColor(120, 120, 120), std::move(lower));
            break;
        }
        }
    }
    double low = std::numeric_limits<double>::max();
    double high = std::numeric_limits<double>::lowest();
    double topVolume = 0;
    for (const auto &bar : visible) {
        low = std::min(low, bar.low.toDouble());
        high = std::max(high, bar.high.toDouble());
        topVolume = std::max(topVolume, bar.volume.toDouble());
    }
    for (const auto &[colour, series] : lines) {
        for (std::size_t at = first; at < series.size(); ++at) {
            if (series[at]) {
                low = std::min(low, *series[at]);
                high = std::max(high, *series[at]);
            }
        }
    }
    const double margin = std::max((high - low) * 0.05, std::abs(high) * 1e-6);
    low -= margin;
    high += margin;
    const double slot = plot.width() / static_cast<double>(shown);
    auto xOf = [&](std::size_t index) {
        return plot.left() + (static_cast<double>(index) + 0.5) * slot;
    };
    auto yOf = [&](double price) {
        return plot.bottom() - (price - low) / (high - low) * plot.height();
    };

    paintPriceGrid(painter, colours, plot, low, high);
    // A time label about every 120 pixels, at the bar's open.
    const std::size_t labelEvery = std::max<std::size_t>(1, static_cast<std::size_t>(120 / slot));
    for (std::size_t at = 0; at < shown; at += labelEvery) {
        const int x = static_cast<int>(xOf(at));
        painter.drawText(QRect(x - 60, plot.bottom() + 2, 120, kTimeLabelHeight - 2),
            Qt::AlignCenter,
            QDateTime::fromMSecsSinceEpoch(visible[at].openTimeNs / 1'000'000, QTimeZone::UTC)
                .toString(QStringLiteral("HH:mm:ss")));
    }

    painter.setClipRect(plot);
    QColor volume = colours.highlight().color();
    volume.setAlpha(70);
    const QColor up(38, 166, 91);
    const QColor down(214, 69, 65);
    const double body = std::max(1.0, slot * 0.7);
    for (std::size_t at = 0; at < shown; ++at) {
        const analytics::Bar &bar = visible[at];
        const double x = xOf(at);
        if (topVolume > 0) {
            const double height = bar.volume.toDouble() / topVolume * plot.height() / 4;
            painter.fillRect(QRectF(x - body / 2, plot.bottom() - height, body, height), volume);
        }
        const bool rising = bar.close >= bar.open;
        painter.setPen(QPen(rising ? up : down, 0));
        painter.drawLine(QPointF(x, yOf(bar.high.toDouble())), QPointF(x, yOf(bar.low.toDouble())));
        const double top = yOf(std::max(bar.open, bar.close).toDouble());
        const double bottom = yOf(std::min(bar.open, bar.close).toDouble());
        painter.fillRect(
            QRectF(x - body / 2, top, body, std::max(1.0, bottom - top)), rising ? up : down);
    }
    for (const auto &[colour, series] : lines) {
        QPolygonF line;
        for (std::size_t at = first; at < series.size(); ++at) {
            if (series[at])
                line.append(QPointF(xOf(at - first), yOf(*series[at])));
        }
        painter.setPen(QPen(colour, 0));
        painter.drawPolyline(line);
    }
}

} // namespace tickscope::widgets
