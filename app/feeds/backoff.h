// Exponential backoff with full jitter for reconnects and retries: the delay before attempt n is
// uniform in [0, min(cap, base * 2^n)], so many clients that lost the same server do not come back
// in step. The one retry helper of the project.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tickscope::feeds {

class Backoff
{
public:
    Backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap,
        std::uint64_t seed = std::random_device{}())
        : m_base(base)
        , m_cap(cap)
        , m_random(seed)
    { }

    std::chrono::milliseconds next()
    {
        const auto ceiling
            = std::min<std::int64_t>(m_cap.count(), m_base.count() << std::min(m_attempts, 20));
        ++m_attempts;
        // Never zero: a tight reconnect loop would hammer the server.
        std::uniform_int_distribution<std::int64_t> spread(
            std::max<std::int64_t>(1, ceiling / 10), std::max<std::int64_t>(1, ceiling));
        return std::chrono::milliseconds(spread(m_random));
    }

    void reset() { m_attempts = 0; }
    int attempts() const { return m_attempts; }

private:
    std::chrono::milliseconds m_base;
    std::chrono::milliseconds m_cap;
    std::mt19937_64 m_random;
    int m_attempts = 0;
};

} // namespace tickscope::feeds
