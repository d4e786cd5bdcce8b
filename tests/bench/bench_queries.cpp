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
//
//   bench_queries [TRADES]     (default 20000000)
#include "app/analytics/bar_builder.h"
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

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const std::int64_t trades = argc > 1 ? std::stoll(argv[1]) : 20'000'000;
    const std::int64_t perInstrument = trades / kInstruments;
    try {
        testing::TestCluster cluster{{QStringLiteral("shared_buffers = '2GB'"),
            QStringLiteral("max_wal_size = '8GB'"), QStringLiteral("work_mem = '64MB'")}};
        const std::string conninfo = bench::migrated(cluster, "bench_queries");
        auto connection = db::connect(conninfo, "bench");
        {
            auto started = Clock::now();
            pqxx::nontransaction tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) SELECT 'ex' || e, 'SYM' || s || 'USDT', 'SYM' || s, 'USDT' "
                    "FROM generate_series(1, 5) e, generate_series(1, 10) s");
            // Seven days up to now, evenly spaced per instrument, ids contiguous.
            for (int instrument = 1; instrument <= kInstruments; ++instrument) {
                tx.exec(std::format(
                    "INSERT INTO market_data.trades (time, received_at, instrument_id, trade_id, "
                    "price, size, side) SELECT t, t + interval '3 ms', {0}, n, "
                    "round((100 + {0} + 5 * sin(n / 5000.0))::numeric, 2), "
                    "((1 + n % 997) * 0.001)::numeric, CASE WHEN n % 2 = 0 THEN 'B' ELSE 'S' "
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
            tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) SELECT DISTINCT "
                    "instrument_id, date_trunc('minute', time) FROM market_data.trades WHERE time "
                    "> now() - interval '25 hours'");
            tx.exec("CALL aggregates.refresh_pending()");
            tx.exec("VACUUM ANALYZE"); // as autovacuum would by the time anyone queries
            std::printf("aggregated the last 25 hours at every interval in %.0f s\n",
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
            "SELECT time, price, size, side FROM market_data.trades WHERE instrument_id = $1 AND "
            "time > now() - interval '5 minutes' ORDER BY time DESC");
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
            "CROSS JOIN LATERAL (SELECT time, price FROM market_data.trades t WHERE "
            "t.instrument_id = i.instrument_id ORDER BY time DESC LIMIT 1) t");
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
        const std::int64_t nowNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now().time_since_epoch())
                                       .count();
        constexpr std::int64_t kHourNs = 3'600'000'000'000;
        report("4. 1-hour volume bars of one symbol (read + build)", measure(100, [&](int) {
            analytics::BarBuilder builder{{.kind = analytics::BarKind::Volume,
                .threshold = analytics::Fixed::of(*model::Decimal::parse("25"))}};
            db::forEachTrade(connection, instrument(), nowNs - 2 * kHourNs, nowNs - kHourNs,
                [&](const model::Trade &trade) {
                    if (builder.add(trade))
                        ++rows;
                    return true;
                });
        }));
        report("5. point-in-time export of one hour, all symbols", measure(20, [&](int) {
            db::TradeExport exporter{connection,
                {.fromNs = nowNs - 3 * kHourNs,
                    .toNs = nowNs - 2 * kHourNs,
                    .asOfNs = nowNs - 2 * kHourNs}};
            rows += exporter.writeTrades([](std::string_view) { });
        }));
        std::printf("(%lld rows read in all)\n", static_cast<long long>(rows));
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_queries: %s\n", error.what());
        return 1;
    }
    return 0;
}
