// The points of one live series, as the charts keep them: a fixed-capacity ring in time order
// (the oldest point gives way to the newest), searched by time, and min/max decimation of a time
// window to a few points per pixel column. Used by TickChart; pure, unit-tested.
#pragma once

#include <QList>
#include <QPointF>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tickscope::widgets {

struct TickPoint
{
    qint64 timeMs = 0;
    double price = 0;
    double size = 0;
};

class TickRing
{
public:
    explicit TickRing(std::size_t capacity);

    // False (and counted) for a point older than the newest: the line only moves forward.
    bool append(const TickPoint &point);
    std::size_t size() const { return m_size; }
    std::size_t capacity() const { return m_capacity; }
    std::int64_t latePoints() const { return m_late; }
    // 0 is the oldest point kept.
    const TickPoint &at(std::size_t index) const { return m_points[(m_head + index) % m_capacity]; }
    const TickPoint &newest() const { return at(m_size - 1); }
    // The first point at or after `timeMs` (size() if none).
    std::size_t lowerBound(qint64 timeMs) const;

private:
    std::size_t m_capacity;
    std::vector<TickPoint> m_points; // grows to m_capacity, then wraps
    std::size_t m_head = 0;
    std::size_t m_size = 0;
    std::int64_t m_late = 0;
};

// A window of a ring reduced for drawing: per pixel column its first, lowest, highest and last
// price in time order (so every spike survives) and its traded size as a bar.
struct DecimatedWindow
{
    QList<QPointF> prices;
    QList<QPointF> volumeBars; // the outline of one bar per column with trades
    double lowPrice = 0;
    double highPrice = 0;
    double highVolume = 0; // of one column
    std::size_t pointsInWindow = 0;
};

// [fromMs, toMs) split into `columns` equal columns. The last point before the window starts the
// line at its left edge.
DecimatedWindow decimate(const TickRing &ring, qint64 fromMs, qint64 toMs, int columns);

} // namespace tickscope::widgets
