// Now, in ns since the Unix epoch: the unit of every receive time Tickscope records.
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

} // namespace tickscope::model
