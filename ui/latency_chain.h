// Where a feed's data waits on its way from the exchange to safety, stage by stage: exchange time
// -> receive (the network and the exchange), receive -> commit (the journal and the writer),
// commit -> replayed on the standby, -> in the finest OHLCV level (its oldest queued correction,
// or a continuous aggregate's watermark), ->
// in the WAL archive. The first two are the feed's own (the writer's last second); the others
// are the database's, the same for every feed. Computed from the snapshots the console already
// gets; pure, unit-tested; the Latency page shows it.
#pragma once

#include "app/model/feed_status.h"
#include "app/model/replication_status.h"
#include "app/model/storage_status.h"

#include <QString>
#include <array>
#include <optional>

namespace tickscope::ui {

struct LatencyStage
{
    QString name;
    std::optional<double> seconds; // none: not measured, or not applicable (see note)
    QString note; // "no standby", "archiving off", "2 segments waiting", ...
    bool late = false; // beyond what is expected of this stage
};

struct LatencyChain
{
    std::string feed;
    std::array<LatencyStage, 5> stages;

    // The stage where data waits longest, or -1 when nothing was measured.
    int slowest() const;
};

// `replication` and `storage` may be null before their first snapshot.
LatencyChain latencyChain(const model::WriterStatus &writer,
    const model::ReplicationStatus *replication, const model::StorageStatus *storage,
    std::chrono::system_clock::time_point now);

} // namespace tickscope::ui
