// The policy manager on both editions (built twice, like test_ohlcv): after apply, `policies
// show` reports no difference and a second apply changes nothing, every change audited;
// retention drops exactly the chunks past the limit and keeps the rows under the compliance
// hold; what an edition cannot do is reported unavailable with the reason. The database's own
// scheduler (pg_cron on the Apache edition, TimescaleDB's background jobs on the TSL edition)
// then corrects a bucket after a late trade, with no Tickscope process running, and counts no
// failed run.
#include "app/config/config.h"
#include "db/connection.h"
#include "db/policy_manager.h"
#include "db/storage_queries.h"
#include "tests/support/edition_database.h"
#include "tests/support/run_tickscope.h"

#include <QDeadlineTimer>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>
#include <algorithm>
#include <format>
#include <memory>
#include <pqxx/pqxx>

using namespace tickscope;
using State = model::PolicySetting::State;

namespace {

const db::Operator kTester{.osUser = "tester", .host = "testhost"};

std::int64_t count(pqxx::connection &connection, const std::string &query)
{
    return pqxx::nontransaction{connection}.query_value<std::int64_t>(query);
}

// A config file of these lines in `directory`.
QString writeConfig(const QTemporaryDir &directory, const QString &toml)
{
    const QString path = directory.filePath(QStringLiteral("tickscope.toml"));
    QFile file{path};
    if (!file.open(QIODevice::WriteOnly) || file.write(toml.toUtf8()) < 0)
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

// The policy of a config file with these lines, parsed as `tickscope` parses it.
model::StoragePolicy policyOf(const QString &toml)
{
    QTemporaryDir directory;
    auto config = app::loadConfig(writeConfig(directory, toml), true);
    if (!config)
        qFatal("%s", config.error().c_str());
    return config->policy;
}

const model::PolicySetting &setting(
    const std::vector<model::PolicySetting> &settings, const std::string &name)
{
    const auto found = std::ranges::find(settings, name, &model::PolicySetting::name);
    if (found == settings.end())
        qFatal("no setting %s", name.c_str());
    return *found;
}

} // namespace

class TestPolicies : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
        try {
            // The embedded cluster's pg_cron runs jobs in the database named "tickscope".
            m_database = std::make_unique<testing::EditionDatabase>("tickscope");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void applyMakesActualMatchDesiredOnce()
    {
        const auto policy = policyOf(QStringLiteral(R"(
[policies]
hold = ["keep", "mixed:HELD"]
hold_for = "60 days"
refresh_every = "1 minute"
[policies.trades]
drop_after = "30 days"
chunk_interval = "12 hours"
[policies.book_deltas]
drop_after = "never"
compress_after = "2 days"
)"));
        auto connection = db::connect(m_database->conninfo(), "test");
        db::PolicyManager manager{connection};
        const auto before = manager.compare(policy);
        QVERIFY(std::ranges::count(before, State::Differs, &model::PolicySetting::state) > 3);
        QCOMPARE(setting(before, "trades.chunk_interval").actual, std::string("1 day"));

        const auto applied = manager.apply(policy, kTester, false);
        QVERIFY2(applied.failures.empty(),
            applied.failures.empty() ? "" : applied.failures.front().c_str());
        QVERIFY(!applied.changed.empty());
        const auto after = manager.compare(policy);
        for (const auto &each : after)
            QVERIFY2(each.state != State::Differs,
                (each.name + ": " + each.desired + " against " + each.actual).c_str());
        QCOMPARE(
            setting(after, "compliance_hold").actual, std::string("keep, mixed:HELD for 60 days"));
        QCOMPARE(setting(after, "trades.drop_after").actual, std::string("30 days"));
        QCOMPARE(setting(after, "book_deltas.drop_after").actual, std::string("never"));
        QVERIFY(manager.apply(policy, kTester, false).changed.empty());
        QCOMPARE(count(connection,
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'policy.apply' "
                     "AND outcome = 'succeeded' AND os_user = 'tester' AND host = 'testhost'"),
            static_cast<std::int64_t>(applied.changed.size()));

        // The Storage page's reading of the same database: the jobs apply scheduled, and a
        // freshness row per aggregate level.
        const auto storage = db::readStorageStatus(connection, policy);
        QCOMPARE(storage.aggregates.size(), std::size_t(6));
        QCOMPARE(storage.compressionAvailable, testing::EditionDatabase::tsl());
        const auto refreshJob = std::ranges::find_if(storage.jobs, [](const auto &job) {
            return job.name == "aggregates.refresh_pending"
                || job.name == "tickscope_refresh_aggregates";
        });
        QVERIFY(refreshJob != storage.jobs.end());
        QCOMPARE(refreshJob->scheduler,
            std::string(testing::EditionDatabase::tsl() ? "timescaledb" : "pg_cron"));

        // What one edition cannot do, the other does.
        const auto compression = setting(after, "book_deltas.compress_after");
        if (testing::EditionDatabase::tsl()) {
            QCOMPARE(compression.state, State::Matches);
            QCOMPARE(compression.actual, std::string("2 days"));
            // Without the bloom filter TimescaleDB would add for the unique key (a byte a trade).
            QCOMPARE(setting(after, "trades.compression").actual,
                std::string("segment by instrument_id, order by \"time\" DESC,trade_id,"
                            "trade_uuid,trade_ref, no bloom filter"));
            // In batches of 5000 rows, also in a session that did not set it (as the jobs').
            QCOMPARE(setting(after, "compression.batch_rows").actual, std::string("5000"));
            auto another = db::connect(m_database->conninfo(), "test");
            // The trades' compression job, which apply has just started, would compress the
            // same chunk as the compress_chunk below, and one of the two would fail: paused and
            // waited for (from the scheduler's mark of a run started) while this compresses.
            const auto pauseTradesCompression = [&](bool paused) {
                pqxx::nontransaction{another}.exec(std::format(
                    "SELECT alter_job(job_id, scheduled => {}) FROM timescaledb_information.jobs "
                    "WHERE proc_name = 'policy_compression' AND hypertable_name = 'trades'",
                    paused ? "false" : "true"));
            };
            pauseTradesCompression(true);
            QTRY_COMPARE(count(another,
                             "SELECT count(*) FROM _timescaledb_internal.bgw_job_stat s JOIN "
                             "timescaledb_information.jobs j USING (job_id) WHERE "
                             "j.proc_name = 'policy_compression' AND j.hypertable_name = "
                             "'trades' AND s.last_finish = '-infinity'"),
                std::int64_t{0});
            {
                pqxx::nontransaction tx{another};
                tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                        "quote_asset) VALUES ('bloom', 'BTCUSDT', 'BTC', 'USDT')");
                tx.exec("INSERT INTO market_data.trades (time, received_after_us, "
                        "instrument_id, trade_uuid, price_units, price_scale, size_units, "
                        "size_scale, side) SELECT date_trunc('day', now()) - interval '10 days' "
                        "+ n * interval '1 s', 0, instrument_id, md5(n::text)::uuid, 100, 0, 1, "
                        "0, 'B' FROM market_data.instruments, generate_series(1, 6000) n WHERE "
                        "exchange = 'bloom'");
            }
            QCOMPARE(count(another,
                         "SELECT count(*) FROM (SELECT compress_chunk(c) FROM show_chunks("
                         "'market_data.trades', older_than => now() - interval '9 days') c) x"),
                std::int64_t{1});
            pauseTradesCompression(false);
            const auto batches = pqxx::nontransaction{connection}.query_value<std::string>(
                "SELECT s.compress_relid::text FROM _timescaledb_catalog.compression_settings s "
                "WHERE s.relid IN (SELECT show_chunks('market_data.trades', older_than => now() "
                "- interval '9 days'))");
            QCOMPARE(count(connection, "SELECT count(*) FROM " + batches), std::int64_t{2});
            QCOMPARE(count(connection,
                         "SELECT count(*) FROM _timescaledb_catalog.compression_settings s JOIN "
                         "pg_attribute a ON a.attrelid = s.compress_relid WHERE s.relid IN "
                         "(SELECT show_chunks('market_data.trades')) AND a.attname LIKE "
                         "'%bloom%'"),
                std::int64_t{0});
            QCOMPARE(setting(after, "jobs.tickscope_refresh_aggregates").actual,
                std::string("every 00:01:00"));
        } else {
            QCOMPARE(compression.state, State::Unavailable);
            QVERIFY(compression.note.find("Apache edition") != std::string::npos);
            QCOMPARE(setting(after, "scheduler").actual, std::string("pg_cron"));
            QCOMPARE(setting(after, "jobs.tickscope_refresh_aggregates").actual,
                std::string("cron * * * * *"));
        }
    }

    void commandLineShowsAndAppliesTheConfigFile()
    {
        QTemporaryDir directory;
        const QString config = writeConfig(directory,
            QStringLiteral("[policies]\nhold = [\"keep\", \"mixed:HELD\"]\nhold_for = \"60 days\"\n"
                           "[policies.trades]\ndrop_after = \"30 days\"\n"
                           "chunk_interval = \"12 hours\"\n[policies.book_deltas]\n"
                           "drop_after = \"never\"\ncompress_after = \"2 days\"\n"
                           "[policies.book_snapshots]\ndrop_after = \"90 days\"\n"));
        const QStringList common{
            QStringLiteral("--config"), config, QStringLiteral("--db"), conninfo()};

        auto show = testing::runTickscope(QStringList{"policies", "show"} + common);
        QCOMPARE(show.exitCode, 0);
        QVERIFY2(show.out.contains(QStringLiteral("1 setting(s) differ")), qPrintable(show.out));
        QVERIFY(show.out.contains(
            QRegularExpression(QStringLiteral("book_snapshots.drop_after +90 days +1 year"))));

        auto dryRun = testing::runTickscope(QStringList{"policies", "apply", "--dry-run"} + common);
        QCOMPARE(dryRun.exitCode, 0);
        QVERIFY2(dryRun.out.contains(QStringLiteral("would change book_snapshots.drop_after: "
                                                    "1 year -> 90 days")),
            qPrintable(dryRun.out));
        QVERIFY(testing::runTickscope(QStringList{"policies", "show"} + common)
                .out.contains(QStringLiteral("1 setting(s) differ")));

        auto apply = testing::runTickscope(QStringList{"policies", "apply"} + common);
        QCOMPARE(apply.exitCode, 0);
        QVERIFY(apply.out.contains(QStringLiteral("1 setting(s) changed.")));
        show = testing::runTickscope(QStringList{"policies", "show"} + common);
        QVERIFY2(show.out.contains(QStringLiteral("No difference.")), qPrintable(show.out));

        const auto wrong = testing::runTickscope({"policies", "apply", "--dry-run", "show"});
        QCOMPARE(wrong.exitCode, 2);
        const auto badAction = testing::runTickscope({"policies", "drop"});
        QCOMPARE(badAction.exitCode, 2);
        QVERIFY2(badAction.err.contains(QStringLiteral("'drop' is no action; use show, apply or "
                                                       "run")),
            qPrintable(badAction.err));
    }

    void retentionDropsWhatIsPastAndKeepsTheHold()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        {
            pqxx::work tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('keep', 'AAA', 'A', 'U'), ('gone', 'BBB', 'B', 'U'), "
                    "('mixed', 'HELD', 'H', 'U'), ('mixed', 'FREE', 'F', 'U')");
            // One trade per instrument 100, 45 and 1 day(s) ago, and at 29 days (inside 30).
            tx.exec(
                "INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                "trade_id, price_units, price_scale, size_units, size_scale, side) "
                "SELECT t.traded, (extract(epoch FROM now() - t.traded) * 1000000)::bigint, "
                "i.instrument_id, age, 1, 0, 1, 0, 'B' FROM market_data.instruments i, "
                "unnest(ARRAY[100, 45, 29, 1]) AS age, LATERAL (SELECT date_trunc('day', now()) "
                "- age * interval '1 day' + interval '3 hours' AS traded) t "
                "WHERE i.exchange IN ('keep', 'gone', 'mixed')");
            tx.commit();
        }
        const auto chunksBefore = count(connection,
            "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = "
            "'trades'");
        db::PolicyManager manager{connection};
        const auto report = manager.runJobs(kTester);
        // 100 days: past the hold too, the chunk goes (12-hour chunks: one of them holds it).
        // 45 days: past drop_after but held: only the held instruments' rows stay.
        QCOMPARE(report.chunksDropped, std::int64_t(1));
        QCOMPARE(report.chunksPruned, std::int64_t(1));
        QCOMPARE(count(connection,
                     "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name "
                     "= 'trades'"),
            chunksBefore - 1);
        pqxx::nontransaction tx{connection};
        QCOMPARE(tx.query_value<std::string>(
                     "SELECT string_agg(i.exchange || ':' || i.symbol || '@' || t.trade_id, ' ' "
                     "ORDER BY t.trade_id DESC, i.exchange, i.symbol) FROM market_data.trades t "
                     "JOIN market_data.instruments i USING (instrument_id)"),
            std::string("keep:AAA@45 mixed:HELD@45 gone:BBB@29 keep:AAA@29 mixed:FREE@29 "
                        "mixed:HELD@29 gone:BBB@1 keep:AAA@1 mixed:FREE@1 mixed:HELD@1"));
        QCOMPARE(tx.query_value<std::string>(
                     "SELECT detail->>'rows_deleted' || ' ' || (detail->>'held_instruments') "
                     "FROM audit.operator_actions WHERE action = 'retention.prune_chunk'"),
            std::string("2 2"));
    }

    void theSchedulerCorrectsABucketWithoutTickscope()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        auto policy = policyOf(QStringLiteral("[policies]\nrefresh_every = \"1 second\"\n"));
        db::PolicyManager manager{connection};
        const auto applied = manager.apply(policy, kTester, false);
        QVERIFY(applied.failures.empty());
        // A late trade, as the writer stores one: the trade and its minute in the queue.
        {
            pqxx::work tx{connection};
            tx.exec("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, price_units, price_scale, size_units, size_scale, side) SELECT "
                    "t.traded, (extract(epoch FROM now() - t.traded) * 1000000)::bigint, "
                    "instrument_id, 9999, 1235, 1, 2, 0, 'S' FROM market_data.instruments, "
                    "(SELECT date_trunc('day', now()) - interval '1 day' + "
                    "interval '3 hours 30 seconds' AS traded) t WHERE exchange = 'keep'");
            tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) SELECT "
                    "instrument_id, date_trunc('day', now()) - interval '1 day' + interval "
                    "'3 hours' FROM market_data.instruments WHERE exchange = 'keep'");
            tx.commit();
        }
        const QDeadlineTimer deadline{30'000};
        std::string bar;
        while (!deadline.hasExpired()) {
            bar = pqxx::nontransaction{connection}.query_value<std::string>(
                "SELECT coalesce(max(open || ' ' || close || ' ' || volume || ' ' || trades), "
                "'none') FROM aggregates.ohlcv WHERE exchange = 'keep' AND interval = '1m' AND "
                "time = date_trunc('day', now()) - interval '1 day' + interval '3 hours'");
            if (bar != "none")
                break;
            QThread::msleep(250);
        }
        QCOMPARE(bar, std::string("1 123.5 3 2"));
        if (!testing::EditionDatabase::tsl()) {
            // pg_cron records the run as succeeded after its transaction made the bar visible.
            QTRY_VERIFY_WITH_TIMEOUT(count(connection,
                                         "SELECT count(*) FROM cron.job_run_details WHERE "
                                         "status = 'succeeded'")
                    > 0,
                10'000);
            return;
        }
        // TimescaleDB counts a run once its worker has finished, a moment after the work is
        // committed. PostgreSQL 17.12 failed every run after its work (scripts/timescaledb-tsl).
        const QDeadlineTimer counted{10'000};
        std::int64_t successes = 0;
        while (!counted.hasExpired() && successes == 0) {
            successes = count(connection,
                "SELECT coalesce(sum(total_successes), 0) FROM timescaledb_information.job_stats "
                "WHERE job_id IN (SELECT job_id FROM timescaledb_information.jobs WHERE "
                "proc_name = 'refresh_pending')");
            QThread::msleep(100);
        }
        QVERIFY(successes > 0);
        const auto failures = pqxx::nontransaction{connection}.query_value<std::string>(
            "SELECT count(*) || ' ' || coalesce(string_agg(DISTINCT err_message, '; '), '') "
            "FROM timescaledb_information.job_errors");
        QCOMPARE(failures, std::string("0 "));
    }

    // TSL: a level just refreshed by its policy is fresh on the Storage page, though the policy
    // leaves its newest whole bucket to real-time aggregation (end_offset): the 5-minute level's
    // watermark then trails now by 5 to 10 minutes.
    void aLevelItsPolicyRefreshedIsFresh()
    {
        if (!testing::EditionDatabase::tsl())
            QSKIP("the Apache edition's tables are exact up to their queue");
        auto connection = db::connect(m_database->conninfo(), "test");
        auto policy = policyOf(QStringLiteral("[policies]\nrefresh_every = \"1 second\"\n"));
        QVERIFY(db::PolicyManager{connection}.apply(policy, kTester, false).failures.empty());
        {
            pqxx::nontransaction tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) VALUES ('fresh', 'BTCUSDT', 'BTC', 'USDT')");
            // A trade every 30 s: TimescaleDB's watermark is the end of the newest bucket
            // materialized with rows, so a lone trade would set it wherever that trade fell.
            tx.exec("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, price_units, price_scale, size_units, size_scale, side) SELECT "
                    "now() - n * interval '30 seconds', n * 30000000, instrument_id, n, 10, 0, 1, "
                    "0, 'B' FROM market_data.instruments, generate_series(1, 30) AS n "
                    "WHERE exchange = 'fresh'");
            // Not in the first seconds of a 5-minute bucket, where a watermark is a bucket newer.
            QThread::sleep(std::chrono::seconds(3
                - std::min<std::int64_t>(3,
                    tx.query_value<std::int64_t>(
                        "SELECT extract(epoch FROM now())::bigint % 300"))));
            // Into the 1-minute table as the writer's queue has them recomputed (migration
            // 0023), then the 5-minute aggregate's policy over it.
            tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) SELECT DISTINCT "
                    "instrument_id, date_trunc('minute', time) FROM market_data.trades");
            tx.exec("CALL aggregates.refresh_tables()");
            tx.exec(std::format("CALL run_job({})",
                tx.query_value<int>(
                    "SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = "
                    "'policy_refresh_continuous_aggregate' AND hypertable_name = 'ohlcv_5m'")));
        }
        const auto status = db::readStorageStatus(connection, policy);
        const auto level = std::ranges::find(status.aggregates, std::string("aggregates.ohlcv_5m"),
            &model::AggregateFreshness::name);
        QVERIFY(level != status.aggregates.end() && level->watermark);
        QVERIFY2(level->lagSeconds >= 300 && level->lagSeconds <= level->allowedLagSeconds,
            qPrintable(QStringLiteral("%1 s behind, %2 s allowed")
                    .arg(level->lagSeconds)
                    .arg(level->allowedLagSeconds)));
    }

    // A failed run of a scheduled job shows its error on the Storage page; on the TSL edition
    // the error of PostgreSQL 17.12 with TimescaleDB's job runner is explained.
    void aFailedJobSaysWhy()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        const auto exec = [&](const char *sql) {
            pqxx::nontransaction{connection}.exec(sql);
        };
        exec("CREATE PROCEDURE public.fails(job_id int, config jsonb) LANGUAGE plpgsql AS $$ "
             "BEGIN RAISE EXCEPTION 'cannot drop portal \"\" while it is being set up'; "
             "END $$");
        if (testing::EditionDatabase::tsl())
            exec("SELECT add_job('public.fails', '1 hour', initial_start => now())");
        else
            exec("SELECT cron.schedule('fails', '1 seconds', 'CALL public.fails(0, null)')");
        const QDeadlineTimer deadline{30'000};
        std::string message;
        while (!deadline.hasExpired() && message.empty()) {
            const auto storage = db::readStorageStatus(connection, {});
            const auto job = std::ranges::find_if(storage.jobs,
                [](const auto &job) { return job.name == "public.fails" || job.name == "fails"; });
            QVERIFY(job != storage.jobs.end());
            if (job->lastResult == "failed")
                message = job->lastMessage;
            else
                QThread::msleep(200);
        }
        if (testing::EditionDatabase::tsl()) {
            QVERIFY2(message.starts_with("the job's work was committed; then TimescaleDB's job "
                                         "runner failed to drop its portal"),
                message.c_str());
            exec("SELECT delete_job(job_id) FROM timescaledb_information.jobs WHERE "
                 "proc_name = 'fails'");
        } else {
            QVERIFY2(message.starts_with("ERROR: cannot drop portal \"\" while it is being set up"),
                message.c_str());
            exec("SELECT cron.unschedule('fails')");
        }
    }

    // On the TSL edition trades kept for less than the aggregates' refresh window are refused,
    // as a refresh would recompute the bars of the days retention emptied; the rest applies.
    void tradesMustOutliveTheRefreshWindow()
    {
        const auto policy = policyOf(QStringLiteral(R"(
[policies]
refresh_every = "1 minute"
[policies.trades]
drop_after = "2 days"
[policies.book_deltas]
drop_after = "20 days"
)"));
        auto connection = db::connect(m_database->conninfo(), "test");
        db::PolicyManager manager{connection};
        const auto before = setting(manager.compare(policy), "trades.drop_after").actual;
        QVERIFY(before != "2 days");
        const auto applied = manager.apply(policy, kTester, false);
        const auto after = manager.compare(policy);
        QCOMPARE(setting(after, "book_deltas.drop_after").actual, std::string("20 days"));
        if (!testing::EditionDatabase::tsl()) {
            QVERIFY(applied.failures.empty());
            QCOMPARE(setting(after, "trades.drop_after").actual, std::string("2 days"));
            return;
        }
        QCOMPARE(applied.failures.size(), std::size_t(1));
        QVERIFY2(applied.failures.front().starts_with(
                     "trades.drop_after: refused: trades dropped after 2 days would still be "
                     "inside the aggregates' refresh window (3 days back"),
            applied.failures.front().c_str());
        QCOMPARE(setting(after, "trades.drop_after").actual, before);
        QCOMPARE(count(connection,
                     "SELECT count(*) FROM audit.operator_actions WHERE action = 'policy.apply' "
                     "AND target = 'trades.drop_after' AND outcome = 'failed'"),
            std::int64_t(1));
    }

private:
    QString conninfo() const { return QString::fromStdString(m_database->conninfo()); }

    std::unique_ptr<testing::EditionDatabase> m_database;
};

QTEST_GUILESS_MAIN(TestPolicies)
#include "test_policies.moc"
