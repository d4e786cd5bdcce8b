// How well one instrument's book held up over one minute of receive time: the updates applied and
// dropped, the checksums checked and failed, the sequence breaks, the messages after which the
// book was crossed (best bid at or above best ask), and the resynchronisations asked for. What
// audit.book_integrity stores per stream and the console's Gaps page charts.
#pragma once

#include <cstdint>

namespace tickscope::model {

struct BookIntegrity
{
    std::uint32_t instrument = 0;
    std::int64_t minuteNs = 0; // the start of the receive-time minute
    std::int64_t updatesApplied = 0;
    std::int64_t updatesDropped = 0;
    std::int64_t checksumChecks = 0;
    std::int64_t checksumFailures = 0;
    std::int64_t sequenceBreaks = 0;
    std::int64_t crossedBooks = 0;
    std::int64_t resyncs = 0;

    bool any() const
    {
        return updatesApplied != 0 || updatesDropped != 0 || checksumChecks != 0
            || checksumFailures != 0 || sequenceBreaks != 0 || crossedBooks != 0 || resyncs != 0;
    }
    void add(const BookIntegrity &more)
    {
        updatesApplied += more.updatesApplied;
        updatesDropped += more.updatesDropped;
        checksumChecks += more.checksumChecks;
        checksumFailures += more.checksumFailures;
        sequenceBreaks += more.sequenceBreaks;
        crossedBooks += more.crossedBooks;
        resyncs += more.resyncs;
    }
};

} // namespace tickscope::model
