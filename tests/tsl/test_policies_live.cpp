// TimescaleDB's background workers run Tickscope's policies by themselves while `tickscope ingest`
// streams a simulated Binance into the TSL edition's real server: with 5-second chunks the
// compression policy compresses every chunk past compress_after as the stream goes on, the
// continuous aggregates' refresh policies run every 2 seconds, no job fails, every trade sent is
// stored exactly once, and every aggregate level equals plain SQL over the trades, in the middle
// of the stream too (the bucket still filling is real-time, not a refresh's stale copy).
// Retention runs every 2 seconds too: drop_after must exceed the aggregates' refresh window of
// 3 buckets of a day, which live times cannot reach, so trades five days old are written beside
// the stream; while it goes on, the job drops the chunk that holds only a streamed symbol's old
// rows, deletes them from the chunk they share with a held symbol, and keeps every held row.
#include "app/sim/binance_simulator.h"
#include "db/connection.h"
#include "db/policy_manager.h"
#include "tests/support/edition_database.h"
#include "tests/support/ohlcv_check.h"
#include "tests/support/simulated_ingest.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <format>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

constexpr int kSeconds = 40; // of simulated trading
const std::vector<std::string> kSymbols{"BTCUSDT", "ETHUSDT"};

std::int64_t query(pqxx::connection &connection, const std::string &sql)
{
    return pqxx::nontransaction{connection}.query_value<std::int64_t>(sql);
}

constexpr std::int64_t kHeldOldTrades = 20;

// Trades five days old: in one chunk 20 of SOLUSDT (held, not streamed) and 20 of BTCUSDT, in
// the next 10 of BTCUSDT alone, all received at `start`. Written by SQL: their old times are all
// that matters here.
void writeTradesFiveDaysOld(pqxx::connection &connection)
{
    pqxx::work tx{connection};
    tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
            "VALUES ('binance', 'SOLUSDT', 'SOL', 'USDT')");
    tx.exec("WITH start AS (SELECT date_trunc('minute', now() - interval '5 days') AS at) "
            "INSERT INTO market_data.trades (time, received_after_us, instrument_id, trade_id, "
            "price_units, price_scale, size_units, size_scale, side) SELECT s.at + n * interval "
            "'1 ms' + chunk * interval '30 s', -(n * 1000 + chunk * 30000000), "
            "i.instrument_id, 9000000000 + n + 100 * chunk, 100, 0, 1, 0, 'B' FROM start s, "
            "market_data.instruments i, generate_series(1, 20) n, generate_series(0, 1) chunk "
            "WHERE i.exchange = 'binance' AND (i.symbol = 'SOLUSDT' AND chunk = 0 "
            "OR i.symbol = 'BTCUSDT' AND n <= 20 - 10 * chunk)");
    tx.commit();
}

std::string oldTradesOf(const char *symbol)
{
    return std::format("SELECT count(*) FROM market_data.trades t JOIN market_data.instruments i "
                       "USING (instrument_id) WHERE i.symbol = '{}' AND t.time < now() - "
                       "interval '4 days'",
        symbol);
}

} // namespace

class TestPoliciesLive : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
        static_assert(testing::EditionDatabase::tsl(), "the policies run by themselves on TSL");
    }

    void policiesRunByThemselvesWhileIngestStreams()
    {
        testing::EditionDatabase database{"live"};
        auto connection = db::connect(database.conninfo(), "test");
        model::StoragePolicy policy;
        for (auto &table : policy.hypertables) {
            table.chunkInterval = {5, model::PolicyInterval::Unit::Seconds};
            table.compressAfter = model::PolicyInterval{5, model::PolicyInterval::Unit::Seconds};
            table.dropAfter = model::PolicyInterval{4, model::PolicyInterval::Unit::Days};
        }
        policy.refreshEvery = {2, model::PolicyInterval::Unit::Seconds};
        policy.retentionEvery = {2, model::PolicyInterval::Unit::Seconds};
        policy.holds = {{"binance", "SOLUSDT"}};
        const auto applied = db::PolicyManager{connection}.apply(
            policy, {.osUser = "test", .host = "test"}, false);
        if (!applied.failures.empty())
            QFAIL(applied.failures.front().c_str());

        sim::BinanceSimulator::Options options = testing::simulation(kSymbols, 400, kSeconds, 27);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        QTemporaryDir dir;
        const QString configPath = testing::writeIngestConfig(simulator, dir.path());
        QSignalSpy finished{&simulator, &sim::BinanceSimulator::finished};
        QProcess ingest;
        ingest.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        ingest.start(QStringLiteral(TICKSCOPE_BINARY),
            {QStringLiteral("ingest"), QStringLiteral("--config"), configPath,
                QStringLiteral("--db"), QString::fromStdString(database.conninfo())});
        // Mid-stream, the bars of the buckets still filling come from the trades themselves.
        QTRY_VERIFY_WITH_TIMEOUT(
            testing::tradesStored(database.conninfo()) > 400 * kSeconds / 2, 60'000);
        const std::string recentDays = pqxx::nontransaction{connection}.query_value<std::string>(
            "SELECT date_trunc('day', now() - interval '1 day', 'UTC')::text");
        for (const char *level : {"1m", "1d"})
            QVERIFY2(
                testing::ohlcvRowsDifferingFromTrades(connection, level, recentDays) == 0, level);
        writeTradesFiveDaysOld(connection);
        QTRY_COMPARE_WITH_TIMEOUT(
            query(connection, oldTradesOf("BTCUSDT")), std::int64_t{0}, 20'000);
        QVERIFY(finished.isEmpty()); // pruned while the stream went on
        QVERIFY(finished.wait((kSeconds + 30) * 1000));
        QTRY_COMPARE_WITH_TIMEOUT(testing::tradesStored(database.conninfo()) - kHeldOldTrades,
            testing::tradesSent(simulator), 30'000);
        // Compressed by the job, not by us: every chunk that ended past compress_after plus two
        // of the job's runs (every 2.5 s) ago.
        QTRY_COMPARE_WITH_TIMEOUT(
            query(connection,
                "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = "
                "'trades' AND NOT is_compressed AND range_end < now() - interval '12 seconds'"),
            std::int64_t{0}, 15'000);
        QVERIFY(query(connection,
                    "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = "
                    "'trades' AND is_compressed")
            >= kSeconds / 5 - 3);
        ::kill(static_cast<pid_t>(ingest.processId()), SIGINT);
        QTRY_COMPARE_WITH_TIMEOUT(ingest.state(), QProcess::NotRunning, 60'000);
        QCOMPARE(ingest.exitStatus(), QProcess::NormalExit);
        QCOMPARE(ingest.exitCode(), 0);
        testing::verifyTrades(connection, simulator.report(), kSymbols);

        // Each refresh policy ran (the five continuous aggregates above the writer's 1-minute
        // table), the trades' compression policy more than once, no job failed.
        QCOMPARE(query(connection,
                     "SELECT count(*) FROM timescaledb_information.jobs j JOIN "
                     "timescaledb_information.job_stats s USING (job_id) WHERE j.proc_name = "
                     "'policy_refresh_continuous_aggregate' AND s.total_successes > 0"),
            std::int64_t{5});
        QVERIFY(query(connection,
                    "SELECT min(s.total_successes) FROM timescaledb_information.jobs j JOIN "
                    "timescaledb_information.job_stats s USING (job_id) WHERE j.proc_name = "
                    "'policy_compression' AND j.hypertable_name = 'trades'")
            >= 2);
        QCOMPARE(pqxx::nontransaction{connection}.query_value<std::string>(
                     "SELECT count(*) || ' ' || coalesce(string_agg(DISTINCT err_message, '; '), "
                     "'') FROM timescaledb_information.job_errors"),
            std::string("0 "));
        for (const char *level : {"1m", "5m", "15m", "1h", "4h", "1d"})
            QVERIFY2(
                testing::ohlcvRowsDifferingFromTrades(connection, level, recentDays) == 0, level);

        // Retention, by its job: one chunk dropped whole, one pruned, the held rows kept.
        QCOMPARE(query(connection, oldTradesOf("SOLUSDT")), kHeldOldTrades);
        for (const char *action : {"retention.drop_chunk", "retention.prune_chunk"})
            QVERIFY2(query(connection,
                         std::format("SELECT count(*) FROM audit.operator_actions WHERE action = "
                                     "'{}'",
                             action))
                    > 0,
                action);
        QVERIFY(query(connection,
                    "SELECT s.total_successes FROM timescaledb_information.jobs j JOIN "
                    "timescaledb_information.job_stats s USING (job_id) WHERE j.proc_name = "
                    "'run_retention'")
            > 0);
        simulator.stop();
    }
};

QTEST_GUILESS_MAIN(TestPoliciesLive)
#include "test_policies_live.moc"
