// The points of one live series, as the charts keep them: a fixed-capacity ring in time order
// (the oldest point gives way to the newest), searched by time, each point also numbered by its
// sequence since the ring began so that a reader can take up where it left off. Used by
// TickChart and MinMaxColumns; pure, unit-tested.
#pragma once

#include <QtGlobal>
#include <cstddef>
#include <cstdint>
#include <span>
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
    // Puts `older` (in time order, all before what is kept) in front of the points kept from
    // `keepFromMs` on; the kept points before it go, and the oldest of all when they do not fit.
    // Sequences start again from 0: a reader must start afresh.
    void prepend(std::span<const TickPoint> older, qint64 keepFromMs);
    std::size_t size() const { return m_size; }
    std::size_t capacity() const { return m_capacity; }
    std::int64_t latePoints() const { return m_late; }
    // 0 is the oldest point kept.
    const TickPoint &at(std::size_t index) const
    {
        const std::size_t slot = m_head + index;
        return m_points[slot < m_capacity ? slot : slot - m_capacity];
    }
    const TickPoint &newest() const { return at(m_size - 1); }
    // The first point at or after `timeMs` (size() if none).
    std::size_t lowerBound(qint64 timeMs) const;

    // Points ever appended; the oldest kept has sequence appended() - size().
    std::uint64_t appended() const { return m_appended; }
    std::uint64_t oldestSequence() const { return m_appended - m_size; }
    // A point kept, by its sequence (oldestSequence() <= sequence < appended()).
    const TickPoint &bySequence(std::uint64_t sequence) const
    {
        return at(static_cast<std::size_t>(sequence - oldestSequence()));
    }

private:
    std::size_t m_capacity;
    std::vector<TickPoint> m_points; // grows to m_capacity, then wraps
    std::size_t m_head = 0;
    std::size_t m_size = 0;
    std::uint64_t m_appended = 0;
    std::int64_t m_late = 0;
};

} // namespace tickscope::widgets
