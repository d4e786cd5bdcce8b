#include "widgets/tick_ring.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tickscope::widgets {

TickRing::TickRing(std::size_t capacity)
    : m_capacity(std::max<std::size_t>(capacity, 1))
{ }

bool TickRing::append(const TickPoint &point)
{
    if (m_size > 0 && point.timeMs < newest().timeMs) {
        ++m_late;
        return false;
    }
    if (m_points.size() < m_capacity) {
        m_points.push_back(point);
        ++m_size;
    } else {
        m_points[(m_head + m_size) % m_capacity] = point;
        if (m_size == m_capacity)
            m_head = (m_head + 1) % m_capacity;
        else
            ++m_size;
    }
    return true;
}

std::size_t TickRing::lowerBound(qint64 timeMs) const
{
    std::size_t low = 0;
    std::size_t high = m_size;
    while (low < high) {
        const std::size_t middle = low + (high - low) / 2;
        if (at(middle).timeMs < timeMs)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

DecimatedWindow decimate(const TickRing &ring, qint64 fromMs, qint64 toMs, int columns)
{
    DecimatedWindow window;
    if (ring.size() == 0 || toMs <= fromMs || columns < 1)
        return window;
    std::size_t index = ring.lowerBound(fromMs);
    const std::size_t end = ring.lowerBound(toMs);
    window.pointsInWindow = end - index;
    window.lowPrice = std::numeric_limits<double>::max();
    window.highPrice = std::numeric_limits<double>::lowest();
    auto addPrice = [&window](qint64 timeMs, double price) {
        window.prices.append(QPointF(static_cast<qreal>(timeMs), price));
        window.lowPrice = std::min(window.lowPrice, price);
        window.highPrice = std::max(window.highPrice, price);
    };
    if (index > 0)
        addPrice(fromMs, ring.at(index - 1).price);
    const double span = static_cast<double>(toMs - fromMs);
    window.prices.reserve(4 * columns + 1);
    while (index < end) {
        const int column = std::min(columns - 1,
            static_cast<int>(static_cast<double>(ring.at(index).timeMs - fromMs) * columns / span));
        // The first whole millisecond of the next column.
        const auto columnEnd = fromMs
            + static_cast<qint64>(std::ceil(static_cast<double>(column + 1) * span / columns));
        const std::size_t first = index;
        std::size_t lowest = index;
        std::size_t highest = index;
        double volume = ring.at(index).size;
        for (++index; index < end && ring.at(index).timeMs < columnEnd; ++index) {
            const TickPoint &point = ring.at(index);
            volume += point.size;
            if (point.price < ring.at(lowest).price)
                lowest = index;
            if (point.price > ring.at(highest).price)
                highest = index;
        }
        const std::size_t last = index - 1;
        // In time order, each point once.
        std::size_t picked[] = {first, std::min(lowest, highest), std::max(lowest, highest), last};
        for (std::size_t at = 0; at < 4; ++at) {
            if (at > 0 && picked[at] == picked[at - 1])
                continue;
            addPrice(ring.at(picked[at]).timeMs, ring.at(picked[at]).price);
        }
        const auto left = static_cast<qreal>(
            fromMs + static_cast<qint64>(static_cast<double>(column) * span / columns));
        const auto right = static_cast<qreal>(columnEnd);
        window.volumeBars.append(
            {QPointF(left, 0), QPointF(left, volume), QPointF(right, volume), QPointF(right, 0)});
        window.highVolume = std::max(window.highVolume, volume);
    }
    return window;
}

} // namespace tickscope::widgets
