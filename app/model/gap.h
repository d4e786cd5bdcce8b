// A hole in what a feed recorded, as the sequencer or the feed finds it and audit.gaps records it:
// a range of an exchange's sequence numbers (trade ids, book update ids), or, where there is no
// sequence to tell by, a window of time in which the feed's data is incomplete (a checksum that did
// not match, a disconnect, an outage such as a full journal disk, a symbol gone silent).
#pragma once

#include <cstdint>
#include <format>
#include <string>

namespace tickscope::model {

struct Gap
{
    enum class Kind { TradeId, BookSequence, Checksum, Disconnect, Outage, Silence };

    Kind kind = Kind::TradeId;
    std::uint32_t instrument = 0;
    std::int64_t firstMissing = 0; // sequence kinds only
    std::int64_t lastMissing = 0;
    std::int64_t beforeTimeNs = 0; // the last row before the gap (exchange time); 0 if unknown
    std::int64_t afterTimeNs = 0; // the first row after it
    std::string cause; // window kinds: what happened, for audit.gaps.note

    bool bySequence() const { return kind == Kind::TradeId || kind == Kind::BookSequence; }
    std::int64_t missingCount() const { return lastMissing - firstMissing + 1; }
};

inline const char *kindName(Gap::Kind kind)
{
    switch (kind) {
    case Gap::Kind::TradeId:
        return "trade_id";
    case Gap::Kind::BookSequence:
        return "book_sequence";
    case Gap::Kind::Checksum:
        return "checksum";
    case Gap::Kind::Disconnect:
        return "disconnect";
    case Gap::Kind::Outage:
        return "outage";
    case Gap::Kind::Silence:
        break;
    }
    return "silence";
}

} // namespace tickscope::model

namespace tickscope::model {

// "trade_id 5..9", or "outage 12.3 s: journal disk full", for status lines and the console.
inline std::string describe(const Gap &gap)
{
    if (gap.bySequence())
        return std::format("{} {}..{}", kindName(gap.kind), gap.firstMissing, gap.lastMissing);
    return std::format("{} {:.1f} s{}{}", kindName(gap.kind),
        static_cast<double>(gap.afterTimeNs - gap.beforeTimeNs) / 1e9,
        gap.cause.empty() ? "" : ": ", gap.cause);
}

} // namespace tickscope::model
