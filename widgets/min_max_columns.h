// Min/max decimation of a TickRing's time window for drawing, kept up to date as points arrive:
// the window is cut into columns of a round width (1, 2, 5 x 10^k ms) aligned to the clock, and
// each column keeps its first, lowest, highest and last point and its traded size. A frame
// absorbs only the points appended since the last one and drops the columns that left the
// window, so a chart of a million points costs what its new points and its columns cost; only a
// change of column width (zooming) or of window start before what is kept reads the ring again.
// Used by TickChart; pure, unit-tested.
#pragma once

#include "widgets/tick_ring.h"

#include <QList>
#include <QPointF>
#include <deque>
#include <optional>

namespace tickscope::widgets {

// What a chart draws of a window: per column its first, lowest, highest and last price in time
// order (so every spike survives), the last price before the window at its left edge, and the
// traded size of each column as the outline of a bar.
struct DecimatedWindow
{
    QList<QPointF> prices;
    QList<QPointF> volumeBars;
    double lowPrice = 0;
    double highPrice = 0;
    double highVolume = 0; // of one column
    std::size_t pointsInWindow = 0;
};

// The smallest of 1, 2, 5, 10, 20, 50, ... ms that is at least `minimumMs`.
qint64 roundDuration(qint64 minimumMs);

class MinMaxColumns
{
public:
    // [fromMs, toMs) in columns of columnWidth(): at most `columns`.
    DecimatedWindow window(const TickRing &ring, qint64 fromMs, qint64 toMs, int columns);
    // The round width of at least (toMs - fromMs) / `columns`.
    static qint64 columnWidth(qint64 fromMs, qint64 toMs, int columns);
    // How many points of the ring the last window() read: its new ones, or all after a rebuild.
    std::size_t pointsRead() const { return m_pointsRead; }

private:
    struct Pick
    {
        std::uint64_t sequence = 0;
        TickPoint point;
    };
    struct Column
    {
        qint64 bucket = 0; // time / width
        Pick first;
        Pick low;
        Pick high;
        Pick last;
        double volume = 0;
        std::size_t points = 0;
    };

    void rebuild(const TickRing &ring, qint64 widthMs, qint64 firstBucket);
    void absorb(const TickRing &ring);

    qint64 m_widthMs = 0;
    qint64 m_coveredFrom = 0; // the cache holds every point of the ring from this bucket on
    std::deque<Column> m_columns;
    std::optional<Pick> m_beforeKept; // the last point of the columns dropped
    std::uint64_t m_next = 0; // the sequence of the next point to absorb
    std::size_t m_pointsRead = 0;
};

} // namespace tickscope::widgets
