#include "db/storage_queries.h"

#include "db/policy_manager.h"

#include <algorithm>
#include <format>
#include <pqxx/pqxx>

namespace tickscope::db {

namespace {

using model::WallTime;

// A timestamptz as epoch seconds; NULL for ±infinity and for the "nothing yet" minimum that
// TimescaleDB reports as a watermark of an empty aggregate.
std::string epochOrNull(std::string_view column)
{
    return std::format(
        "CASE WHEN isfinite({0}) AND {0} > 'epoch' THEN extract(epoch FROM {0})::float8 END",
        column);
}

// What an operator can act on for TimescaleDB's error of a failed run. One error means the
// work was done: PostgreSQL 17.12 refuses to drop a portal that was never run, and TimescaleDB's
// job runner (2.29.2 and older) drops one after every job, once its work is committed.
std::string explainJobError(const std::string &message)
{
    if (message.find("cannot drop portal") == std::string::npos
        || message.find("while it is being set up") == std::string::npos)
        return message;
    return "the job's work was committed; then TimescaleDB's job runner failed to drop its "
           "portal, which this PostgreSQL release refuses (\""
        + message
        + "\"), so every run is counted failed. Use a TimescaleDB build that "
          "marks the portal ready first (Tickscope's scripts/timescaledb-tsl does), or a "
          "TimescaleDB release that fixes it";
}

std::optional<WallTime> wallTime(const std::optional<double> &seconds)
{
    if (!seconds)
        return std::nullopt;
    return WallTime{
        std::chrono::duration_cast<WallTime::duration>(std::chrono::duration<double>(*seconds))};
}

void readHypertables(
    pqxx::work &tx, const model::StoragePolicy &policy, bool tsl, model::StorageStatus &status)
{
    constexpr std::int64_t kTooManyChunks = 1000;
    for (const auto &[name, interval, bytes, chunks] :
        tx.query<std::string, std::string, std::int64_t, std::int64_t>(
            "SELECT format('%I.%I', h.hypertable_schema, h.hypertable_name), "
            "d.time_interval::text, hypertable_size(format('%I.%I', h.hypertable_schema, "
            "h.hypertable_name)::regclass), h.num_chunks FROM timescaledb_information.hypertables "
            "h JOIN timescaledb_information.dimensions d USING (hypertable_schema, "
            "hypertable_name) WHERE d.dimension_number = 1 AND h.hypertable_schema IN "
            "('market_data', 'aggregates') ORDER BY h.hypertable_schema DESC, (SELECT position "
            "FROM aggregates.levels l WHERE l.relation = format('%I.%I', h.hypertable_schema, "
            "h.hypertable_name)), h.hypertable_name DESC")) {
        model::HypertableStorage table{.name = name,
            .chunkInterval = interval,
            .totalBytes = bytes,
            .chunks = chunks,
            .tooManyChunks = chunks > kTooManyChunks};
        if (tsl) {
            const auto [compressed, before, after]
                = tx.query1<std::int64_t, std::int64_t, std::int64_t>(
                    "SELECT coalesce(max(number_compressed_chunks), 0), "
                    "coalesce(max(before_compression_total_bytes), 0), "
                    "coalesce(max(after_compression_total_bytes), 0) "
                    "FROM hypertable_compression_stats($1::regclass)",
                    pqxx::params{name});
            table.compressedChunks = compressed;
            table.beforeBytes = before;
            table.afterBytes = after;
            const auto policyOf = std::ranges::find_if(policy.hypertables,
                [&](const auto &p) { return "market_data." + p.hypertable == name; });
            if (policyOf != policy.hypertables.end() && policyOf->compressAfter) {
                const auto [count, size] = tx.query1<std::int64_t, std::int64_t>(
                    "SELECT count(*), coalesce(sum(s.total_bytes), 0) "
                    "FROM timescaledb_information.chunks c JOIN "
                    "chunks_detailed_size($1::text::regclass) "
                    "s ON format('%I.%I', c.chunk_schema, c.chunk_name) = "
                    "format('%I.%I', s.chunk_schema, s.chunk_name) "
                    // Names compared as text: a cast of every chunk's table to regclass fails
                    // on a schema of the database that is not this role's to use.
                    "WHERE format('%I.%I', c.hypertable_schema, c.hypertable_name) = $1::text AND "
                    "NOT "
                    "c.is_compressed AND c.range_end < now() - $2::interval",
                    pqxx::params{name, policyOf->compressAfter->text()});
                table.backlogChunks = count;
                table.backlogBytes = size;
            }
        }
        status.hypertables.push_back(std::move(table));
    }
}

void readTimescaleJobs(pqxx::work &tx, model::StorageStatus &status)
{
    for (const auto &[name, schedule, lastStart, nextStart, nextNegativeInfinity, lastStatus,
             jobStatus, runs, failures, lastError] :
        tx.query<std::string, std::string, std::optional<double>, std::optional<double>, bool,
            std::optional<std::string>, std::optional<std::string>, std::optional<std::int64_t>,
            std::optional<std::int64_t>, std::optional<std::string>>(
            std::format("SELECT CASE WHEN j.hypertable_name IS NULL THEN format('%s.%s', "
                        "j.proc_schema, j.proc_name) ELSE format('%s [%s]', j.proc_name, "
                        "j.hypertable_name) END, 'every ' || j.schedule_interval::text, {}, {}, "
                        "coalesce(s.next_start = '-infinity', false), s.last_run_status, "
                        "s.job_status, s.total_runs, s.total_failures, e.err_message "
                        "FROM timescaledb_information.jobs j LEFT JOIN "
                        "timescaledb_information.job_stats s USING (job_id) "
                        "LEFT JOIN LATERAL (SELECT err_message FROM "
                        "timescaledb_information.job_errors e WHERE e.job_id = j.job_id ORDER "
                        "BY e.finish_time DESC NULLS LAST LIMIT 1) e ON true "
                        "WHERE j.job_id >= 1000 ORDER BY 1",
                epochOrNull("s.last_run_started_at"), epochOrNull("s.next_start")))) {
        model::JobStatus job{.name = name,
            .scheduler = "timescaledb",
            .schedule = schedule,
            .lastStart = wallTime(lastStart),
            .nextStart = wallTime(nextStart),
            .runs = runs.value_or(0),
            .failures = failures.value_or(0)};
        const bool running = jobStatus.value_or("") == "Running";
        job.lastResult = running ? "running"
            : lastStatus         ? (*lastStatus == "Success" ? "success" : "failed")
                                 : "never run";
        if (job.lastResult == "failed")
            job.lastMessage = explainJobError(lastError.value_or(""));
        job.stuck = nextNegativeInfinity && !running;
        // A minute of grace: the scheduler wakes up on its own clock.
        job.overdue = !running && job.nextStart
            && *job.nextStart + std::chrono::minutes(1) < std::chrono::system_clock::now();
        status.jobs.push_back(std::move(job));
    }
}

void readCronJobs(pqxx::work &tx, model::StorageStatus &status)
{
    for (const auto &[name, schedule, lastStart, lastStatus, message, runs, failures] :
        tx.query<std::string, std::string, std::optional<double>, std::optional<std::string>,
            std::optional<std::string>, std::int64_t, std::int64_t>(
            std::format("SELECT j.jobname, j.schedule, {}, d.status, d.return_message, "
                        "(SELECT count(*) FROM cron.job_run_details r WHERE r.jobid = j.jobid), "
                        "(SELECT count(*) FROM cron.job_run_details r WHERE r.jobid = j.jobid "
                        " AND r.status = 'failed') "
                        "FROM cron.job j LEFT JOIN LATERAL (SELECT * FROM cron.job_run_details r "
                        " WHERE r.jobid = j.jobid ORDER BY r.start_time DESC LIMIT 1) d ON true "
                        "WHERE j.active ORDER BY j.jobname",
                epochOrNull("d.start_time")))) {
        model::JobStatus job{.name = name,
            .scheduler = "pg_cron",
            .schedule = "cron " + schedule,
            .lastStart = wallTime(lastStart),
            .lastResult
            = lastStatus ? (*lastStatus == "succeeded" ? "success" : *lastStatus) : "never run",
            .lastMessage = lastStatus && *lastStatus == "failed" ? message.value_or("") : "",
            .runs = runs,
            .failures = failures};
        // pg_cron keeps no next start: late is two periods and a minute without a start.
        if (const auto period = cronPeriodSeconds(schedule); period && job.lastStart) {
            const auto due = *job.lastStart
                + std::chrono::duration_cast<WallTime::duration>(
                    std::chrono::duration<double>(2 * *period + 60));
            job.overdue = job.lastResult != "running" && due < std::chrono::system_clock::now();
        }
        status.jobs.push_back(std::move(job));
    }
}

void readFreshness(
    pqxx::work &tx, const model::StoragePolicy &policy, bool tsl, model::StorageStatus &status)
{
    const auto [pending, oldestQueued] = tx.query1<std::int64_t, std::optional<double>>(
        std::format("SELECT count(*), {} FROM aggregates.refresh_queue WHERE from_trades",
            epochOrNull("min(queued_at)")));
    const auto now = std::chrono::system_clock::now();
    // A continuous aggregate: up to where it is materialized (real-time aggregation answers
    // above it). A table: exact up to its newest bucket (no later than now) except where
    // corrections wait in the queue, so it lags by the oldest queued entry.
    const std::string watermark = tsl
        ? "(SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark("
          "c.mat_hypertable_id)) FROM _timescaledb_catalog.continuous_agg c WHERE "
          "format('%s.%s', c.user_view_schema, c.user_view_name) = l.relation)"
        : "NULL::timestamptz";
    // TSL: how much of the newest time each level's refresh policy leaves to real-time
    // aggregation (its end_offset), as the policy itself says.
    const std::string endOffset = tsl
        ? "(SELECT extract(epoch FROM (j.config->>'end_offset')::interval)::float8 FROM "
          "timescaledb_information.jobs j WHERE j.proc_name = "
          "'policy_refresh_continuous_aggregate' AND format('%s.%s', j.hypertable_schema, "
          "j.hypertable_name) = l.relation)"
        : "NULL::float8";
    // Each level's relation also as the catalog names it (quoted where it must be), the only
    // form spliced into SQL below: aggregates.levels is the admin's to write, and this runs as
    // whoever watches, a superuser included. A level whose relation is no relation has no
    // watermark. A level is a continuous aggregate or a table that the writer folds its trades
    // into (the Apache edition's, and since migration 0023 the TSL edition's finest).
    for (const auto &[relation, catalogName, width, continuous, mark, leftToRealTime] :
        tx.query<std::string, std::optional<std::string>, double, bool, std::optional<double>,
            std::optional<double>>(std::format(
            "SELECT l.relation, to_regclass(l.relation)::text, "
            "extract(epoch FROM l.bucket_width)::float8, aggregates.is_continuous(l.relation), "
            "{}, {} FROM aggregates.levels l ORDER BY l.position",
            epochOrNull(watermark), endOffset))) {
        // A bucket is due once it ended and past its policy's end_offset, plus two runs of the
        // refresh.
        model::AggregateFreshness freshness{.name = relation,
            .allowedLagSeconds
            = leftToRealTime.value_or(0) + width + 2 * policy.refreshEvery.seconds(),
            .pendingBuckets = relation.ends_with("_1m") ? pending : 0};
        if (continuous) {
            freshness.watermark = wallTime(mark);
            if (freshness.watermark) {
                freshness.lagSeconds
                    = std::chrono::duration<double>(now - *freshness.watermark).count();
                freshness.watermarkInFuture = freshness.lagSeconds < -60;
            }
        } else if (catalogName) {
            freshness.watermark = wallTime(tx.query_value<std::optional<double>>(
                std::format("SELECT {} FROM (SELECT least(max(bucket) + {} * interval '1 second', "
                            "now()) AS m FROM {}) t",
                    epochOrNull("m"), width, *catalogName)));
            if (oldestQueued)
                freshness.lagSeconds
                    = std::chrono::duration<double>(now - *wallTime(oldestQueued)).count();
        }
        status.aggregates.push_back(std::move(freshness));
    }
}

} // namespace

model::StorageStatus readStorageStatus(
    pqxx::connection &connection, const model::StoragePolicy &policy)
{
    model::StorageStatus status;
    status.checkedAt = std::chrono::system_clock::now();
    pqxx::work tx{connection};
    tx.exec("SET TRANSACTION READ ONLY");
    const auto [license, cron] = tx.query1<std::string, bool>(
        "SELECT coalesce(current_setting('timescaledb.license', true), ''), "
        "EXISTS (SELECT FROM pg_extension WHERE extname = 'pg_cron')");
    const bool tsl = license == "timescale";
    status.compressionAvailable = tsl;
    if (!tsl)
        status.compressionNote = "compression needs TimescaleDB's TSL edition; this server runs "
                                 "the Apache edition";
    readHypertables(tx, policy, tsl, status);
    if (tsl)
        readTimescaleJobs(tx, status);
    else if (cron)
        readCronJobs(tx, status);
    readFreshness(tx, policy, tsl, status);
    // Absent from a schema older than 0008 (the Schema & policies page offers to migrate it).
    if (!tx.query_value<bool>("SELECT to_regclass('audit.storage_samples') IS NOT NULL"))
        return status;
    for (const auto &[time, hypertable, ratio] : tx.query<double, std::string, double>(
             "SELECT extract(epoch FROM time)::float8, hypertable, "
             "before_bytes::float8 / after_bytes FROM audit.storage_samples "
             "WHERE after_bytes > 0 AND time > now() - interval '30 days' ORDER BY time"))
        status.ratioHistory.push_back({*wallTime(time), hypertable, ratio});
    return status;
}

} // namespace tickscope::db
