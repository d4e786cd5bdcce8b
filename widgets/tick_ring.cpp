#include "widgets/tick_ring.h"

#include <algorithm>

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
    ++m_appended;
    return true;
}

void TickRing::prepend(std::span<const TickPoint> older, qint64 keepFromMs)
{
    std::vector<TickPoint> points;
    const std::size_t kept = lowerBound(keepFromMs);
    points.reserve(std::min(m_capacity, older.size() + m_size - kept));
    const std::size_t fits = m_capacity - (m_size - kept);
    const std::size_t skipped = older.size() - std::min(older.size(), fits);
    points.insert(points.end(), older.begin() + static_cast<std::ptrdiff_t>(skipped), older.end());
    for (std::size_t at = kept; at < m_size; ++at)
        points.push_back(this->at(at));
    m_points = std::move(points);
    m_head = 0;
    m_size = m_points.size();
    m_appended = m_size;
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

} // namespace tickscope::widgets
