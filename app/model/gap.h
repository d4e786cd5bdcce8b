// A hole in an exchange's sequence (trade ids or book update ids), as the sequencer finds it and
// audit.gaps records it.
#pragma once

#include <cstdint>

namespace tickscope::model {

struct Gap
{
    enum class Kind { TradeId, BookSequence };

    Kind kind = Kind::TradeId;
    std::uint32_t instrument = 0;
    std::int64_t firstMissing = 0;
    std::int64_t lastMissing = 0;
    std::int64_t beforeTimeNs = 0; // exchange time of the last row before the gap; 0 if unknown
    std::int64_t afterTimeNs = 0; // exchange time of the first row after it

    std::int64_t missingCount() const { return lastMissing - firstMissing + 1; }
};

inline const char *kindName(Gap::Kind kind)
{
    return kind == Gap::Kind::TradeId ? "trade_id" : "book_sequence";
}

} // namespace tickscope::model
