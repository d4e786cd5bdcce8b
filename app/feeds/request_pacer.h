// Keeps an exchange's REST requests inside its published weight limit (Binance: REQUEST_WEIGHT
// 6000 a minute per IP address), so that a storm of book resnapshots after a reconnect never gets
// the desk's address limited or banned. Requests spend their weight when they go out; one that
// would overdraw the last window waits until enough of it has passed. A 429 ("too many") or 418
// ("banned") answer stops every request until its Retry-After has passed. Pure: the caller gives
// the time and schedules what it is told to wait.
#pragma once

#include <chrono>
#include <deque>

namespace tickscope::feeds {

class RequestPacer
{
public:
    using Clock = std::chrono::steady_clock;

    // `weightPerWindow` 0: no limit is known, requests never wait (until a 429 or 418).
    RequestPacer(int weightPerWindow, std::chrono::milliseconds window);

    // How long a request of `weight` must wait at `now`; its weight counts from then on.
    std::chrono::milliseconds reserve(int weight, Clock::time_point now);
    // The exchange answered 429 or 418: nothing goes out before `now + retryAfter`, at most
    // kLongestPause from now (Binance's longest ban; a larger Retry-After, hostile or broken,
    // would stop every snapshot and backfill for good). Yields the pause taken.
    static constexpr std::chrono::hours kLongestPause{72};
    std::chrono::milliseconds backOff(std::chrono::milliseconds retryAfter, Clock::time_point now);

private:
    struct Spent
    {
        Clock::time_point at;
        int weight = 0;
    };

    int m_budget;
    std::chrono::milliseconds m_window;
    std::deque<Spent> m_spent; // in time order
    int m_spentWeight = 0;
    Clock::time_point m_pausedUntil{};
    Clock::time_point m_lastAt{}; // when the last request was let go
};

} // namespace tickscope::feeds
