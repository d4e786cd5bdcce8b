#include "widgets/min_max_columns.h"

#include <algorithm>
#include <array>
#include <limits>

namespace tickscope::widgets {

namespace {

qint64 bucketOf(qint64 timeMs, qint64 widthMs)
{
    // Floor division: times before the epoch still fall into the right column.
    return timeMs / widthMs - (timeMs % widthMs < 0 ? 1 : 0);
}

} // namespace

qint64 roundDuration(qint64 minimumMs)
{
    for (qint64 decade = 1;; decade *= 10) {
        for (const qint64 step : {1, 2, 5}) {
            if (step * decade >= minimumMs)
                return step * decade;
        }
    }
}

void MinMaxColumns::rebuild(const TickRing &ring, qint64 widthMs, qint64 firstBucket)
{
    m_widthMs = widthMs;
    m_coveredFrom = firstBucket;
    m_columns.clear();
    m_beforeKept.reset();
    // From the point before the first column: it is the price at the window's left edge.
    const std::size_t first = ring.lowerBound(firstBucket * widthMs);
    m_next = ring.oldestSequence() + (first > 0 ? first - 1 : 0);
}

void MinMaxColumns::absorb(const TickRing &ring)
{
    for (; m_next < ring.appended(); ++m_next) {
        const Pick pick{m_next, ring.bySequence(m_next)};
        const qint64 bucket = bucketOf(pick.point.timeMs, m_widthMs);
        if (m_columns.empty() || m_columns.back().bucket != bucket)
            m_columns.push_back({bucket, pick, pick, pick, pick, 0, 0});
        Column &column = m_columns.back();
        if (pick.point.price < column.low.point.price)
            column.low = pick;
        if (pick.point.price > column.high.point.price)
            column.high = pick;
        column.last = pick;
        column.volume += pick.point.size;
        ++column.points;
        ++m_pointsRead;
    }
}

qint64 MinMaxColumns::columnWidth(qint64 fromMs, qint64 toMs, int columns)
{
    return roundDuration((toMs - fromMs + columns - 1) / std::max(columns, 1));
}

DecimatedWindow MinMaxColumns::window(const TickRing &ring, qint64 fromMs, qint64 toMs, int columns)
{
    DecimatedWindow window;
    m_pointsRead = 0;
    if (ring.size() == 0 || toMs <= fromMs || columns < 1)
        return window;
    const qint64 width = columnWidth(fromMs, toMs, columns);
    const qint64 firstBucket = bucketOf(fromMs, width);
    // The column before the window gives the price at its left edge.
    const qint64 keepFrom = firstBucket - 1;
    const bool missedPoints = ring.oldestSequence() > m_next;
    const bool needsOlder = keepFrom < m_coveredFrom && ring.at(0).timeMs < m_coveredFrom * width;
    if (width != m_widthMs || missedPoints || needsOlder)
        rebuild(ring, width, keepFrom);
    absorb(ring);
    while (!m_columns.empty() && m_columns.front().bucket < keepFrom) {
        m_beforeKept = m_columns.front().last;
        m_columns.pop_front();
    }
    m_coveredFrom = std::max(m_coveredFrom, keepFrom);

    window.lowPrice = std::numeric_limits<double>::max();
    window.highPrice = std::numeric_limits<double>::lowest();
    window.prices.reserve(static_cast<qsizetype>(4 * m_columns.size() + 1));
    window.volumeBars.reserve(static_cast<qsizetype>(4 * m_columns.size()));
    auto addPrice = [&window](qreal timeMs, double price) {
        window.prices.append(QPointF(timeMs, price));
        window.lowPrice = std::min(window.lowPrice, price);
        window.highPrice = std::max(window.highPrice, price);
    };
    std::optional<Pick> leftEdge = m_beforeKept;
    for (const Column &column : m_columns) {
        if (column.bucket < firstBucket)
            leftEdge = column.last;
    }
    if (leftEdge)
        addPrice(static_cast<qreal>(fromMs), leftEdge->point.price);
    for (const Column &column : m_columns) {
        if (column.bucket < firstBucket)
            continue;
        if (column.bucket * width >= toMs)
            break;
        // In time order, each point once.
        const std::array<const Pick *, 4> picks{&column.first,
            column.low.sequence < column.high.sequence ? &column.low : &column.high,
            column.low.sequence < column.high.sequence ? &column.high : &column.low, &column.last};
        for (std::size_t at = 0; at < picks.size(); ++at) {
            if (at > 0 && picks[at]->sequence == picks[at - 1]->sequence)
                continue;
            addPrice(static_cast<qreal>(picks[at]->point.timeMs), picks[at]->point.price);
        }
        const auto left = static_cast<qreal>(std::max(column.bucket * width, fromMs));
        const auto right = static_cast<qreal>(std::min((column.bucket + 1) * width, toMs));
        window.volumeBars.append({QPointF(left, 0), QPointF(left, column.volume),
            QPointF(right, column.volume), QPointF(right, 0)});
        window.highVolume = std::max(window.highVolume, column.volume);
        window.pointsInWindow += column.points;
    }
    if (window.prices.isEmpty())
        window.lowPrice = window.highPrice = 0;
    return window;
}

} // namespace tickscope::widgets
