// What a live chart paints, as functions of what it is given: round grid steps, the price grid
// with its labels in the left margin, and candles with their volume and indicator lines. Used by
// TickChart, which keeps the data (ring, decimation, bars, history) and paces the frames.
#pragma once

#include "app/analytics/bar_builder.h"

#include <QRect>
#include <QtGlobal>
#include <span>

class QPainter;
class QPalette;

namespace tickscope::widgets {

// Indicators drawn over bars (analytics/indicators), on their closes.
enum class ChartIndicator { Sma20, Ema50, Bollinger20, Vwap };

// The margins of a chart's plot that the labels take: prices on the left, times below.
constexpr int kPriceLabelWidth = 76;
constexpr int kTimeLabelHeight = 20;

// 1, 2 or 5 x 10^k: a grid step of about `rough`.
double niceStep(double rough);
// A time-grid step of about `roughMs`: whole seconds, minutes or hours.
qint64 niceTimeStep(qint64 roughMs);

// Horizontal grid lines at round prices of [low, high] across `plot`, labelled on the left.
void paintPriceGrid(
    QPainter &painter, const QPalette &colours, const QRect &plot, double low, double high);

// The newest of `bars` that fit (six pixels each) as candles over their volume, with
// `indicators` computed over all of them, and the price grid and time labels they span.
void paintCandles(QPainter &painter, const QPalette &colours, const QRect &plot,
    std::span<const analytics::Bar> bars, std::span<const ChartIndicator> indicators);

} // namespace tickscope::widgets
