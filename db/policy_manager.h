// Storage policies as desired state: compares them with what the database has and makes the
// database match, on either TimescaleDB edition.
//
// What runs where: chunk intervals, retention settings and compliance holds are the same on both
// editions. Compression and continuous-aggregate policies exist only on the TSL edition; on the
// Apache edition they are reported unavailable, with the reason. The jobs of our own (the
// aggregates' refresh, retention, and the storage samples) are scheduled by TimescaleDB's job
// scheduler on TSL and by pg_cron on Apache; where neither is there, `tickscope policies run` runs
// them instead. Every change is made as tickscope_admin (so that jobs and policies belong to it)
// and recorded in audit.operator_actions.
#pragma once

#include "app/model/storage_policy.h"
#include "db/operator_actions.h"

#include <chrono>
#include <expected>
#include <functional>
#include <optional>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <string>
#include <vector>

namespace tickscope::db {

struct PolicyApplyReport
{
    std::vector<model::PolicySetting> changed; // or, on a dry run, what would change
    std::vector<std::string> failures; // "setting: the server's message"
};

struct PolicyRunReport
{
    std::int64_t bucketsRefreshed = 0; // queued (instrument, minute) entries taken
    std::int64_t chunksDropped = 0;
    std::int64_t chunksPruned = 0; // chunks whose rows outside the compliance hold were deleted
};

class PolicyManager
{
public:
    explicit PolicyManager(pqxx::connection &connection);

    // Every setting, desired against actual. Reads only.
    std::vector<model::PolicySetting> compare(const model::StoragePolicy &policy);

    // Changes each setting that differs, in its own transaction, and records it. A setting that
    // fails is reported and the others still go ahead.
    PolicyApplyReport apply(const model::StoragePolicy &policy, const Operator &by, bool dryRun,
        const std::function<void(const std::string &)> &progress = {});

    // Runs the refresh, retention and storage-sample jobs once, here and now.
    PolicyRunReport runJobs(const Operator &by);

private:
    struct Planned;
    std::vector<Planned> plan(const model::StoragePolicy &policy);

    pqxx::connection &m_connection;
};

// CALL aggregates.refresh_pending() (it commits as it goes: outside a transaction block). On the
// TSL edition the scheduled job runs the same procedure, and TimescaleDB refuses a refresh whose
// window overlaps one in progress (SQLSTATE 55P03) or fails on the catalog row both update ("tuple
// concurrently updated"): the call is made again, for at most `patience`. What a failed call did
// not refresh stays queued, so a call made again refreshes exactly that.
void refreshPendingAggregates(
    pqxx::nontransaction &tx, std::chrono::seconds patience = std::chrono::seconds(60));

// pg_cron's spelling of "every `interval`": "30 seconds", "*/5 * * * *", "0 */6 * * *"; an error
// for what cron cannot say (every 7 minutes does not divide an hour).
std::expected<std::string, std::string> cronSchedule(const model::PolicyInterval &interval);

// The other way: how often a schedule of those forms runs, in seconds; nullopt for other forms.
std::optional<double> cronPeriodSeconds(const std::string &schedule);

} // namespace tickscope::db
