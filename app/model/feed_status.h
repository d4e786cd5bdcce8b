// Snapshots of a running feed, once a second, for the headless status line and the console's
// Live page: the connection side (feed thread) and the database side (writer thread).
#pragma once

#include "app/model/gap.h"
#include "app/model/journal_position.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::model {

struct FeedStatus
{
    // Paused: the journal's disk is full; nothing is received until there is room again.
    enum class State { Connecting, Live, Reconnecting, Paused, Stopped, Failed };

    std::string feed;
    State state = State::Connecting;
    std::int64_t framesReceived = 0;
    std::int64_t bytesReceived = 0;
    std::int64_t lastFrameAtNs = 0; // when the latest frame arrived; 0 before the first
    std::int64_t reconnects = 0;
    JournalPosition journalEnd; // the next record the journal will take
    std::int64_t journalFreeBytes = -1; // on the journal's disk; -1 unknown
    bool journalDiskLow = false; // below the [journal] min_free_mb watermark
    std::string lastError;
};

inline const char *stateName(FeedStatus::State state)
{
    switch (state) {
    case FeedStatus::State::Connecting:
        return "connecting";
    case FeedStatus::State::Live:
        return "live";
    case FeedStatus::State::Reconnecting:
        return "reconnecting";
    case FeedStatus::State::Paused:
        return "paused";
    case FeedStatus::State::Stopped:
        return "stopped";
    case FeedStatus::State::Failed:
        break;
    }
    return "failed";
}

// The latest trade price of each instrument, for the live chart.
struct LastPrice
{
    std::uint32_t instrument = 0;
    std::int64_t timeNs = 0;
    double price = 0; // for drawing only; stored prices stay exact
    std::string symbol;
    // For how busy the symbol usually is (the symbol_silent alert): its trades committed since the
    // writer started, and the receive times of the first and the latest of them.
    std::int64_t trades = 0;
    std::int64_t firstReceivedNs = 0;
    std::int64_t lastReceivedNs = 0;
};

// Receive -> commit latency of every trade a writer committed since it started, as Prometheus
// keeps a histogram: a count per bucket (each value in the first whose bound it does not
// exceed; the last bucket is +Inf), their sum and their number.
struct LatencyHistogram
{
    static constexpr std::array<double, 12> kBoundsSeconds{
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10};

    std::array<std::int64_t, kBoundsSeconds.size() + 1> counts{};
    double sumSeconds = 0;
    std::int64_t count = 0;

    void add(double seconds)
    {
        const auto bucket = std::ranges::lower_bound(kBoundsSeconds, seconds);
        ++counts[static_cast<std::size_t>(bucket - kBoundsSeconds.begin())];
        sumSeconds += seconds;
        ++count;
    }
};

// Where a writer's batches spend their time: the COPYs (the rows encoded and sent a chunk at a
// time while the server stores them), merging a replay's staged rows, the aggregates' fold, the
// latest trades, the audit rows and checkpoint, the commit. Summed since the writer started
// (tickscope_writer_seconds_total by phase).
enum class WritePhase { Copy, Merge, Aggregates, LatestTrades, Audit, Commit };
inline constexpr std::array<const char *, 6> kWritePhaseNames{
    "copy", "merge", "aggregates", "latest_trades", "audit", "commit"};
using WriteSeconds = std::array<double, kWritePhaseNames.size()>;

struct WriterStatus
{
    // Live: everything the journal durably holds is committed or in the batch that is due next.
    // Replaying: records wait that the writer has not read yet (after a restart or an outage).
    // JournalUnreadable: the system refuses to open or read the journal (descriptors, I/O, a
    // damaged journal.id); the writer tries again with backoff from where it stopped, and
    // lastError says why. A writer never gives up: what it cannot commit stays in the journal.
    enum class State { Starting, Replaying, Live, DatabaseDown, JournalUnreadable, Stopped };

    std::string feed;
    State state = State::Starting;
    std::int64_t rowsCommitted = 0;
    std::int64_t tradesCommitted = 0;
    std::int64_t duplicatesSkipped = 0;
    std::int64_t batchesCommitted = 0;
    std::int64_t malformedFrames = 0;
    std::int64_t unknownSymbolFrames = 0; // data for symbols not configured: counted, not stored
    std::int64_t quarantined = 0; // records set aside in audit.quarantine
    std::int64_t epochs = 0;
    // Reconnections to a server whose checkpoint was not the one committed last (a failover):
    // what it lacked was read from the journal again.
    std::int64_t checkpointsFollowed = 0;
    std::int64_t segmentsPruned = 0; // journal segments deleted by the retention rule // journals
                                     // begun afresh (recorded in audit.journal_epochs)
    std::int64_t gapsFound = 0;
    std::int64_t gapsBackfilled = 0; // settled by fetching from the exchange (or found lost)
    std::optional<Gap> lastGap;
    std::string lastGapSymbol;
    JournalPosition committed; // the checkpoint
    std::int64_t pendingRows = 0; // parsed, not yet committed
    double latencyP50Ms = 0; // receive -> commit, over the last second
    double latencyP99Ms = 0;
    // Exchange time -> receive of the trades committed over the last second: the network and the
    // exchange's own delay (negative where the clocks disagree).
    double exchangeDelayP50Ms = 0;
    double exchangeDelayP99Ms = 0;
    LatencyHistogram commitLatency; // receive -> commit, since the writer started
    WriteSeconds writeSeconds{};
    std::string lastError;
    std::vector<LastPrice> lastPrices;
};

inline const char *stateName(WriterStatus::State state)
{
    switch (state) {
    case WriterStatus::State::Starting:
        return "starting";
    case WriterStatus::State::Replaying:
        return "replaying";
    case WriterStatus::State::Live:
        return "live";
    case WriterStatus::State::DatabaseDown:
        return "database down";
    case WriterStatus::State::JournalUnreadable:
        return "journal unreadable";
    case WriterStatus::State::Stopped:
        break;
    }
    return "stopped";
}

} // namespace tickscope::model
