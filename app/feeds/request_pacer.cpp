#include "app/feeds/request_pacer.h"

#include <algorithm>

namespace tickscope::feeds {

RequestPacer::RequestPacer(int weightPerWindow, std::chrono::milliseconds window)
    : m_budget(weightPerWindow)
    , m_window(window)
{ }

std::chrono::milliseconds RequestPacer::reserve(int weight, Clock::time_point now)
{
    // In order of asking: never before the request asked for last, so the log stays sorted.
    Clock::time_point at = std::max({now, m_pausedUntil, m_lastAt});
    if (m_budget > 0) {
        // A request heavier than the whole budget still goes, alone in its window.
        weight = std::min(weight, m_budget);
        const auto forget = [&](Clock::time_point until) {
            while (!m_spent.empty() && m_spent.front().at + m_window <= until) {
                m_spentWeight -= m_spent.front().weight;
                m_spent.pop_front();
            }
        };
        forget(at);
        while (m_spentWeight + weight > m_budget) {
            at = m_spent.front().at + m_window;
            forget(at);
        }
        m_spent.push_back({at, weight});
        m_spentWeight += weight;
    }
    m_lastAt = at;
    return std::chrono::ceil<std::chrono::milliseconds>(at - now);
}

std::chrono::milliseconds RequestPacer::backOff(
    std::chrono::milliseconds retryAfter, Clock::time_point now)
{
    const auto pause = std::min<std::chrono::milliseconds>(retryAfter, kLongestPause);
    m_pausedUntil = std::max(m_pausedUntil, now + pause);
    return pause;
}

} // namespace tickscope::feeds
