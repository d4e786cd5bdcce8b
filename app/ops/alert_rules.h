// The alert rules applied to the snapshots Tickscope already takes: each turns one snapshot
// (replication - which also says whether the server answers -, backups, storage, a feed, a
// writer) into conditions for
// the alert engine, with the thresholds of the configured rules. Rules know the server's role:
// a standby is not asked for archiving, backups or standbys of its own, and a primary not for a
// WAL receiver. An exchange's announced maintenance window quiets its feed's alerts.
#pragma once

#include "app/model/alert.h"
#include "app/model/backup_status.h"
#include "app/model/feed_status.h"
#include "app/model/replication_status.h"
#include "app/model/storage_status.h"

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace tickscope::ops {

// The rules one snapshot evaluated, and their verdicts.
struct RuleVerdicts
{
    std::vector<std::string> rules;
    std::vector<model::AlertCondition> conditions;
};

class AlertRules
{
public:
    using Time = std::chrono::system_clock::time_point;

    // `backupEvery`: how often a backup should be taken, for backup_stale.
    AlertRules(const model::AlertSettings &settings, std::chrono::seconds backupEvery);

    // `watchedSince`: the server's start time when it was first watched; a later one means it
    // restarted under the watch (a server the console itself just started is no news).
    RuleVerdicts replication(const model::ReplicationStatus &status, Time watchedSince) const;
    RuleVerdicts backups(const model::BackupOverview &overview, bool standby, Time now) const;
    RuleVerdicts storage(const model::StorageStatus &status) const;
    // Per feed: every rule gets a condition for the feed (symbol_silent: for each of its symbols
    // that traded), breached or not; a maintenance window of the feed at `now` quiets them.
    RuleVerdicts feed(const model::FeedStatus &status, Time now) const;
    RuleVerdicts writer(const model::WriterStatus &status, Time now) const;

private:
    model::AlertCondition verdict(
        const std::string &rule, std::string subject, bool breached, std::string message) const;
    double threshold(const std::string &rule) const;
    // A feed rule's verdict, quiet during the feed's maintenance.
    model::AlertCondition feedVerdict(const std::string &rule, const std::string &feed,
        std::string subject, bool breached, std::string message, Time now) const;

    std::map<std::string, model::AlertRule> m_rules;
    std::chrono::seconds m_backupEvery;
    std::vector<model::MaintenanceWindow> m_maintenance;
};

} // namespace tickscope::ops
