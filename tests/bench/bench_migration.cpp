// How long does `tickscope migrate` take to move a desk's trades into the layout of migration 0019,
// and does every trade arrive as it was? A database at version 18 (0013's numeric layout) with
// TRADES trades of 50 instruments over 7 days up to now (one instrument in five with UUID ids, as
// Bybit and Coinbase send them); on the TSL edition the chunks before today compressed and the
// aggregates refreshed, as a running desk's would be. Then:
//   - the baseline: the same rows copied once into a hypertable of the same layout and unique
//     key (INSERT ... SELECT), what any rewrite of the table costs;
//   - the migration through db::Migrator, as `tickscope migrate` runs it, its progress printed;
//   - every trade's text before and after (count and the sum of 64-bit hashes): the differences
//     must be 0; and the table's size before and after.
//
//   bench_migration [TRADES] [--edition apache|tsl]     (default 20000000, apache)
#include "tests/bench/bench_support.h"

#include <QCoreApplication>
#include <cstdio>
#include <pqxx/pqxx>

using namespace tickscope;
using bench::Clock;

namespace {

constexpr int kInstruments = 50;
constexpr int kNumericLayout = 18;

// Count and digest of every trade, the same text from either layout.
constexpr auto kNumericDigest
    = "SELECT count(*) || ' ' || coalesce(sum(hashtextextended(format('%s|%s|%s|%s|%s|%s|%s', "
      "time, received_at, instrument_id, coalesce(trade_id::text, trade_ref), trim_scale(price), "
      "trim_scale(size), side), 0)), 0) FROM market_data.trades";
constexpr auto kUnitsDigest
    = "SELECT count(*) || ' ' || coalesce(sum(hashtextextended(format('%s|%s|%s|%s|%s|%s|%s', "
      "time, market_data.received_at(time, received_after_us), instrument_id, "
      "coalesce(trade_id::text, trade_uuid::text, trade_ref), "
      "market_data.to_numeric(price_units, price_scale), "
      "market_data.to_numeric(size_units, size_scale), side), 0)), 0) FROM market_data.trades";

std::string value(pqxx::connection &connection, const std::string &sql)
{
    return pqxx::nontransaction{connection}.query_value<std::string>(sql);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const auto parsed = bench::parseTradesAndEdition(
        QCoreApplication::arguments(), kInstruments, "bench_migration");
    if (!parsed)
        return 2;
    const auto [trades, edition] = *parsed;
    const bool tsl = edition == model::TimescaleEdition::Timescale;
    try {
        testing::TestCluster cluster{bench::kLargeClusterSettings, edition};
        auto connection = db::connect(cluster.createDatabase("bench_migration"), "bench");
        const auto migrations = db::loadMigrations(db::kEmbeddedMigrations).value();
        if (const auto migrated = db::Migrator{connection, migrations}.migrate(
                {.targetVersion = kNumericLayout, .client = "bench"});
            !migrated)
            throw std::runtime_error(migrated.error());

        auto started = Clock::now();
        {
            pqxx::nontransaction tx{connection};
            tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset) SELECT 'ex' || e, 'SYM' || s || 'USDT', 'SYM' || s, 'USDT' "
                    "FROM generate_series(1, 5) e, generate_series(1, 10) s");
            const std::int64_t perInstrument = trades / kInstruments;
            for (int instrument = 1; instrument <= kInstruments; ++instrument)
                tx.exec(std::format(
                    "INSERT INTO market_data.trades (time, received_at, instrument_id, trade_id, "
                    "trade_ref, price, size, side) SELECT t, t + (2 + n % 37) * interval '1 ms', "
                    "{0}, {2}, {3}, round((100 + {0} + 5 * sin(n / 5000.0))::numeric, 2), "
                    "round((0.001 * (1 + (n::bigint * 7919) % 2000))::numeric, 5), "
                    "(ARRAY['B', 'S'])[1 + n % 2]::\"char\" FROM generate_series(1, {1}) n, "
                    "LATERAL (SELECT now() - interval '7 days' + n * (interval '7 days' / {1}) "
                    "AS t) times",
                    instrument, perInstrument, instrument % 5 == 0 ? "NULL" : "n",
                    instrument % 5 == 0
                        ? "md5(n::text || '-' || " + std::to_string(instrument) + ")::uuid::text"
                        : "NULL"));
            if (tsl) {
                tx.exec("ALTER TABLE market_data.trades SET (timescaledb.compress, "
                        "timescaledb.compress_segmentby = 'instrument_id', "
                        "timescaledb.compress_orderby = 'time DESC, trade_id, trade_ref')");
                tx.exec("SELECT compress_chunk(c) FROM show_chunks('market_data.trades', "
                        "older_than => date_trunc('day', now())) c");
                for (const char *level : {"1m", "5m", "15m", "1h", "4h", "1d"})
                    tx.exec(std::format("CALL refresh_continuous_aggregate("
                                        "'aggregates.ohlcv_{}', NULL, date_trunc('day', now()))",
                        level));
            }
            tx.exec("ANALYZE market_data.trades");
        }
        std::printf(
            "%s edition: %lld trades of %d instruments loaded in 0013's layout in %.1f s%s\n",
            tsl ? "TSL" : "Apache", static_cast<long long>(trades), kInstruments,
            bench::seconds(Clock::now() - started),
            tsl ? " (chunks before today compressed, aggregates refreshed)" : "");
        const std::string sizeBefore
            = value(connection, "SELECT pg_size_pretty(hypertable_size('market_data.trades'))");
        started = Clock::now();
        const std::string before = value(connection, kNumericDigest);
        std::printf("before: %s (trades, digest) in %.1f s; %s\n", before.c_str(),
            bench::seconds(Clock::now() - started), sizeBefore.c_str());
        std::fflush(stdout);

        started = Clock::now();
        {
            pqxx::nontransaction tx{connection};
            tx.exec("CREATE TABLE public.trades_copy (LIKE market_data.trades INCLUDING ALL)");
            tx.exec("SELECT create_hypertable('public.trades_copy', by_range('time', "
                    "interval '1 day'))");
            tx.exec("INSERT INTO public.trades_copy SELECT * FROM market_data.trades");
        }
        const double baseline = bench::seconds(Clock::now() - started);
        pqxx::nontransaction{connection}.exec("DROP TABLE public.trades_copy");
        std::printf("baseline, the same rows copied into the same layout: %.1f s (%.0f trades/s)\n",
            baseline, static_cast<double>(trades) / baseline);
        std::fflush(stdout);

        started = Clock::now();
        const auto migrated = db::Migrator{connection, migrations}.migrate(
            {.client = "bench", .progress = [&](const std::string &line) {
                 std::printf(
                     "  %7.1f s  %s\n", bench::seconds(Clock::now() - started), line.c_str());
                 std::fflush(stdout);
             }});
        if (!migrated)
            throw std::runtime_error(migrated.error());
        const double migration = bench::seconds(Clock::now() - started);
        const std::string after = value(connection, kUnitsDigest);
        const std::string sizeAfter
            = value(connection, "SELECT pg_size_pretty(hypertable_size('market_data.trades'))");
        std::printf("migration to version %d: %.1f s (%.0f trades/s), %.2fx the baseline's time\n",
            migrated->versionAfter, migration, static_cast<double>(trades) / migration,
            migration / baseline);
        std::printf("after: %s (trades, digest); %s\n", after.c_str(), sizeAfter.c_str());
        std::printf("differences: %s\n", after == before ? "0" : "COUNT OR DIGEST DIFFERS");
        return after == before ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_migration: %s\n", error.what());
        return 1;
    }
}
