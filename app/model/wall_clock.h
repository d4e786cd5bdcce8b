// Now, in ns since the Unix epoch: the unit of every receive time Tickscope records; and the
// times a person may give, those whose ns since the epoch fit in 64 bits.
#pragma once

#include <chrono>
#include <cstdint>

namespace tickscope::model {

inline std::int64_t wallClockNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// 1970-01-01 .. 2262-03-31T23:59:59.999Z in ms since the epoch: within these, ns since the epoch
// and the span between any two of them fit in 64 bits, so no range check downstream can wrap.
constexpr std::int64_t kLastTimeMs = 9'222'422'399'999;
inline bool isRepresentableTime(std::int64_t msSinceEpoch)
{
    return msSinceEpoch >= 0 && msSinceEpoch <= kLastTimeMs;
}

} // namespace tickscope::model
