// How well do stored trades compress on TimescaleDB's TSL edition? Realistic generated trades -
// five exchanges, six symbols each with their real tick and lot sizes, random-walk prices,
// Poisson arrivals with bursts in one millisecond, receive times a few ms later, contiguous
// integer ids on four exchanges and UUIDs on the fifth - a day by default, compressed with each
// layout below; for each, bytes before and after (heap, indexes and TOAST) and the ratio, on a
// cluster of its own of TimescaleDB's TSL edition (built by scripts/timescaledb-tsl).
//
//   bench_compression [TRADES_PER_SECOND_OF_BTC [HOURS]]   (default 2 and 24: about 2 million
//   trades; the rate sets the gaps between trades, and so what their times cost compressed)
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/schema_fixture.h"

#include <QCoreApplication>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <format>
#include <pqxx/pqxx>
#include <vector>

using namespace tickscope;

namespace {

struct Symbol
{
    const char *name;
    double basePrice;
    const char *tick; // price increment
    int priceDecimals;
    double typicalSize; // in base units
    int sizeDecimals;
    double rateShare; // trades per second relative to BTC
};

constexpr Symbol kSymbols[] = {
    {"BTCUSDT", 67000, "0.01", 2, 0.02, 5, 1.0},
    {"ETHUSDT", 3500, "0.01", 2, 0.3, 4, 0.6},
    {"SOLUSDT", 150, "0.001", 3, 5, 2, 0.3},
    {"XRPUSDT", 0.6, "0.0001", 4, 800, 1, 0.15},
    {"DOGEUSDT", 0.15, "0.00001", 5, 3000, 0, 0.15},
    {"PEPEUSDT", 0.00001, "0.00000001", 8, 50000000, 0, 0.1},
};

struct Layout
{
    const char *name;
    const char *orderBy;
};

constexpr Layout kLayouts[] = {
    {"plain: segment by instrument, order by time", "time DESC"},
    {"Tickscope's: segment by instrument, order by time and trade id",
        "time DESC, trade_id, trade_ref"},
    {"segment by instrument, order by trade id (ids follow time)", "trade_id, trade_ref, time"},
};

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Where the compressed bytes go: each column's share of the compressed chunks, per row.
void printColumns(pqxx::nontransaction &tx, std::int64_t before, std::int64_t after)
{
    const auto chunks = tx.query<std::string>(
        "SELECT s.compress_relid::text FROM _timescaledb_catalog.compression_settings s JOIN "
        "_timescaledb_catalog.chunk c ON c.relid = s.relid JOIN _timescaledb_catalog.hypertable h "
        "ON c.hypertable_id = h.id WHERE h.table_name = 'trades' AND s.compress_relid IS NOT "
        "NULL");
    const char *columns[]
        = {"time", "received_at", "trade_id", "trade_ref", "price", "size", "side"};
    std::int64_t rows = 0;
    std::vector<std::int64_t> bytes(std::size(columns));
    for (const auto &[chunk] : chunks) {
        std::string query = "SELECT sum(_ts_meta_count)::bigint";
        for (const char *column : columns)
            query += std::format(", coalesce(sum(pg_column_size({})), 0)::bigint", column);
        const auto row = tx.exec(query + " FROM " + chunk).one_row();
        rows += row[0].as<std::int64_t>();
        for (std::size_t i = 0; i < std::size(columns); ++i)
            bytes[i] += row[static_cast<int>(i) + 1].as<std::int64_t>();
    }
    std::printf("    %.1f bytes a row before, %.1f after; compressed bytes a row by column:",
        static_cast<double>(before) / static_cast<double>(rows),
        static_cast<double>(after) / static_cast<double>(rows));
    for (std::size_t i = 0; i < std::size(columns); ++i)
        std::printf(
            " %s %.2f", columns[i], static_cast<double>(bytes[i]) / static_cast<double>(rows));
    std::printf("\n");
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const double btcRate = argc > 1 ? std::stod(argv[1]) : 2.0;
    const double hours = argc > 2 ? std::stod(argv[2]) : 24.0;
    try {
        testing::TestCluster cluster{
            testing::TestCluster::kFastSettings, model::TimescaleEdition::Timescale};
        auto connection = db::connect(cluster.createDatabase("compression"), "bench");
        if (!db::Migrator(connection, db::loadMigrations(db::kEmbeddedMigrations).value())
                .migrate({.client = "bench"}))
            throw std::runtime_error("migration failed");
        pqxx::nontransaction tx{connection};
        tx.exec("SELECT setseed(0.42)");
        auto started = std::chrono::steady_clock::now();
        std::int64_t total = 0;
        for (int exchange = 1; exchange <= 5; ++exchange) {
            for (const Symbol &symbol : kSymbols) {
                const int instrument = tx.query_value<int>(
                    "INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                    "quote_asset, price_increment) VALUES ($1, $2, $3, 'USDT', $4::numeric) "
                    "RETURNING instrument_id",
                    pqxx::params{std::format("exchange{}", exchange), symbol.name,
                        std::string(symbol.name).substr(0, std::strlen(symbol.name) - 4),
                        symbol.tick});
                const double rate = btcRate * symbol.rateShare;
                const auto count = static_cast<std::int64_t>(rate * hours * 3600);
                // Poisson arrivals in ms (bursts share one), a ±1-tick random walk that
                // leans with the aggressor's side, log-normal sizes on the lot grid.
                tx.exec(std::format(
                    "INSERT INTO market_data.trades (time, received_at, instrument_id, trade_id, "
                    "trade_ref, price, size, side) "
                    "SELECT t, t + (2 + 38 * u3) * interval '1 ms', {0}, "
                    "CASE WHEN {6} THEN NULL ELSE 3000000000 + n END, "
                    "CASE WHEN {6} THEN md5({0} || '-' || n)::uuid::text END, "
                    "round({1} + {2} * steps, {3}), "
                    "greatest(round(({4} * exp(2 * u3 - 1.5))::numeric, {5}), "
                    "power(10::numeric, -{5})), CASE WHEN u2 < 0.5 THEN 'B' ELSE 'S' END::\"char\" "
                    "FROM (SELECT n, u2, u3, date_trunc('milliseconds', timestamptz "
                    "'2026-03-02 00:00:00+00' + sum(-ln(1 - u1) / {7}) OVER w * interval "
                    "'1 second') AS t, sum(CASE WHEN u2 < 0.45 THEN -1 WHEN u2 > 0.55 THEN 1 "
                    "ELSE 0 END) OVER w AS steps FROM (SELECT n, random() AS u1, random() AS "
                    "u2, random() AS u3 FROM generate_series(1, {8}) n) r WINDOW w AS (ORDER BY "
                    "n)) walk",
                    instrument, symbol.basePrice, symbol.tick, symbol.priceDecimals,
                    symbol.typicalSize, symbol.sizeDecimals, exchange == 5 ? "true" : "false", rate,
                    count));
                total += count;
            }
            std::printf("generated exchange %d of 5 (%lld trades so far, %.0f s)\n", exchange,
                static_cast<long long>(total), secondsSince(started));
            std::fflush(stdout);
        }
        std::printf("\n%lld trades of 30 instruments over %.0f hours, BTC at %.1f trades/s on "
                    "each exchange (ids: integers on four exchanges, UUIDs on the fifth)\n\n",
            static_cast<long long>(total), hours, btcRate);

        // Once through compression and back, so that every layout starts from the same packed
        // heap (the freshly inserted one holds free space that would flatter the first).
        tx.exec("ALTER TABLE market_data.trades SET (timescaledb.compress, "
                "timescaledb.compress_segmentby = 'instrument_id')");
        tx.exec("SELECT compress_chunk(c) FROM show_chunks('market_data.trades') c");
        tx.exec("SELECT decompress_chunk(c) FROM show_chunks('market_data.trades') c");
        for (const Layout &layout : kLayouts) {
            started = std::chrono::steady_clock::now();
            tx.exec(std::format("ALTER TABLE market_data.trades SET (timescaledb.compress, "
                                "timescaledb.compress_segmentby = 'instrument_id', "
                                "timescaledb.compress_orderby = '{}')",
                layout.orderBy));
            tx.exec("SELECT compress_chunk(c) FROM show_chunks('market_data.trades') c");
            const auto [before, after] = tx.query1<std::int64_t, std::int64_t>(
                "SELECT before_compression_total_bytes, after_compression_total_bytes "
                "FROM hypertable_compression_stats('market_data.trades')");
            std::printf("%-66s %7.1f MB -> %6.2f MB  %5.1f:1  (%.0f s)\n", layout.name,
                static_cast<double>(before) / 1e6, static_cast<double>(after) / 1e6,
                static_cast<double>(before) / static_cast<double>(after), secondsSince(started));
            std::fflush(stdout);
            if (&layout == &kLayouts[1])
                printColumns(tx, before, after);
            tx.exec("SELECT decompress_chunk(c) FROM show_chunks('market_data.trades') c");
        }
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_compression: %s\n", error.what());
        return 1;
    }
    return 0;
}
