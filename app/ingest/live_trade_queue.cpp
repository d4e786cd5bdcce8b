#include "app/ingest/live_trade_queue.h"

#include <algorithm>
#include <array>

namespace tickscope::ingest {

LiveTradeQueue::LiveTradeQueue(std::size_t capacity)
    : m_queue(capacity)
    , m_producer(m_queue)
{ }

std::size_t LiveTradeQueue::push(std::span<const model::LiveTrade> trades)
{
    // try_enqueue_bulk takes all or nothing: on a full queue, offer what is left one by one, so
    // that as many as there is room for still arrive.
    if (trades.empty() || m_queue.try_enqueue_bulk(m_producer, trades.begin(), trades.size()))
        return trades.size();
    std::size_t taken = 0;
    while (taken < trades.size() && m_queue.try_enqueue(m_producer, trades[taken]))
        ++taken;
    m_dropped.fetch_add(
        static_cast<std::int64_t>(trades.size() - taken), std::memory_order_relaxed);
    return taken;
}

std::size_t LiveTradeQueue::drain(std::vector<model::LiveTrade> &out, std::size_t limit)
{
    std::array<model::LiveTrade, 4096> chunk;
    std::size_t total = 0;
    while (total < limit) {
        const std::size_t taken = m_queue.try_dequeue_bulk_from_producer(
            m_producer, chunk.begin(), std::min(chunk.size(), limit - total));
        if (taken == 0)
            break;
        out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(taken));
        total += taken;
    }
    return total;
}

} // namespace tickscope::ingest
