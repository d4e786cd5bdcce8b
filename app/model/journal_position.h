// A place in a feed's raw-message journal: the segment and the record's index in it. The
// database's checkpoint is the position of the first record not yet committed. And a sealed
// segment as the journal reports it.
#pragma once

#include <compare>
#include <cstdint>
#include <string>

namespace tickscope::model {

struct JournalPosition
{
    std::int64_t segment = 0;
    std::int64_t index = 0;

    friend auto operator<=>(const JournalPosition &, const JournalPosition &) = default;
};

// A journal segment that its writer sealed, with its checksum, for audit.journal_segments.
struct JournalSegment
{
    std::int64_t segment = 0;
    std::string path;
    std::int64_t records = 0;
    std::uint64_t fileBytes = 0;
    std::int64_t firstReceivedAtNs = 0;
    std::int64_t lastReceivedAtNs = 0;
    std::uint64_t checksum = 0; // XXH64 of the file
};

} // namespace tickscope::model
