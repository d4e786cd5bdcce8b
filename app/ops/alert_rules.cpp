#include "app/ops/alert_rules.h"

#include <cmath>
#include <format>

namespace tickscope::ops {

namespace {

std::string megabytes(double bytes)
{
    return std::format("{:.1f} MB", bytes / 1e6);
}

} // namespace

AlertRules::AlertRules(const model::AlertSettings &settings, std::chrono::seconds backupEvery)
    : m_backupEvery(backupEvery)
    , m_maintenance(settings.maintenance)
{
    for (const auto &rule : settings.rules)
        m_rules.emplace(rule.name, rule);
}

double AlertRules::threshold(const std::string &rule) const
{
    const auto found = m_rules.find(rule);
    return found == m_rules.end() ? 0 : found->second.threshold;
}

model::AlertCondition AlertRules::verdict(
    const std::string &rule, std::string subject, bool breached, std::string message) const
{
    const auto found = m_rules.find(rule);
    return {rule, std::move(subject), breached,
        found == m_rules.end() ? model::AlertSeverity::Warning : found->second.severity,
        std::move(message)};
}

model::AlertCondition AlertRules::feedVerdict(const std::string &rule, const std::string &feed,
    std::string subject, bool breached, std::string message, Time now) const
{
    const auto window = std::ranges::find_if(
        m_maintenance, [&](const model::MaintenanceWindow &w) { return w.covers(feed, now); });
    if (window != m_maintenance.end() && breached) {
        breached = false;
        message += std::format(" - quiet: {} maintenance until {:%F %R} UTC{}", feed,
            std::chrono::floor<std::chrono::seconds>(window->to),
            window->note.empty() ? "" : " (" + window->note + ")");
    }
    return verdict(rule, std::move(subject), breached, std::move(message));
}

RuleVerdicts AlertRules::replication(
    const model::ReplicationStatus &status, Time watchedSince) const
{
    RuleVerdicts verdicts;
    verdicts.rules = {"server_down", "server_restarted", "connections", "replication_lag_bytes",
        "replication_lag_seconds", "standby_gone", "slot_wal_lost", "primary_unreachable",
        "disk_free", "archive_failing", "archive_backlog"};
    auto &out = verdicts.conditions;
    if (!status.error.empty()) {
        out.push_back(
            verdict("server_down", "", true, "the database cannot be reached: " + status.error));
        // Nothing else is known: keep the other rules as they were.
        verdicts.rules = {"server_down"};
        return verdicts;
    }
    const double uptime
        = std::chrono::duration<double>(status.checkedAt - status.serverStartedAt).count();
    out.push_back(verdict("server_restarted", "",
        status.serverStartedAt > watchedSince && uptime < threshold("server_restarted"),
        std::format("the server restarted {:.0f} s ago", uptime)));
    if (status.maxConnections > 0) {
        const double share = 100.0 * status.connections / status.maxConnections;
        out.push_back(verdict("connections", "", share > threshold("connections"),
            std::format("{} of {} connections in use ({:.0f}%, threshold {:.0f}%)",
                status.connections, status.maxConnections, share, threshold("connections"))));
    }
    for (const auto &standby : status.standbys) {
        out.push_back(verdict("replication_lag_bytes", standby.name,
            static_cast<double>(standby.lagBytes) > threshold("replication_lag_bytes"),
            std::format("standby {} is {} behind (threshold {})", standby.name,
                megabytes(static_cast<double>(standby.lagBytes)),
                megabytes(threshold("replication_lag_bytes")))));
        out.push_back(verdict("replication_lag_seconds", standby.name,
            standby.replayLagSeconds > threshold("replication_lag_seconds"),
            std::format("standby {} replays {:.1f} s behind (threshold {:.0f} s)", standby.name,
                standby.replayLagSeconds, threshold("replication_lag_seconds"))));
    }
    for (const auto &slot : status.replicationSlots) {
        if (!status.inRecovery && slot.type == "physical")
            out.push_back(verdict("standby_gone", slot.name, !slot.active,
                std::format("no standby uses replication slot {}; it holds {} of WAL back",
                    slot.name, megabytes(static_cast<double>(slot.retainedBytes)))));
        out.push_back(verdict("slot_wal_lost", slot.name,
            slot.walStatus == "unreserved" || slot.walStatus == "lost",
            std::format("replication slot {} has WAL status '{}': its standby will need a new "
                        "copy",
                slot.name, slot.walStatus)));
    }
    if (status.inRecovery && status.receiver)
        out.push_back(verdict("primary_unreachable", "", status.receiver->status != "streaming",
            std::format("the WAL receiver is '{}', not streaming from the primary",
                status.receiver->status)));
    for (const auto &disk : status.disks) {
        if (disk.totalBytes <= 0)
            continue;
        const double freeShare
            = 100.0 * static_cast<double>(disk.freeBytes) / static_cast<double>(disk.totalBytes);
        auto condition = verdict("disk_free", disk.path, freeShare < threshold("disk_free"),
            std::format("the {} disk ({}) has {:.1f}% free (warning under {:.0f}%, critical "
                        "under {:.0f}%)",
                disk.what, disk.path, freeShare, threshold("disk_free"),
                threshold("disk_free") / 2));
        if (freeShare < threshold("disk_free") / 2)
            condition.severity = model::AlertSeverity::Critical;
        out.push_back(std::move(condition));
    }
    if (!status.inRecovery) {
        const auto &archiver = status.archiver;
        out.push_back(verdict("archive_failing", "", archiver.archiving && archiver.failing(),
            std::format("WAL archiving fails: {} failures, the last with {}", archiver.failedCount,
                archiver.lastFailedWal)));
        out.push_back(verdict("archive_backlog", "",
            static_cast<double>(archiver.readySegments) > threshold("archive_backlog"),
            std::format("{} WAL segments wait to be archived (threshold {:.0f})",
                archiver.readySegments, threshold("archive_backlog"))));
    }
    return verdicts;
}

RuleVerdicts AlertRules::backups(
    const model::BackupOverview &overview, bool standby, Time now) const
{
    RuleVerdicts verdicts{{"backup_stale"}, {}};
    if (standby || !overview.error.empty())
        return verdicts;
    std::optional<std::int64_t> newest;
    for (const auto &backup : overview.inventory.backups)
        if (!backup.error)
            newest = std::max(newest.value_or(0), backup.stoppedAtUnix);
    const double allowed = threshold("backup_stale") * static_cast<double>(m_backupEvery.count());
    const double age = newest
        ? static_cast<double>(
              std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count()
              - *newest)
        : INFINITY;
    verdicts.conditions.push_back(verdict("backup_stale", overview.inventory.stanza, age > allowed,
        newest ? std::format("the newest sound backup is {:.1f} h old (allowed {:.1f} h)",
                     age / 3600, allowed / 3600)
               : std::string("there is no sound backup")));
    return verdicts;
}

RuleVerdicts AlertRules::storage(const model::StorageStatus &status) const
{
    RuleVerdicts verdicts{
        {"job_failing", "job_overdue", "aggregate_lagging", "compression_backlog"}, {}};
    if (!status.error.empty())
        return {};
    auto &out = verdicts.conditions;
    for (const auto &job : status.jobs) {
        out.push_back(verdict("job_failing", job.name,
            job.lastResult == "failed"
                && static_cast<double>(job.failures) >= threshold("job_failing"),
            std::format(
                "job {} failed {} times, the last: {}", job.name, job.failures, job.lastMessage)));
        out.push_back(verdict("job_overdue", job.name, job.overdue || job.stuck,
            std::format("job {} is {}", job.name,
                job.stuck ? "stuck: it will never run again" : "overdue")));
    }
    for (const auto &aggregate : status.aggregates)
        out.push_back(verdict("aggregate_lagging", aggregate.name,
            aggregate.watermarkInFuture || aggregate.lagSeconds > aggregate.allowedLagSeconds,
            std::format("{} is {:.0f} s behind (allowed {:.0f} s)", aggregate.name,
                aggregate.lagSeconds, aggregate.allowedLagSeconds)));
    for (const auto &table : status.hypertables)
        if (status.compressionAvailable)
            out.push_back(verdict("compression_backlog", table.name,
                static_cast<double>(table.backlogChunks) > threshold("compression_backlog"),
                std::format(
                    "{}: {} chunks wait for compression", table.name, table.backlogChunks)));
    return verdicts;
}

RuleVerdicts AlertRules::feed(const model::FeedStatus &status, Time now) const
{
    using State = model::FeedStatus::State;
    const bool down = status.state == State::Reconnecting || status.state == State::Paused
        || status.state == State::Failed;
    return {{},
        {feedVerdict("feed_disconnected", status.feed, status.feed, down,
            std::format("feed {} is {}{}", status.feed, model::stateName(status.state),
                status.lastError.empty() ? "" : ": " + status.lastError),
            now)}};
}

RuleVerdicts AlertRules::writer(const model::WriterStatus &status, Time now) const
{
    using State = model::WriterStatus::State;
    const auto open = status.gapsFound - status.gapsBackfilled;
    RuleVerdicts verdicts{{},
        {verdict("writer_failing", status.feed,
             status.state == State::DatabaseDown || status.state == State::JournalUnreadable,
             std::format("the writer of {} cannot commit ({}){}", status.feed,
                 model::stateName(status.state),
                 status.lastError.empty() ? "" : ": " + status.lastError)),
            verdict("journal_lag", status.feed, status.state == State::Replaying,
                std::format("the writer of {} is catching up on its journal ({} rows pending)",
                    status.feed, status.pendingRows)),
            feedVerdict("gap_detected", status.feed, status.feed,
                static_cast<double>(open) > threshold("gap_detected"),
                std::format("{} gap(s) in {} not backfilled since start{}", open, status.feed,
                    status.lastGapSymbol.empty() ? "" : ", the last in " + status.lastGapSymbol),
                now),
            verdict("records_quarantined", status.feed,
                static_cast<double>(status.quarantined) > threshold("records_quarantined"),
                std::format("{} record(s) of {} quarantined since start (audit.quarantine)",
                    status.quarantined, status.feed))}};
    // A symbol is judged by its own pace, once it has shown one; only a live writer's receive
    // times are current.
    constexpr std::int64_t kEnoughTrades = 20;
    constexpr double kAtLeastSeconds = 60;
    const double nowNs = static_cast<double>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
    for (const auto &price : status.lastPrices) {
        if (price.trades < kEnoughTrades)
            continue;
        const double usualSeconds
            = static_cast<double>(price.lastReceivedNs - price.firstReceivedNs) / 1e9
            / static_cast<double>(price.trades - 1);
        const double quietSeconds = (nowNs - static_cast<double>(price.lastReceivedNs)) / 1e9;
        const double allowed = std::max(kAtLeastSeconds, threshold("symbol_silent") * usualSeconds);
        verdicts.conditions.push_back(feedVerdict("symbol_silent", status.feed,
            status.feed + " " + price.symbol, status.state == State::Live && quietSeconds > allowed,
            std::format("{} of {} has had no trade for {:.0f} s (usually one every {:.1f} s; "
                        "allowed {:.0f} s)",
                price.symbol, status.feed, quietSeconds, usualSeconds, allowed),
            now));
    }
    return verdicts;
}

} // namespace tickscope::ops
