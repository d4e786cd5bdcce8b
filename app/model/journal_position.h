// A place in a feed's raw-message journal: the segment and the record's index in it. The
// database's checkpoint is the position of the first record not yet committed.
#pragma once

#include <compare>
#include <cstdint>

namespace tickscope::model {

struct JournalPosition
{
    std::int64_t segment = 0;
    std::int64_t index = 0;

    friend auto operator<=>(const JournalPosition &, const JournalPosition &) = default;
};

} // namespace tickscope::model
