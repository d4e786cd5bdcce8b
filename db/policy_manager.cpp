#include "db/policy_manager.h"

#include <QScopeGuard>
#include <algorithm>
#include <format>
#include <pqxx/pqxx>
#include <regex>
#include <thread>

namespace tickscope::db {

using model::PolicyInterval;
using model::PolicySetting;

namespace {

constexpr auto kRefreshJob = "tickscope_refresh_aggregates";
constexpr auto kRetentionJob = "tickscope_retention";
constexpr auto kSampleJob = "tickscope_sample_storage";
constexpr int kCompressionBatchRows = 5000;

// The compression settings chosen for this data and these queries: one segment per instrument
// (every query names one), rows in time order within it, as the unique key sorts them, and no
// bloom filter (TimescaleDB adds one for the unique key's columns by default: a byte a trade,
// while each batch's minimum and maximum time already narrow a duplicate check to a batch or
// two; docs/performance.md).
struct CompressionLayout
{
    const char *hypertable;
    const char *orderBy; // as timescaledb_information.hypertable_compression_settings writes it
};
constexpr CompressionLayout kCompression[] = {
    {"trades", "\"time\" DESC,trade_id,trade_uuid,trade_ref"},
    {"book_snapshots", "\"time\" DESC,sequence"},
    {"book_deltas", "\"time\" DESC,sequence"},
};

// Who schedules our jobs on this server, or why nobody can.
struct Scheduler
{
    enum class Kind { TimescaleJobs, PgCron, PgCronInstallable, None } kind = Kind::None;
    std::string version; // pg_cron's, when installed
    std::string reason; // for None
};

Scheduler findScheduler(pqxx::transaction_base &tx)
{
    const auto [license, cronVersion, cronAvailable, preload, cronDatabase, database]
        = tx.query1<std::string, std::optional<std::string>, bool, std::string, std::string,
            std::string>(
            "SELECT coalesce(current_setting('timescaledb.license', true), ''), "
            "(SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'), "
            "EXISTS (SELECT FROM pg_available_extensions WHERE name = 'pg_cron'), "
            "coalesce(current_setting('shared_preload_libraries', true), ''), "
            "coalesce(current_setting('cron.database_name', true), ''), current_database()");
    if (license == "timescale")
        return {.kind = Scheduler::Kind::TimescaleJobs};
    if (cronVersion)
        return {.kind = Scheduler::Kind::PgCron, .version = *cronVersion};
    if (!cronAvailable)
        return {.reason = "pg_cron is not installed on this server (Debian: postgresql-17-cron)"};
    if (preload.find("pg_cron") == std::string::npos)
        return {.reason = std::format(
                    "pg_cron is installed but not preloaded (shared_preload_libraries = '{}')",
                    preload)};
    if (cronDatabase != database)
        return {.reason
            = std::format("pg_cron runs jobs in database '{}', not in '{}' (cron.database_name)",
                cronDatabase.empty() ? "postgres" : cronDatabase, database)};
    return {.kind = Scheduler::Kind::PgCronInstallable};
}

std::string orNever(const std::optional<std::string> &value)
{
    return value.value_or("never");
}

} // namespace

struct PolicyManager::Planned
{
    PolicySetting setting;
    std::vector<std::string> statements; // run in one transaction, as tickscope_admin
    bool asAdmin = true; // false: as the connected user (CREATE EXTENSION needs a superuser)
    std::string refusal; // why this desired value must not be applied; empty when it may
};

std::expected<std::string, std::string> cronSchedule(const PolicyInterval &interval)
{
    using Unit = PolicyInterval::Unit;
    const auto n = interval.count;
    const auto divides = [n](int whole) {
        return n > 0 && n <= whole && whole % n == 0;
    };
    switch (interval.unit) {
    case Unit::Seconds:
        if (n >= 1 && n <= 59)
            return std::format("{} seconds", n);
        break;
    case Unit::Minutes:
        if (n == 1)
            return "* * * * *";
        if (divides(60))
            return std::format("*/{} * * * *", n);
        break;
    case Unit::Hours:
        if (n == 1)
            return "0 * * * *";
        if (divides(24))
            return std::format("0 */{} * * *", n);
        break;
    case Unit::Days:
        if (n == 1)
            return "0 0 * * *";
        break;
    default:
        break;
    }
    return std::unexpected(std::format("pg_cron cannot run a job every {}: use seconds (1 to 59), "
                                       "minutes or hours that divide an hour or a day, or 1 day",
        interval.text()));
}

std::optional<double> cronPeriodSeconds(const std::string &schedule)
{
    static const std::regex seconds{R"(^(\d+) seconds$)"};
    static const std::regex everyMinutes{R"(^\*/(\d+) \* \* \* \*$)"};
    static const std::regex everyHours{R"(^0 \*/(\d+) \* \* \*$)"};
    std::smatch match;
    if (std::regex_match(schedule, match, seconds))
        return std::stod(match[1]);
    if (schedule == "* * * * *")
        return 60;
    if (std::regex_match(schedule, match, everyMinutes))
        return 60 * std::stod(match[1]);
    if (schedule == "0 * * * *")
        return 3600;
    if (std::regex_match(schedule, match, everyHours))
        return 3600 * std::stod(match[1]);
    if (schedule == "0 0 * * *")
        return 86'400;
    return std::nullopt;
}

PolicyManager::PolicyManager(pqxx::connection &connection)
    : m_connection(connection)
{ }

std::vector<PolicyManager::Planned> PolicyManager::plan(const model::StoragePolicy &policy)
{
    pqxx::read_transaction tx{m_connection};
    const Scheduler scheduler = findScheduler(tx);
    const bool tsl = scheduler.kind == Scheduler::Kind::TimescaleJobs;
    // The server's own spelling of an interval ("06:00:00" for 6 hours), so that desired and
    // actual compare as the server sees them.
    auto pg = [&](const PolicyInterval &interval) {
        return tx.query_value<std::string>(
            "SELECT $1::interval::text", pqxx::params{interval.text()});
    };
    auto quote = [&](const std::string &text) {
        return tx.quote(text);
    };
    std::vector<Planned> planned;
    auto add = [&](std::string name, std::string desired, std::string actual,
                   std::vector<std::string> statements, bool asAdmin = true) {
        const auto state
            = desired == actual ? PolicySetting::State::Matches : PolicySetting::State::Differs;
        planned.push_back({{std::move(name), std::move(desired), std::move(actual), state, {}},
            std::move(statements), asAdmin});
    };
    auto unavailable = [&](std::string name, std::string desired, std::string note) {
        planned.push_back({{std::move(name), std::move(desired), "unavailable",
                               PolicySetting::State::Unavailable, std::move(note)},
            {}, true});
    };
    const std::string apacheOnly = "the Apache edition of TimescaleDB on this server has no "
                                   "compression; the TSL (Timescale License) edition has";
    // A compression policy on `schema`.`name` (a hypertable or a continuous aggregate), once its
    // compression is switched on.
    auto addCompressAfter = [&](std::string setting, const std::string &schema,
                                const std::string &name,
                                const std::optional<PolicyInterval> &compressAfter) {
        const std::string relation = schema + "." + name;
        std::vector<std::string> statements{std::format(
            "SELECT remove_compression_policy({}, if_exists => true)", quote(relation))};
        if (compressAfter)
            statements.push_back(
                std::format("SELECT add_compression_policy({}, compress_after => {}::interval)",
                    quote(relation), quote(compressAfter->text())));
        add(std::move(setting), orNever(compressAfter.transform(pg)),
            orNever(
                tx.query01<std::string>(
                      "SELECT (config->>'compress_after')::interval::text FROM "
                      "timescaledb_information.jobs WHERE proc_name = 'policy_compression' "
                      "AND hypertable_schema = $1 AND hypertable_name = $2",
                      pqxx::params{schema, name})
                    .transform([](auto row) { return std::get<0>(row); })),
            std::move(statements));
    };

    // The scheduler first: the jobs below need it.
    switch (scheduler.kind) {
    case Scheduler::Kind::TimescaleJobs:
        add("scheduler", "timescaledb jobs", "timescaledb jobs", {});
        break;
    case Scheduler::Kind::PgCron:
        add("scheduler", "pg_cron", "pg_cron", {});
        break;
    case Scheduler::Kind::PgCronInstallable:
        add("scheduler", "pg_cron", "none",
            {"CREATE EXTENSION IF NOT EXISTS pg_cron",
                "GRANT USAGE ON SCHEMA cron TO tickscope_admin"},
            false);
        break;
    case Scheduler::Kind::None:
        unavailable("scheduler", "pg_cron",
            scheduler.reason
                + "; run `tickscope policies run` from a systemd timer or cron instead");
        break;
    }

    // Compressed batches of 5000 rows instead of TimescaleDB's 1000: a trade 0.9 byte smaller
    // (docs/performance.md). A setting of the database, so that the compression policies' jobs
    // compress with it too; set by its owner.
    const std::string batchRows = std::to_string(kCompressionBatchRows);
    if (!tsl)
        unavailable("compression.batch_rows", batchRows, apacheOnly);
    else
        add("compression.batch_rows", batchRows,
            tx.query_value<std::string>(
                "SELECT coalesce((SELECT split_part(o, '=', 2) FROM pg_db_role_setting s, "
                "unnest(s.setconfig) o WHERE s.setrole = 0 AND s.setdatabase = (SELECT oid FROM "
                "pg_database WHERE datname = current_database()) AND o LIKE "
                "'timescaledb.compression_batch_size_limit=%'), 'default')"),
            {std::format("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
                         "timescaledb.compression_batch_size_limit = {}', current_database()); "
                         "END $$",
                batchRows)},
            false);

    for (const auto &table : policy.hypertables) {
        const std::string relation = "market_data." + table.hypertable;
        const std::string prefix = table.hypertable + ".";
        add(prefix + "chunk_interval", pg(table.chunkInterval),
            tx.query_value<std::string>(
                "SELECT time_interval::text FROM timescaledb_information.dimensions WHERE "
                "hypertable_schema = 'market_data' AND hypertable_name = $1 AND column_name = "
                "'time'",
                pqxx::params{table.hypertable}),
            {std::format("SELECT set_chunk_time_interval({}, {}::interval)", quote(relation),
                quote(table.chunkInterval.text()))});

        const auto layout = std::ranges::find_if(kCompression,
            [&](const CompressionLayout &l) { return table.hypertable == l.hypertable; });
        const std::string compressionDesired = table.compressAfter
            ? std::format("segment by instrument_id, order by {}, no bloom filter", layout->orderBy)
            : "off";
        if (!tsl) {
            unavailable(prefix + "compression", compressionDesired, apacheOnly);
            unavailable(
                prefix + "compress_after", orNever(table.compressAfter.transform(pg)), apacheOnly);
        } else {
            const auto actual
                = tx.query01<std::optional<std::string>, std::optional<std::string>, bool>(
                    // From the catalog, written as hypertable_compression_settings writes it: that
                    // view casts every hypertable's name to regclass, which fails when another
                    // schema of the database is not this role's to use.
                    "SELECT array_to_string(s.segmentby, ','), (SELECT string_agg(format('%I%s%s', "
                    "o, CASE WHEN d THEN ' DESC' ELSE '' END, CASE WHEN f AND NOT d THEN ' NULLS "
                    "FIRST' WHEN NOT f AND d THEN ' NULLS LAST' ELSE '' END), ',') FROM "
                    "unnest(s.orderby, s.orderby_desc, s.orderby_nullsfirst) u(o, d, f)), "
                    "coalesce(s.index @> '[{\"source\": \"config\"}]' AND NOT s.index @> "
                    "'[{\"type\": \"bloom\"}]', false) "
                    "FROM _timescaledb_catalog.compression_settings s "
                    "JOIN timescaledb_information.hypertables h ON h.hypertable_schema = "
                    "'market_data' AND h.hypertable_name = $1 AND h.compression_enabled "
                    "WHERE s.relid = to_regclass(format('market_data.%I', $1::text))",
                    pqxx::params{table.hypertable});
            add(prefix + "compression", compressionDesired,
                actual ? std::format("segment by {}, order by {}, {}",
                             std::get<0>(*actual).value_or("nothing"),
                             std::get<1>(*actual).value_or("nothing"),
                             std::get<2>(*actual) ? "no bloom filter" : "bloom filters")
                       : "off",
                {table.compressAfter
                        ? std::format("ALTER TABLE {} SET (timescaledb.compress, "
                                      "timescaledb.compress_segmentby = 'instrument_id', "
                                      "timescaledb.compress_orderby = {}, "
                                      "timescaledb.compress_index = '')",
                              relation, quote(layout->orderBy))
                        : std::format(
                              "ALTER TABLE {} SET (timescaledb.compress = false)", relation)});
            addCompressAfter(
                prefix + "compress_after", "market_data", table.hypertable, table.compressAfter);
        }

        add(prefix + "drop_after", orNever(table.dropAfter.transform(pg)),
            orNever(
                tx.query01<std::string>("SELECT drop_after::text FROM "
                                        "market_data.retention_settings WHERE hypertable = $1",
                      pqxx::params{table.hypertable})
                    .transform([](auto row) { return std::get<0>(row); })),
            {table.dropAfter
                    ? std::format("INSERT INTO market_data.retention_settings VALUES ({}, "
                                  "{}::interval) ON CONFLICT (hypertable) DO UPDATE SET "
                                  "drop_after = excluded.drop_after",
                          quote(table.hypertable), quote(table.dropAfter->text()))
                    : std::format(
                          "DELETE FROM market_data.retention_settings WHERE hypertable = {}",
                          quote(table.hypertable))});
        // TSL: a refresh over trades that retention removed would recompute those bars from
        // what is left. So the trades must outlive the furthest a refresh policy looks back.
        if (tsl && table.hypertable == "trades" && table.dropAfter) {
            const auto [reach, within] = tx.query1<std::string, bool>(
                "SELECT r::text, $2::interval <= r FROM (SELECT greatest($1::interval, "
                "max(3 * bucket_width)) AS r FROM aggregates.levels) reach",
                pqxx::params{policy.refreshWindow.text(), table.dropAfter->text()});
            if (within)
                planned.back().refusal = std::format(
                    "refused: trades dropped after {} would still be inside the aggregates' "
                    "refresh window ({} back: at least three buckets of each level, and "
                    "refresh_window), and a refresh would then recompute the bars of those "
                    "days from the trades left and lose them; make drop_after longer than {}",
                    pg(*table.dropAfter), reach, reach);
        }
    }

    // The holds, in the order the database lists them (C collation, exchange-wide first).
    auto holds = policy.holds;
    std::ranges::sort(holds, [](const model::ComplianceHold &a, const model::ComplianceHold &b) {
        return std::tie(a.exchange, a.symbol) < std::tie(b.exchange, b.symbol);
    });
    std::string desiredHolds;
    std::vector<std::string> holdStatements{"DELETE FROM market_data.compliance_holds"};
    for (const auto &hold : holds) {
        desiredHolds += (desiredHolds.empty() ? "" : ", ") + hold.exchange
            + (hold.symbol ? ":" + *hold.symbol : "");
        holdStatements.push_back(std::format(
            "INSERT INTO market_data.compliance_holds (exchange, symbol, keep_for) VALUES ({}, "
            "{}, {}::interval)",
            quote(hold.exchange), hold.symbol ? quote(*hold.symbol) : "NULL",
            quote(policy.holdFor.text())));
    }
    add("compliance_hold", holds.empty() ? "none" : desiredHolds + " for " + pg(policy.holdFor),
        tx.query_value<std::string>(
            "SELECT coalesce(string_agg(exchange || coalesce(':' || symbol, ''), ', ' ORDER BY "
            "exchange COLLATE \"C\", symbol COLLATE \"C\" NULLS FIRST) || ' for ' || "
            "string_agg(DISTINCT keep_for::text, ' and '), 'none') "
            "FROM market_data.compliance_holds"),
        std::move(holdStatements));

    // Continuous-aggregate policies, level by level (TSL only).
    if (!tsl) {
        unavailable("aggregates.refresh_window", pg(policy.refreshWindow),
            "continuous aggregates need the TSL edition; here aggregates.ohlcv_* are tables "
            "that the refresh job updates exactly where new trades landed");
        unavailable("aggregates.compress_after",
            orNever(policy.aggregateCompressAfter.transform(pg)), apacheOnly);
    } else {
        // The finest level is a table the writer folds into (migration 0023), the others
        // continuous aggregates.
        const auto levels = tx.query<std::string, std::string, std::string, std::string, bool>(
            "SELECT relation, greatest($1::interval, 3 * bucket_width)::text, "
            "bucket_width::text, $2::interval::text, aggregates.is_continuous(relation) "
            "FROM aggregates.levels ORDER BY position",
            pqxx::params{policy.refreshWindow.text(), policy.refreshEvery.text()});
        for (const auto &[relation, start, end, every, continuous] : levels) {
            const std::string view = relation.substr(relation.find('.') + 1);
            if (continuous)
                add(relation + ".refresh_policy",
                    std::format("from {} to {}, every {}", start, end, every),
                    orNever(
                        tx.query01<std::string>(
                              "SELECT format('from %s to %s, every %s', (j.config->>"
                              "'start_offset')::interval, (j.config->>'end_offset')::interval, "
                              "j.schedule_interval) FROM timescaledb_information.jobs j "
                              "WHERE j.proc_name = 'policy_refresh_continuous_aggregate' AND "
                              "j.hypertable_schema = 'aggregates' AND j.hypertable_name = $1",
                              pqxx::params{view})
                            .transform([](auto row) { return std::get<0>(row); })),
                    {std::format("SELECT remove_continuous_aggregate_policy({}, if_exists => true)",
                         quote(relation)),
                        std::format("SELECT add_continuous_aggregate_policy({}, start_offset => "
                                    "{}::interval, end_offset => {}::interval, "
                                    "schedule_interval => {}::interval)",
                            quote(relation), quote(start), quote(end), quote(every))});
            // Compressed where it pays: the 1m and 5m levels hold nearly all the rows.
            if (view == "ohlcv_1m" || view == "ohlcv_5m") {
                const bool on = policy.aggregateCompressAfter.has_value();
                add(relation + ".compression", on ? "on" : "off",
                    tx.query_value<bool>(
                        "SELECT coalesce((SELECT compression_enabled FROM "
                        "timescaledb_information.hypertables WHERE hypertable_schema = "
                        "'aggregates' AND hypertable_name = $1), (SELECT compression_enabled "
                        "FROM timescaledb_information.continuous_aggregates WHERE view_schema = "
                        "'aggregates' AND view_name = $1))",
                        pqxx::params{view})
                        ? "on"
                        : "off",
                    // The writer upserts into the table: with TimescaleDB's own sparse index,
                    // as without it (compress_index = '') 2.29.2 crashes the backend on an
                    // upsert into a compressed chunk.
                    {!continuous && on
                            ? std::format("ALTER TABLE {} SET (timescaledb.compress, "
                                          "timescaledb.compress_segmentby = 'instrument_id', "
                                          "timescaledb.compress_orderby = 'bucket')",
                                  relation)
                            : std::format("ALTER {} {} SET (timescaledb.compress = {})",
                                  continuous ? "MATERIALIZED VIEW" : "TABLE", relation,
                                  on ? "true" : "false")});
                addCompressAfter(relation + ".compress_after", "aggregates", view,
                    policy.aggregateCompressAfter);
            }
        }
    }

    // Our jobs.
    struct Job
    {
        const char *name;
        const char *procedure;
        PolicyInterval every;
    };
    for (const Job &job : {Job{kRefreshJob, "aggregates.refresh_pending", policy.refreshEvery},
             Job{kRetentionJob, "market_data.run_retention", policy.retentionEvery},
             Job{kSampleJob, "audit.sample_storage", policy.sampleEvery}}) {
        const std::string setting = std::string("jobs.") + job.name;
        switch (scheduler.kind) {
        case Scheduler::Kind::TimescaleJobs: {
            const std::string procedure = job.procedure;
            const auto dot = procedure.find('.');
            const auto schema = procedure.substr(0, dot);
            const auto name = procedure.substr(dot + 1);
            add(setting, "every " + pg(job.every),
                orNever(
                    tx.query01<std::string>(
                          "SELECT 'every ' || schedule_interval::text FROM "
                          "timescaledb_information.jobs WHERE proc_schema = $1 AND "
                          "proc_name = $2 ORDER BY job_id LIMIT 1",
                          pqxx::params{schema, name})
                        .transform([](auto row) { return std::get<0>(row); })),
                {std::format("SELECT delete_job(job_id) FROM timescaledb_information.jobs "
                             "WHERE proc_schema = {} AND proc_name = {}",
                     quote(schema), quote(name)),
                    std::format("SELECT add_job({}, {}::interval)", quote(procedure),
                        quote(job.every.text()))});
            break;
        }
        case Scheduler::Kind::PgCron:
        case Scheduler::Kind::PgCronInstallable: {
            const auto schedule = cronSchedule(job.every);
            if (!schedule) {
                unavailable(setting, "every " + job.every.text(), schedule.error());
                break;
            }
            const auto actual = scheduler.kind == Scheduler::Kind::PgCron
                ? tx.query01<std::string>(
                        "SELECT 'cron ' || schedule FROM cron.job WHERE jobname = $1",
                        pqxx::params{std::string(job.name)})
                      .transform([](auto row) { return std::get<0>(row); })
                : std::nullopt;
            add(setting, "cron " + *schedule, orNever(actual),
                {std::format("SELECT cron.schedule({}, {}, {})", quote(job.name), quote(*schedule),
                    quote(std::format("CALL {}()", job.procedure)))});
            break;
        }
        case Scheduler::Kind::None:
            unavailable(setting, "every " + job.every.text(),
                "no scheduler on this server: run `tickscope policies run` every "
                    + job.every.text());
            break;
        }
    }
    return planned;
}

std::vector<PolicySetting> PolicyManager::compare(const model::StoragePolicy &policy)
{
    std::vector<PolicySetting> settings;
    for (auto &planned : plan(policy))
        settings.push_back(std::move(planned.setting));
    return settings;
}

PolicyApplyReport PolicyManager::apply(const model::StoragePolicy &policy, const Operator &by,
    bool dryRun, const std::function<void(const std::string &)> &progress)
{
    PolicyApplyReport report;
    for (auto &planned : plan(policy)) {
        if (planned.setting.state != PolicySetting::State::Differs)
            continue;
        const auto &setting = planned.setting;
        const ActionDetail detail{{"before", setting.actual}, {"after", setting.desired}};
        auto fail = [&](const std::string &why) {
            report.failures.push_back(setting.name + ": " + why);
            if (dryRun)
                return;
            pqxx::work tx{m_connection};
            recordAction(tx, by, "policy.apply", setting.name, detail, ActionOutcome::Failed);
            tx.commit();
        };
        if (!planned.refusal.empty()) {
            fail(planned.refusal);
            continue;
        }
        if (progress)
            progress(std::format("{} {}: {} -> {}", dryRun ? "would change" : "changing",
                setting.name, setting.actual, setting.desired));
        if (dryRun) {
            report.changed.push_back(setting);
            continue;
        }
        try {
            pqxx::work tx{m_connection};
            if (planned.asAdmin)
                tx.exec("SET LOCAL ROLE tickscope_admin");
            for (const auto &statement : planned.statements)
                tx.exec(statement);
            tx.exec("RESET ROLE");
            recordAction(tx, by, "policy.apply", setting.name, detail, ActionOutcome::Succeeded);
            tx.commit();
            report.changed.push_back(setting);
        } catch (const pqxx::failure &error) {
            fail(error.what());
        }
    }
    return report;
}

PolicyRunReport PolicyManager::runJobs(const Operator &by)
{
    PolicyRunReport report;
    pqxx::nontransaction tx{m_connection};
    // The procedures are tickscope_admin's, which may redefine them: they run with its rights,
    // never a superuser's, whoever calls (the embedded database's own login is a superuser).
    const bool superuser = tx.query_value<std::string>("SHOW is_superuser") == "on";
    if (superuser)
        tx.exec("SET ROLE tickscope_admin");
    const auto resetRole = qScopeGuard([&] {
        if (!superuser)
            return;
        try {
            tx.exec("RESET ROLE");
        } catch (const std::exception &) {
            // A broken connection has no role left to reset.
        }
    });
    const auto since = tx.query_value<std::string>("SELECT clock_timestamp()::text");
    report.bucketsRefreshed
        = tx.query_value<std::int64_t>("SELECT count(*) FROM aggregates.refresh_queue");
    refreshPendingAggregates(tx);
    tx.exec("CALL market_data.run_retention()");
    tx.exec("CALL audit.sample_storage()");
    const auto [dropped, pruned] = tx.query1<std::int64_t, std::int64_t>(
        "SELECT count(*) FILTER (WHERE action = 'retention.drop_chunk'), "
        "count(*) FILTER (WHERE action = 'retention.prune_chunk') "
        "FROM audit.operator_actions WHERE time >= $1::timestamptz",
        pqxx::params{since});
    report.chunksDropped = dropped;
    report.chunksPruned = pruned;
    recordAction(tx, by, "policies.run", "jobs",
        {{"buckets_refreshed", std::to_string(report.bucketsRefreshed)},
            {"chunks_dropped", std::to_string(report.chunksDropped)},
            {"chunks_pruned", std::to_string(report.chunksPruned)}},
        ActionOutcome::Succeeded);
    return report;
}

void refreshPendingAggregates(pqxx::nontransaction &tx, std::chrono::seconds patience)
{
    const auto giveUpAt = std::chrono::steady_clock::now() + patience;
    for (std::chrono::milliseconds wait{100};;
        wait = std::min(2 * wait, std::chrono::milliseconds(2'000))) {
        try {
            tx.exec("CALL aggregates.refresh_pending()");
            return;
        } catch (const pqxx::sql_error &error) {
            const bool concurrent = error.sqlstate() == "55P03"
                || (error.sqlstate() == "XX000"
                    && std::string_view(error.what()).contains("concurrently"));
            if (!concurrent || std::chrono::steady_clock::now() + wait > giveUpAt)
                throw;
        }
        std::this_thread::sleep_for(wait);
    }
}

} // namespace tickscope::db
