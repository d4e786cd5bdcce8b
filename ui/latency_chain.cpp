#include "ui/latency_chain.h"

#include "ui/format.h"

#include <QCoreApplication>
#include <algorithm>

namespace tickscope::ui {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("LatencyChain", text);
}

// Beyond these a stage is late: a second on the wire or in the writer, ten seconds behind on a
// standby, and the archive an archive_timeout's usual ten minutes.
constexpr double kLateNetworkSeconds = 1;
constexpr double kLateCommitSeconds = 1;
constexpr double kLateReplaySeconds = 10;
constexpr double kLateArchiveSeconds = 600;

LatencyStage replayStage(const model::ReplicationStatus *replication)
{
    LatencyStage stage{tr("commit → standby replay"), std::nullopt, {}, false};
    if (!replication || !replication->error.empty()) {
        stage.note = tr("not read yet");
    } else if (replication->inRecovery && replication->receiver) {
        stage.seconds = replication->receiver->replayDelaySeconds;
        stage.note = tr("this server is the standby");
    } else if (replication->standbys.empty()) {
        stage.note = tr("no standby");
    } else {
        double worst = 0;
        for (const auto &standby : replication->standbys)
            worst = std::max(worst, standby.replayLagSeconds);
        stage.seconds = worst;
        stage.note = tr("the slowest of %1 standby(s)").arg(replication->standbys.size());
    }
    stage.late = stage.seconds && *stage.seconds > kLateReplaySeconds;
    return stage;
}

LatencyStage aggregateStage(const model::StorageStatus *storage)
{
    LatencyStage stage{tr("→ aggregate watermark"), std::nullopt, {}, false};
    if (!storage || storage->aggregates.empty()) {
        stage.note = storage ? tr("no continuous aggregate") : tr("not read yet");
        return stage;
    }
    // The finest aggregate: the one expected to follow most closely.
    const auto finest = std::ranges::min_element(
        storage->aggregates, {}, &model::AggregateFreshness::allowedLagSeconds);
    stage.seconds = finest->lagSeconds;
    stage.note = QString::fromStdString(finest->name);
    stage.late = finest->lagSeconds > finest->allowedLagSeconds;
    return stage;
}

LatencyStage archiveStage(
    const model::ReplicationStatus *replication, std::chrono::system_clock::time_point now)
{
    LatencyStage stage{tr("→ WAL archived"), std::nullopt, {}, false};
    if (!replication || !replication->error.empty()) {
        stage.note = tr("not read yet");
        return stage;
    }
    const auto &archiver = replication->archiver;
    if (!archiver.archiving) {
        stage.note = tr("archiving off");
        return stage;
    }
    if (archiver.failing()) {
        stage.note = tr("failing since %1 (%2)")
                         .arg(format::unixTime(archiver.lastFailedAtUnix),
                             QString::fromStdString(archiver.lastFailedWal));
        stage.late = true;
    }
    if (archiver.lastArchivedAtUnix) {
        // What waits is at most as old as the last archiving: it took everything before it.
        const double since = static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()
            - *archiver.lastArchivedAtUnix);
        stage.seconds = std::max(0.0, since);
        if (stage.note.isEmpty())
            stage.note = tr("%1 segment(s) waiting").arg(archiver.readySegments);
        stage.late = stage.late || (archiver.readySegments > 0 && since > kLateArchiveSeconds);
    } else if (stage.note.isEmpty()) {
        stage.note = tr("nothing archived yet");
    }
    return stage;
}

} // namespace

int LatencyChain::slowest() const
{
    int slowest = -1;
    for (int at = 0; at < static_cast<int>(stages.size()); ++at) {
        const auto &stage = stages[static_cast<std::size_t>(at)];
        if (stage.seconds
            && (slowest < 0 || *stage.seconds > *stages[static_cast<std::size_t>(slowest)].seconds))
            slowest = at;
    }
    return slowest;
}

LatencyChain latencyChain(const model::WriterStatus &writer,
    const model::ReplicationStatus *replication, const model::StorageStatus *storage,
    std::chrono::system_clock::time_point now)
{
    LatencyChain chain;
    chain.feed = writer.feed;
    const bool committing = writer.tradesCommitted > 0;
    chain.stages[0] = {tr("exchange → receive"),
        committing ? std::optional(writer.exchangeDelayP99Ms / 1000) : std::nullopt,
        committing ? tr("p50 %1 ms").arg(writer.exchangeDelayP50Ms, 0, 'f', 1)
                   : tr("no trade committed yet"),
        writer.exchangeDelayP99Ms / 1000 > kLateNetworkSeconds};
    chain.stages[1] = {tr("receive → commit"),
        committing ? std::optional(writer.latencyP99Ms / 1000) : std::nullopt,
        committing ? tr("p50 %1 ms").arg(writer.latencyP50Ms, 0, 'f', 1)
                   : tr("no trade committed yet"),
        writer.latencyP99Ms / 1000 > kLateCommitSeconds};
    chain.stages[2] = replayStage(replication);
    chain.stages[3] = aggregateStage(storage);
    chain.stages[4] = archiveStage(replication, now);
    return chain;
}

} // namespace tickscope::ui
