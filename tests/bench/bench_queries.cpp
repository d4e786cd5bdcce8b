// How fast are the desk's queries on recent data? One PostgreSQL 17 + TimescaleDB cluster with
// 20 million stored trades (50 instruments, 7 days up to now) and their 1-minute OHLCV for the
// last day; each query runs many times warm, and the program prints p50 and p99:
//   1. the last 5 minutes of one symbol (by instrument id, and through the request's `ticks` view
//      by exchange and symbol text, as a baseline a person would write first),
//   2. the latest trade of every symbol (the writer's table, and the hypertable as a baseline),
//   3. 1-minute OHLCV for the last 24 h of one symbol, from aggregates.ohlcv,
//   4. a 1-hour series of volume bars (trades read and bars built in C++),
//   5. a point-in-time export of one hour (db::TradeExport with --as-of, to memory).
// Goals (issue 12): p99 under 1 ms for 1 and 2, under 5 ms for 3.
// --edition tsl runs it on the TSL build and then times the desk's questions about data a day old
// (the last 5 minutes of one symbol as of then, the 1-minute OHLCV of the day before as `bars`
// and the API read it, an hour's point-in-time export) twice: as loaded, and after every chunk of
// the trades and of the 1-minute aggregates that ended before today is compressed (issue 27).
//
//   bench_queries [TRADES] [--edition apache|tsl]     (default 20000000, apache)
#include "app/analytics/bar_builder.h"
#include "db/ohlcv_queries.h"
#include "db/policy_manager.h"
#include "db/trade_export.h"
#include "db/trade_queries.h"
#include "tests/bench/bench_support.h"

#include <QCoreApplication>
#include <cstdio>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <random>
#include <vector>

using namespace tickscope;
using bench::Clock;

namespace {

constexpr int kInstruments = 50;

struct Latency
{
    double p50Ms = 0;
    double p99Ms = 0;
};

Latency measure(int runs, const std::function<void(int)> &query)
{
    for (int i = 0; i < runs / 10 + 1; ++i) // warm the caches and the plans
        query(i);
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        const auto started = Clock::now();
        query(i);
        ms.push_back(bench::seconds(Clock::now() - started) * 1000);
    }
    std::ranges::sort(ms);
    return {ms[ms.size() / 2], ms[std::min(ms.size() - 1, ms.size() * 99 / 100)]};
}

void report(const char *name, const Latency &latency, double goalMs = 0)
{
    std::printf("%-58s p50 %8.3f ms  p99 %8.3f ms%s\n", name, latency.p50Ms, latency.p99Ms,
        goalMs == 0                  ? ""
            : latency.p99Ms < goalMs ? std::format("  (goal p99 < {} ms: met)", goalMs).c_str()
                                     : std::format("  (goal p99 < {} ms: MISSED)", goalMs).c_str());
    std::fflush(stdout);
}

constexpr std::int64_t kHourNs = 3'600'000'000'000;

std::int64_t nowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// The TSL edition's compression settings of Tickscope's policy, with nothing scheduled to
// compress, refresh or drop while the benchmark times: it compresses by itself below.
void configureCompression(pqxx::connection &connection)
{
    model::StoragePolicy policy;
    for (auto &table : policy.hypertables) {
        table.compressAfter = model::PolicyInterval{10, model::PolicyInterval::Unit::Years};
        table.dropAfter.reset();
    }
    policy.aggregateCompressAfter = model::PolicyInterval{10, model::PolicyInterval::Unit::Years};
    policy.refreshEvery = {1, model::PolicyInterval::Unit::Days};
    const auto applied
        = db::PolicyManager{connection}.apply(policy, {.osUser = "bench", .host = "bench"}, false);
    if (!applied.failures.empty())
        throw std::runtime_error(applied.failures.front());
}

// The desk's questions about the trades of a day ago, timed on `connection` as it stands.
void dayOldQueries(pqxx::connection &connection, std::mt19937 &random, std::int64_t &rows)
{
    const std::int64_t dayAgoNs = nowNs() - 24 * kHourNs;
    auto instrument = [&] {
        return 1 + static_cast<int>(random() % kInstruments);
    };
    auto tx = std::make_unique<pqxx::nontransaction>(connection);
    connection.prepare("as_of",
        "SELECT time, market_data.to_numeric(price_units, price_scale) AS price, "
        "market_data.to_numeric(size_units, size_scale) AS size, side FROM market_data.trades "
        "WHERE instrument_id = $1 AND time > to_timestamp($2 / 1e9) - interval '5 minutes' AND "
        "time <= to_timestamp($2 / 1e9) ORDER BY time DESC");
    report("a. last 5 minutes of one symbol as of a day ago", measure(2000, [&](int) {
        rows += tx->exec(pqxx::prepped{"as_of"}, pqxx::params{instrument(), dayAgoNs}).size();
    }));
    tx.reset(); // the next ones open their own transactions
    const auto minutes = db::ohlcvLevelFor(connection, 60).value();
    report("b. 1-minute OHLCV of the day before, one symbol (as bars)", measure(1000, [&](int) {
        rows += std::ssize(db::ohlcvBars(
            connection, minutes, instrument(), 60, dayAgoNs - 24 * kHourNs, dayAgoNs));
    }));
    report("c. point-in-time export of the hour before, all symbols", measure(20, [&](int) {
        db::TradeExport exporter{
            connection, {.fromNs = dayAgoNs - kHourNs, .toNs = dayAgoNs, .asOfNs = dayAgoNs}};
        rows += exporter.writeTrades([](std::string_view) { });
    }));
    connection.unprepare("as_of");
}

// Compresses every chunk of the trades and of the 1-minute aggregates that ended before today,
// as the policies would by then, and prints what it took and the trades' sizes.
void compressBeforeToday(pqxx::connection &connection)
{
    const auto started = Clock::now();
    pqxx::nontransaction tx{connection};
    const auto chunks = tx.query_value<std::int64_t>(
        "SELECT count(compress_chunk(c, if_not_compressed => true)) FROM (SELECT "
        "show_chunks('market_data.trades', older_than => date_trunc('day', now(), 'UTC')) UNION "
        "ALL SELECT show_chunks('aggregates.ohlcv_1m', older_than => date_trunc('day', now(), "
        "'UTC'))) s(c)");
    tx.exec("VACUUM ANALYZE");
    const auto [before, after] = tx.query1<std::int64_t, std::int64_t>(
        "SELECT sum(before_compression_total_bytes)::bigint, "
        "sum(after_compression_total_bytes)::bigint FROM "
        "hypertable_compression_stats('market_data.trades')");
    std::printf("\ncompressed %lld chunks in %.0f s; the trades' compressed chunks %.1f MB -> %.1f "
                "MB (%.1f:1)\n",
        static_cast<long long>(chunks), bench::seconds(Clock::now() - started), before / 1e6,
        after / 1e6, static_cast<double>(before) / static_cast<double>(after));
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const auto parsed = bench::parseTradesAndEdition(
        QCoreApplication::arguments(), kInstruments, "bench_queries");
    if (!parsed)
        return 2;
    const auto [trades, edition] = *parsed;
    const std::int64_t perInstrument = trades / kInstruments;
    try {
        testing::TestCluster cluster{bench::kLargeClusterSettings, edition};
        const std::string conninfo = bench::migrated(cluster, "bench_queries");
        auto connection = db::connect(conninfo, "bench");
        const bool tsl = edition == model::TimescaleEdition::Timescale;
        if (tsl)
            configureCompression(connection);
        {
            auto started = Clock::now();
            pqxx::nontransaction tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) SELECT 'ex' || e, 'SYM' || s || 'USDT', 'SYM' || s, 'USDT' "
                    "FROM generate_series(1, 5) e, generate_series(1, 10) s");
            // Seven days up to now, evenly spaced per instrument, ids contiguous.
            for (int instrument = 1; instrument <= kInstruments; ++instrument) {
                tx.exec(std::format(
                    "INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, price_units, price_scale, size_units, size_scale, side) SELECT t, "
                    "3000, {0}, n, (round((100 + {0} + 5 * sin(n / 5000.0))::numeric, 2) * 100)"
                    "::bigint, 2, 1 + n % 997, 3, CASE WHEN n % 2 = 0 THEN 'B' ELSE 'S' "
                    "END::\"char\" FROM generate_series(1, {1}) n, LATERAL (SELECT now() - "
                    "interval '7 days' + n * (interval '7 days' / {1}) AS t) times",
                    instrument, perInstrument));
                std::printf("\rloading: %d of %d instruments", instrument, kInstruments);
                std::fflush(stdout);
            }
            tx.exec("VACUUM ANALYZE market_data.trades");
            tx.exec("CALL market_data.rebuild_latest_trades()"); // the writer keeps it live
            std::printf("\rloaded %lld trades in %.0f s\n",
                static_cast<long long>(perInstrument * kInstruments),
                bench::seconds(Clock::now() - started));
            started = Clock::now();
            tx.exec("ANALYZE");
            const int hours = tsl ? 49 : 25; // TSL: the day before a day ago too
            tx.exec(std::format(
                "INSERT INTO aggregates.refresh_queue (instrument_id, bucket) SELECT DISTINCT "
                "instrument_id, date_trunc('minute', time) FROM market_data.trades WHERE time "
                "> now() - interval '{} hours'",
                hours));
            tx.exec("CALL aggregates.refresh_pending()");
            // TSL: the recent window is the refresh policies' (refresh_pending leaves it to
            // them); materialized as their jobs would have by now, finest level first.
            if (tsl)
                for (const auto &job :
                    tx.exec("SELECT j.job_id FROM timescaledb_information.jobs j JOIN "
                            "aggregates.levels l ON format('%I.%I', j.hypertable_schema, "
                            "j.hypertable_name) = l.relation WHERE j.proc_name = "
                            "'policy_refresh_continuous_aggregate' ORDER BY l.position"))
                    tx.exec(std::format("CALL run_job({})", job[0].as<int>()));
            tx.exec("VACUUM ANALYZE"); // as autovacuum would by the time anyone queries
            std::printf("aggregated the last %d hours at every interval in %.0f s\n", hours,
                bench::seconds(Clock::now() - started));
        }

        std::mt19937 random{42};
        auto instrument = [&] {
            return 1 + static_cast<int>(random() % kInstruments);
        };
        auto tx = std::make_unique<pqxx::nontransaction>(connection);
        std::int64_t rows = 0;
        std::printf("\n%lld trades, %d instruments; each query warm, one connection:\n",
            static_cast<long long>(perInstrument * kInstruments), kInstruments);
        connection.prepare("recent",
            "SELECT time, market_data.to_numeric(price_units, price_scale) AS price, "
            "market_data.to_numeric(size_units, size_scale) AS size, side FROM market_data.trades "
            "WHERE instrument_id = $1 AND time > now() - interval '5 minutes' ORDER BY time DESC");
        report("1. last 5 minutes of one symbol",
            measure(2000,
                [&](int) {
                    rows += tx->exec(pqxx::prepped{"recent"}, pqxx::params{instrument()}).size();
                }),
            1);
        connection.prepare("recent_by_name",
            "SELECT time, price, volume, side FROM market_data.ticks WHERE exchange = $1 AND "
            "symbol = $2 AND time > now() - interval '5 minutes' ORDER BY time DESC");
        report(
            "   the same through the ticks view (exchange, symbol text)", measure(2000, [&](int) {
                const int id = instrument() - 1;
                rows += tx->exec(pqxx::prepped{"recent_by_name"},
                              pqxx::params{std::format("ex{}", id / 10 + 1),
                                  std::format("SYM{}USDT", id % 10 + 1)})
                            .size();
            }));
        connection.prepare("latest",
            "SELECT i.exchange, i.symbol, l.time, l.price FROM market_data.latest_trades l "
            "JOIN market_data.instruments i USING (instrument_id)");
        report("2. latest trade of every symbol (market_data.latest_trades)",
            measure(2000, [&](int) { rows += tx->exec(pqxx::prepped{"latest"}).size(); }), 1);
        connection.prepare("latest_from_trades",
            "SELECT i.exchange, i.symbol, t.time, t.price FROM market_data.instruments i "
            "CROSS JOIN LATERAL (SELECT time, market_data.to_numeric(price_units, price_scale) AS "
            "price FROM market_data.trades t WHERE t.instrument_id = i.instrument_id ORDER BY "
            "time DESC LIMIT 1) t");
        report("   the same from the hypertable, a probe per instrument", measure(2000, [&](int) {
            rows += tx->exec(pqxx::prepped{"latest_from_trades"}).size();
        }));
        connection.prepare("ohlcv",
            "SELECT time, open, high, low, close, volume, trades FROM aggregates.ohlcv WHERE "
            "exchange = $1 AND symbol = $2 AND interval = '1m' AND time > now() - interval "
            "'24 hours' ORDER BY time");
        report("3. 1-minute OHLCV, last 24 h of one symbol",
            measure(1000,
                [&](int) {
                    const int id = instrument() - 1;
                    rows += tx->exec(pqxx::prepped{"ohlcv"},
                                  pqxx::params{std::format("ex{}", id / 10 + 1),
                                      std::format("SYM{}USDT", id % 10 + 1)})
                                .size();
                }),
            5);
        tx.reset(); // the next two open their own transactions
        const std::int64_t startedNs = nowNs();
        report("4. 1-hour volume bars of one symbol (read + build)", measure(100, [&](int) {
            analytics::BarBuilder builder{{.kind = analytics::BarKind::Volume,
                .threshold = analytics::Fixed::of(*model::Decimal::parse("25"))}};
            db::forEachTrade(connection, instrument(), startedNs - 2 * kHourNs, startedNs - kHourNs,
                [&](const model::Trade &trade) {
                    if (builder.add(trade))
                        ++rows;
                    return true;
                });
        }));
        report("5. point-in-time export of one hour, all symbols", measure(20, [&](int) {
            db::TradeExport exporter{connection,
                {.fromNs = startedNs - 3 * kHourNs,
                    .toNs = startedNs - 2 * kHourNs,
                    .asOfNs = startedNs - 2 * kHourNs}};
            rows += exporter.writeTrades([](std::string_view) { });
        }));
        if (tsl) {
            std::printf("\nthe same trades a day old, as loaded (uncompressed):\n");
            dayOldQueries(connection, random, rows);
            compressBeforeToday(connection);
            std::printf("the same questions once compressed:\n");
            dayOldQueries(connection, random, rows);
        }
        std::printf("(%lld rows read in all)\n", static_cast<long long>(rows));
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_queries: %s\n", error.what());
        return 1;
    }
    return 0;
}
