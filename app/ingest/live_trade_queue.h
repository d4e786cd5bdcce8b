// The committed trades of one feed on their way from its writer thread to the console's charts:
// a bounded lock-free queue (moodycamel::ConcurrentQueue) with one producer, the writer, and one
// consumer, the GUI's frame timer. The writer never waits and never allocates here: when the
// console falls behind, what does not fit is dropped and counted; only the charts miss it, the
// database has every trade.
#pragma once

#include "app/model/live_trade.h"

#include <atomic>
#include <concurrentqueue/moodycamel/concurrentqueue.h>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickscope::ingest {

class LiveTradeQueue
{
public:
    // Room for `capacity` trades (rounded up to whole blocks of the queue).
    explicit LiveTradeQueue(std::size_t capacity = 1 << 20);

    // Writer thread. Returns how many of `trades` were taken; the rest count as dropped.
    std::size_t push(std::span<const model::LiveTrade> trades);
    // GUI thread. Appends to `out` what waits, at most `limit` trades; returns how many.
    std::size_t drain(std::vector<model::LiveTrade> &out, std::size_t limit = 1 << 20);

    std::int64_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }

private:
    moodycamel::ConcurrentQueue<model::LiveTrade> m_queue;
    moodycamel::ProducerToken m_producer;
    std::atomic<std::int64_t> m_dropped{0};
};

} // namespace tickscope::ingest
