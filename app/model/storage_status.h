// What the Storage and Schema & policies pages show: the hypertables' sizes and compression, the
// jobs that maintain them, the aggregates' freshness, and the schema and policies against what
// this build wants. Read by the storage monitor on its own thread, delivered by queued signal.
#pragma once

#include "app/model/storage_policy.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tickscope::model {

using WallTime = std::chrono::system_clock::time_point;

struct HypertableStorage
{
    std::string name; // market_data.trades
    std::string chunkInterval;
    std::int64_t totalBytes = 0;
    std::int64_t chunks = 0;
    std::int64_t compressedChunks = 0;
    std::int64_t beforeBytes = 0; // of the compressed chunks
    std::int64_t afterBytes = 0;
    // Chunks past their compress-after age still uncompressed (TSL), and their size.
    std::int64_t backlogChunks = 0;
    std::int64_t backlogBytes = 0;
    bool tooManyChunks = false; // planning every query over them costs; a longer interval helps

    std::optional<double> compressionRatio() const
    {
        if (afterBytes <= 0)
            return std::nullopt;
        return static_cast<double>(beforeBytes) / static_cast<double>(afterBytes);
    }
};

struct JobStatus
{
    std::string name; // tickscope_refresh_aggregates, policy_compression [trades], ...
    std::string scheduler; // "timescaledb" or "pg_cron"
    std::string schedule; // "every 00:01:00", "cron * * * * *"
    std::optional<WallTime> lastStart;
    std::optional<WallTime> nextStart; // TimescaleDB only
    std::string lastResult; // "success", "failed", "running", "never run"
    std::string lastMessage; // why the last run failed (the scheduler's error, explained)
    std::int64_t runs = 0;
    std::int64_t failures = 0;
    bool overdue = false; // its next start is past and it is not running
    bool stuck = false; // next start -infinity while not running: it will never run again
};

struct AggregateFreshness
{
    std::string name; // aggregates.ohlcv_1m
    std::optional<WallTime> watermark; // up to where it is materialized
    double lagSeconds = 0; // now minus the watermark
    double allowedLagSeconds = 0; // from its bucket and refresh policy
    bool watermarkInFuture = false;
    std::int64_t pendingBuckets = 0; // queued corrections (late data) not yet refreshed
};

struct RatioSample
{
    WallTime time;
    std::string hypertable;
    double ratio = 0;
};

struct StorageStatus
{
    bool compressionAvailable = false;
    std::string compressionNote; // why not, where it is not
    std::vector<HypertableStorage> hypertables;
    std::vector<JobStatus> jobs;
    std::vector<AggregateFreshness> aggregates;
    std::vector<RatioSample> ratioHistory; // from audit.storage_samples, oldest first
    std::string error; // the last poll failed: why
    WallTime checkedAt;
};

struct MigrationLine
{
    int version = 0;
    std::string name;
    std::string appliedAt; // empty: pending
    std::string appliedBy;
};

struct SchemaStatus
{
    std::vector<MigrationLine> migrations; // applied, then pending
    std::vector<std::string> conflicts;
    std::vector<PolicySetting> policies;
    std::string error;
};

} // namespace tickscope::model
