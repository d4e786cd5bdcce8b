// How small do stored trades and books get on TimescaleDB's TSL edition, and with which layout?
// Realistic generated market data - five exchanges, six symbols each with their real tick and
// lot sizes, random-walk prices, Poisson trade arrivals with bursts in one millisecond, receive
// times a few ms later, contiguous integer trade ids on four exchanges and UUIDs on the fifth,
// book deltas every 100 ms changing 1 to 4 levels near the top (or more), a 20-level snapshot
// every 10 minutes - on a cluster of its own of TimescaleDB's TSL edition (built by
// scripts/timescaledb-tsl).
//
// For each layout: bytes a row before and after compression (heap, indexes and TOAST, as
// TimescaleDB reports them), its ratio, and where the compressed bytes go column by column.
// Candidate columns are measured side by side in one table (TimescaleDB compresses each column
// on its own, so a column's bytes do not depend on its neighbours); a column-wise `zstd -19` of
// the same rows, fixed-width values in the same order, is the peer-like baseline. The books are
// generated in 0002's layout (numeric[] levels) and then converted by migrations 0027 and 0028,
// which are timed, to what Tickscope stores now.
//
//   bench_compression [TRADES_PER_SECOND_OF_BTC [HOURS [BOOK_HOURS [LEVELS_AN_EVENT]]]]
//   (defaults 2, 24, 2 and 4: about 2 million trades, and 2 million book events changing 1 to 4
//   levels each, as the simulator's do)
#include "db/connection.h"
#include "db/migrator.h"
#include "tests/support/schema_fixture.h"

#include <QCoreApplication>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <format>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>
#include <zstd.h>

using namespace tickscope;

namespace {

constexpr int kNumericBooks = 26; // the last version with 0002's book layout

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
constexpr int kExchanges = 5;
constexpr double kInstruments = kExchanges * static_cast<double>(std::size(kSymbols));
constexpr int kDeskInstruments = 5 * 50; // the desk: 5 exchanges x 50 symbols
constexpr double kSecondsAYear = 365.25 * 86400;

struct Order
{
    const char *name;
    const char *orderBy;
};

constexpr Order kTradeOrders[] = {
    {"plain: segment by instrument, order by time", "time DESC"},
    {"Tickscope's: segment by instrument, order by time and trade id",
        "time DESC, trade_id, trade_ref"},
    {"segment by instrument, order by trade id (ids follow time)", "trade_id, trade_ref, time"},
};

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double perRow(std::int64_t bytes, std::int64_t rows)
{
    return static_cast<double>(bytes) / static_cast<double>(rows);
}

std::vector<std::string> columnsOf(pqxx::nontransaction &tx, const std::string &table)
{
    std::vector<std::string> columns;
    for (const auto &[name] : tx.query<std::string>(
             "SELECT attname::text FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 "
             "AND NOT attisdropped ORDER BY attnum",
             pqxx::params{table}))
        columns.push_back(name);
    return columns;
}

struct Compressed
{
    std::int64_t rows = 0;
    std::int64_t before = 0;
    std::int64_t after = 0;
    std::int64_t afterHeap = 0;
    std::int64_t afterToast = 0;
    std::int64_t afterIndexes = 0;
};

struct Settings
{
    const char *segmentBy = "instrument_id";
    const char *orderBy = "time DESC";
    // TimescaleDB's sparse indexes beyond the ordering columns' min and max; by default it adds
    // a bloom filter of the unique index's columns to every batch.
    std::optional<const char *> sparseIndexes;
    int batchRows = 1000; // TimescaleDB's default, at most 32767
    bool byColumn = false;
};

// Compresses every chunk of `table` with `settings` (decompressing them first) and prints what it
// costs: bytes a row before and after, the ratio, and (with byColumn) each column's compressed
// bytes a row.
Compressed compress(
    pqxx::nontransaction &tx, const std::string &table, const char *name, const Settings &settings)
{
    const auto started = std::chrono::steady_clock::now();
    tx.exec(std::format(
        "SELECT decompress_chunk(c, if_compressed => true) FROM show_chunks('{}') c", table));
    tx.exec(std::format("ALTER TABLE {} SET (timescaledb.compress, timescaledb.compress_segmentby "
                        "= '{}', timescaledb.compress_orderby = '{}'{})",
        table, settings.segmentBy, settings.orderBy,
        settings.sparseIndexes
            ? std::format(", timescaledb.compress_index = '{}'", *settings.sparseIndexes)
            : ""));
    tx.exec(std::format("SET timescaledb.compression_batch_size_limit = {}", settings.batchRows));
    tx.exec(std::format("SELECT compress_chunk(c) FROM show_chunks('{}') c", table));
    Compressed result;
    std::tie(result.before, result.after, result.afterHeap, result.afterToast, result.afterIndexes)
        = tx.query1<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::int64_t>(
            "SELECT before_compression_total_bytes, after_compression_total_bytes, "
            "after_compression_table_bytes, after_compression_toast_bytes, "
            "after_compression_index_bytes FROM hypertable_compression_stats($1)",
            pqxx::params{table});
    std::vector<std::string> chunks;
    for (const auto &[chunk] : tx.query<std::string>(
             "SELECT s.compress_relid::text FROM _timescaledb_catalog.compression_settings s "
             "JOIN _timescaledb_catalog.chunk c ON c.relid = s.relid "
             "WHERE c.hypertable_id = (SELECT id FROM _timescaledb_catalog.hypertable "
             "WHERE format('%I.%I', schema_name, table_name)::regclass = $1::regclass) "
             "AND s.compress_relid IS NOT NULL",
             pqxx::params{table}))
        chunks.push_back(chunk);
    // The compressed chunks' own columns: the table's, and TimescaleDB's batch metadata
    // (_ts_meta_*: row counts, min and max of the ordering columns, bloom filters).
    const auto columns = columnsOf(tx, chunks.front());
    std::vector<std::int64_t> bytes(columns.size());
    for (const auto &chunk : chunks) {
        std::string query = "SELECT sum(_ts_meta_count)::bigint";
        for (const auto &column : columns)
            query += std::format(", coalesce(sum(pg_column_size({})), 0)::bigint", column);
        const auto row = tx.exec(query + " FROM " + chunk).one_row();
        result.rows += row[0].as<std::int64_t>();
        for (std::size_t i = 0; i < columns.size(); ++i)
            bytes[i] += row[static_cast<int>(i) + 1].as<std::int64_t>();
    }
    std::printf("%-66s %6.1f -> %5.2f bytes a row  %5.1f:1  (%.0f s)\n", name,
        perRow(result.before, result.rows), perRow(result.after, result.rows),
        perRow(result.before, result.after), secondsSince(started));
    if (settings.byColumn) {
        std::int64_t inColumns = 0;
        std::printf("    compressed bytes a row by column:");
        for (std::size_t i = 0; i < columns.size(); ++i) {
            if (perRow(bytes[i], result.rows) >= 0.005)
                std::printf(" %s %.2f", columns[i].c_str(), perRow(bytes[i], result.rows));
            inColumns += bytes[i];
        }
        std::printf("; the rest (tuple headers, TOAST chunks, free space) %.2f\n    after "
                    "compression a row holds %.2f bytes of heap, %.2f of TOAST, %.2f of indexes\n",
            perRow(result.after - inColumns, result.rows), perRow(result.afterHeap, result.rows),
            perRow(result.afterToast, result.rows), perRow(result.afterIndexes, result.rows));
    }
    std::fflush(stdout);
    return result;
}

// The peer-like baseline: each column's values (fixed-width binary, in `order`) compressed with
// zstd -19 on its own; bytes a row, in total and by column.
void zstdBaseline(pqxx::nontransaction &tx, const std::string &table,
    const std::vector<std::pair<const char *, const char *>> &columns, const std::string &order)
{
    const auto started = std::chrono::steady_clock::now();
    const auto rows = tx.query_value<std::int64_t>("SELECT count(*) FROM " + table);
    std::size_t total = 0;
    std::string byColumn;
    for (const auto &[column, binary] : columns) {
        const auto values = tx.query_value<pqxx::bytes>(std::format(
            "SELECT string_agg({}, ''::bytea ORDER BY {}) FROM {}", binary, order, table));
        std::vector<char> out(ZSTD_compressBound(values.size()));
        const std::size_t size
            = ZSTD_compress(out.data(), out.size(), values.data(), values.size(), 19);
        if (ZSTD_isError(size))
            throw std::runtime_error(ZSTD_getErrorName(size));
        total += size;
        byColumn
            += std::format(" {} {:.2f}", column, perRow(static_cast<std::int64_t>(size), rows));
    }
    std::printf("%-66s %5.2f bytes a row  (%.0f s)\n    by column:%s\n",
        "column-wise zstd -19 of the same rows", perRow(static_cast<std::int64_t>(total), rows),
        secondsSince(started), byColumn.c_str());
    std::fflush(stdout);
}

void printAYear(const char *what, double rowsPerInstrumentSecond, double bytesARow)
{
    std::printf("    %s for the desk (%d instruments at %.2f rows/s each): %.1f GB a year\n", what,
        kDeskInstruments, rowsPerInstrumentSecond,
        bytesARow * rowsPerInstrumentSecond * kDeskInstruments * kSecondsAYear / 1e9);
}

// Trades into market_data.trades: Poisson arrivals in ms (bursts share one), a ±1-tick random
// walk that leans with the aggressor's side, log-normal sizes on the lot grid; prices and sizes
// in units of the instrument's decimals. The instruments and their decimals go to bench.scales.
// Returns the number of trades.
std::int64_t generateTrades(pqxx::nontransaction &tx, double btcRate, double hours)
{
    const auto started = std::chrono::steady_clock::now();
    std::int64_t total = 0;
    for (int exchange = 1; exchange <= kExchanges; ++exchange) {
        for (const Symbol &symbol : kSymbols) {
            const int instrument = tx.query_value<int>(
                "INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                "quote_asset, price_increment) VALUES ($1, $2, $3, 'USDT', $4::numeric) "
                "RETURNING instrument_id",
                pqxx::params{std::format("exchange{}", exchange), symbol.name,
                    std::string(symbol.name).substr(0, std::strlen(symbol.name) - 4), symbol.tick});
            tx.exec("INSERT INTO bench.scales VALUES ($1, $2, $3)",
                pqxx::params{instrument, symbol.priceDecimals, symbol.sizeDecimals});
            const double rate = btcRate * symbol.rateShare;
            const auto count = static_cast<std::int64_t>(rate * hours * 3600);
            tx.exec(std::format(
                "INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                "trade_id, trade_uuid, price_units, price_scale, size_units, size_scale, side) "
                "SELECT t, (extract(epoch FROM (2 + 38 * u3) * interval '1 ms') * 1000000)"
                "::bigint, {0}, CASE WHEN {6} THEN NULL ELSE 3000000000 + n END, "
                "CASE WHEN {6} THEN md5({0} || '-' || n)::uuid END, "
                "(round({1} + {2} * steps, {3}) * power(10::numeric, {3}))::bigint, {3}, "
                "(greatest(round(({4} * exp(2 * u3 - 1.5))::numeric, {5}), "
                "power(10::numeric, -{5})) * power(10::numeric, {5}))::bigint, {5}, "
                "CASE WHEN u2 < 0.5 THEN 'B' ELSE 'S' END::\"char\" "
                "FROM (SELECT n, u2, u3, date_trunc('milliseconds', timestamptz "
                "'2026-03-02 00:00:00+00' + sum(-ln(1 - u1) / {7}) OVER w * interval "
                "'1 second') AS t, sum(CASE WHEN u2 < 0.45 THEN -1 WHEN u2 > 0.55 THEN 1 "
                "ELSE 0 END) OVER w AS steps FROM (SELECT n, random() AS u1, random() AS "
                "u2, random() AS u3 FROM generate_series(1, {8}) n) r WINDOW w AS (ORDER BY "
                "n)) walk",
                instrument, symbol.basePrice, symbol.tick, symbol.priceDecimals, symbol.typicalSize,
                symbol.sizeDecimals, exchange == 5 ? "true" : "false", rate, count));
            total += count;
        }
        std::printf("generated the trades of exchange %d of %d (%lld so far, %.0f s)\n", exchange,
            kExchanges, static_cast<long long>(total), secondsSince(started));
        std::fflush(stdout);
    }
    return total;
}

// Book deltas every 100 ms (and a few ms) for each instrument, each changing 1 to `maxChanges`
// levels within max(20, 2 x maxChanges) ticks of a random-walk mid (a quarter of them removals,
// size 0), and a snapshot of 20 levels a side every 10 minutes, into market_data.book_deltas and
// book_snapshots. Returns the deltas.
std::int64_t generateBooks(pqxx::nontransaction &tx, double hours, int maxChanges)
{
    const auto started = std::chrono::steady_clock::now();
    const auto events = static_cast<std::int64_t>(hours * 3600 * 10);
    const auto snapshots = std::max<std::int64_t>(1, static_cast<std::int64_t>(hours * 6));
    for (const auto &[instrument, symbolIndex] : tx.query<int, int>(
             "SELECT instrument_id, (row_number() OVER (ORDER BY instrument_id) - 1)::int % 6 "
             "FROM bench.scales")) {
        const Symbol &symbol = kSymbols[symbolIndex];
        const std::string size = std::format("greatest(round(({} * 10 * random())::numeric, {}), "
                                             "power(10::numeric, -{}))",
            symbol.typicalSize, symbol.sizeDecimals, symbol.sizeDecimals);
        const std::string levels = std::format(
            "SELECT array_agg(price ORDER BY price DESC) FILTER (WHERE bid) AS bid_prices, "
            "array_agg(size ORDER BY price DESC) FILTER (WHERE bid) AS bid_sizes, "
            "array_agg(price ORDER BY price) FILTER (WHERE NOT bid) AS ask_prices, "
            "array_agg(size ORDER BY price) FILTER (WHERE NOT bid) AS ask_sizes "
            "FROM (SELECT bid, round({} + {} * (e.mid + CASE WHEN bid THEN -offset_ ELSE offset_ "
            "END), {}) AS price, CASE WHEN removed THEN 0 ELSE {} END AS size",
            symbol.basePrice, symbol.tick, symbol.priceDecimals, size);
        tx.exec(std::format(
            "INSERT INTO market_data.book_deltas (time, received_at, instrument_id, "
            "first_sequence, sequence, bid_prices, bid_sizes, ask_prices, ask_sizes) "
            "SELECT e.t, e.t + (2 + 38 * random()) * interval '1 ms', {0}, e.last - e.changes + 1, "
            "e.last, coalesce(l.bid_prices, '{{}}'), coalesce(l.bid_sizes, '{{}}'), "
            "coalesce(l.ask_prices, '{{}}'), coalesce(l.ask_sizes, '{{}}') "
            "FROM (SELECT n, t, changes, sum(step) OVER w AS mid, "
            "50000000 + sum(changes) OVER w AS last FROM (SELECT n, timestamptz "
            "'2026-03-02 00:00:00+00' + n * interval '100 ms' + floor(random() * 5) * "
            "interval '1 ms' AS t, 1 + floor(random() * {3})::int AS changes, "
            "floor(random() * 3)::int - 1 AS step FROM generate_series(1, {1}) n) r "
            "WINDOW w AS (ORDER BY n)) e "
            "CROSS JOIN LATERAL ({2} FROM (SELECT DISTINCT ON (bid, offset_) bid, offset_, "
            "removed FROM (SELECT random() < 0.5 AS bid, 1 + floor(random() * {4})::int AS "
            "offset_, random() < 0.25 AS removed FROM generate_series(1, e.changes)) c) d) "
            "levels) l",
            instrument, events, levels, maxChanges, std::max(20, 2 * maxChanges)));
        tx.exec(std::format(
            "INSERT INTO market_data.book_snapshots (time, received_at, instrument_id, sequence, "
            "bid_prices, bid_sizes, ask_prices, ask_sizes) "
            "SELECT e.t, e.t + (2 + 38 * random()) * interval '1 ms', {0}, 50000000 + e.n * "
            "15000, l.bid_prices, l.bid_sizes, l.ask_prices, l.ask_sizes "
            "FROM (SELECT n, timestamptz '2026-03-02 00:00:00+00' + n * interval '10 min' AS t, "
            "sum(floor(random() * 61)::int - 30) OVER (ORDER BY n) AS mid "
            "FROM generate_series(0, {1}) n) e "
            "CROSS JOIN LATERAL ({2} FROM (SELECT bid, offset_, false AS removed "
            "FROM (VALUES (true), (false)) s(bid) CROSS JOIN generate_series(1, 20 + 0 * e.n) "
            "offset_) d) levels) l",
            instrument, snapshots - 1, levels));
    }
    const auto deltas
        = tx.query_value<std::int64_t>("SELECT count(*) FROM market_data.book_deltas");
    std::printf("generated %lld book deltas and %lld snapshots of %d instruments over %.1f hours "
                "(%.0f s)\n\n",
        static_cast<long long>(deltas),
        static_cast<long long>(
            tx.query_value<std::int64_t>("SELECT count(*) FROM market_data.book_snapshots")),
        static_cast<int>(kInstruments), hours, secondsSince(started));
    return deltas;
}

// Microseconds from `from` to `to`, exact.
std::string microsecondsBetween(const char *from, const char *to)
{
    return std::format(
        "((extract(epoch FROM {1}) - extract(epoch FROM {0})) * 1000000)::bigint", from, to);
}

// A decimal as an integer count of 10^-scale (exact: the generated values have those decimals).
std::string units(const char *value, const char *scale)
{
    return std::format("({} * power(10::numeric, {}))::bigint", value, scale);
}

// A proposed layout in `table` as TimescaleDB compresses it by default, without its bloom
// filter, and with 5 times larger batches; returns the last.
Compressed compareSettings(pqxx::nontransaction &tx, const char *table, Settings settings)
{
    settings.byColumn = true;
    compress(tx, table, "proposed", settings);
    settings.sparseIndexes = "";
    compress(tx, table, "proposed, no bloom filter", settings);
    settings.batchRows = 5000;
    return compress(tx, table, "proposed, no bloom filter, batches of 5000 rows", settings);
}

void measureTrades(pqxx::nontransaction &tx, std::int64_t trades, double hours)
{
    // The trades in migration 0013's layout, which 0019 replaced, with its unique index.
    tx.exec("CREATE TABLE bench.trades_numeric (time timestamptz NOT NULL, received_at "
            "timestamptz NOT NULL, instrument_id integer NOT NULL, trade_id bigint, price "
            "numeric NOT NULL, size numeric NOT NULL, side \"char\" NOT NULL, trade_ref text)");
    tx.exec("SELECT create_hypertable('bench.trades_numeric', by_range('time', interval "
            "'1 day'), create_default_indexes => false)");
    tx.exec("CREATE UNIQUE INDEX ON bench.trades_numeric (instrument_id, time DESC, trade_id, "
            "trade_ref) NULLS NOT DISTINCT");
    tx.exec("INSERT INTO bench.trades_numeric SELECT time, market_data.received_at(time, "
            "received_after_us), instrument_id, trade_id, market_data.to_numeric(price_units, "
            "price_scale), market_data.to_numeric(size_units, size_scale), side, "
            "coalesce(trade_ref, trade_uuid::text) FROM market_data.trades");
    // Once through compression and back, so that every order starts from the same packed heap
    // (the freshly inserted one holds free space that would flatter the first).
    compress(tx, "bench.trades_numeric", "(packing the heap)", {});
    tx.exec("SELECT decompress_chunk(c) FROM show_chunks('bench.trades_numeric') c");
    std::printf("\nTrades as migration 0013 stored them (numeric prices and sizes, ids as bigint "
                "or text, two timestamps):\n");
    for (const Order &order : kTradeOrders)
        compress(tx, "bench.trades_numeric", order.name,
            {.orderBy = order.orderBy, .byColumn = &order == &kTradeOrders[1]});

    std::printf("\nCandidate trade columns side by side (the same trades, ordered by time and "
                "trade id):\n");
    tx.exec("CREATE TABLE bench.trade_columns (time timestamptz NOT NULL, instrument_id integer "
            "NOT NULL, received_at timestamptz, received_after_us bigint, trade_id bigint, "
            "trade_ref text, trade_uuid uuid, price numeric, price_units bigint, price_scale "
            "smallint, price_float double precision, size numeric, size_units bigint, "
            "size_scale smallint, side \"char\")");
    tx.exec("SELECT create_hypertable('bench.trade_columns', by_range('time', interval '1 day'), "
            "create_default_indexes => false)");
    tx.exec(std::format(
        "INSERT INTO bench.trade_columns SELECT t.time, t.instrument_id, t.received_at, {}, "
        "t.trade_id, t.trade_ref, t.trade_ref::uuid, t.price, {}, s.price_scale, t.price, t.size, "
        "{}, s.size_scale, t.side FROM bench.trades_numeric t JOIN bench.scales s USING "
        "(instrument_id)",
        microsecondsBetween("t.time", "t.received_at"), units("t.price", "s.price_scale"),
        units("t.size", "s.size_scale")));
    compress(tx, "bench.trade_columns", "all candidates",
        {.orderBy = "time DESC, trade_id, trade_uuid", .byColumn = true});

    std::printf("\nTrades in the proposed layout:\n");
    tx.exec("CREATE TABLE bench.trades (time timestamptz NOT NULL, instrument_id integer NOT "
            "NULL, received_after_us bigint NOT NULL, trade_id bigint, trade_uuid uuid, "
            "trade_ref text, price_units bigint, price_scale smallint NOT NULL, price numeric, "
            "size_units bigint, size_scale smallint NOT NULL, size numeric, side \"char\" NOT "
            "NULL)");
    tx.exec("SELECT create_hypertable('bench.trades', by_range('time', interval '1 day'), "
            "create_default_indexes => false)");
    tx.exec("CREATE UNIQUE INDEX ON bench.trades (instrument_id, time DESC, trade_id, "
            "trade_uuid, trade_ref) NULLS NOT DISTINCT");
    tx.exec("INSERT INTO bench.trades (time, instrument_id, received_after_us, trade_id, "
            "trade_uuid, price_units, price_scale, size_units, size_scale, side) SELECT time, "
            "instrument_id, received_after_us, trade_id, trade_uuid, price_units, price_scale, "
            "size_units, size_scale, side FROM bench.trade_columns");
    const Compressed proposed = compareSettings(
        tx, "bench.trades", {.orderBy = "time DESC, trade_id, trade_uuid, trade_ref"});
    zstdBaseline(tx, "bench.trade_columns",
        {{"time", "int8send((extract(epoch FROM time) * 1000000)::bigint)"},
            {"received_after_us", "int8send(received_after_us)"},
            {"trade_id", "int8send(coalesce(trade_id, 0))"},
            {"trade_uuid",
                "uuid_send(coalesce(trade_uuid, '00000000-0000-0000-0000-000000000000'))"},
            {"price_units", "int8send(price_units)"}, {"size_units", "int8send(size_units)"},
            {"side", "charsend(side)"}},
        "instrument_id, time, trade_id, trade_uuid");
    printAYear("trades compressed", static_cast<double>(trades) / (kInstruments * hours * 3600),
        perRow(proposed.after, proposed.rows));
}

// Returns the deltas in 0002's layout, compressed as Tickscope did.
Compressed measureBooks(pqxx::nontransaction &tx, std::int64_t deltas, double hours)
{
    std::printf("Book deltas and snapshots in 0002's layout (one row an event, "
                "numeric[] levels):\n");
    const Compressed today = compress(tx, "market_data.book_deltas",
        "deltas: segment by instrument, order by time and sequence",
        {.orderBy = "time DESC, sequence", .byColumn = true});
    const Compressed snapshots = compress(tx, "market_data.book_snapshots",
        "snapshots: segment by instrument, order by time and sequence",
        {.orderBy = "time DESC, sequence"});
    std::printf("    snapshots hold %.2f %% of the books' bytes before compression\n",
        100.0 * static_cast<double>(snapshots.before)
            / static_cast<double>(snapshots.before + today.before));

    std::printf("\nCandidate book delta layouts:\n");
    tx.exec("CREATE TABLE bench.delta_arrays (time timestamptz NOT NULL, instrument_id integer "
            "NOT NULL, received_after_us bigint, first_sequence bigint, sequence bigint, "
            "bid_price_units bigint[], bid_size_units bigint[], ask_price_units bigint[], "
            "ask_size_units bigint[])");
    tx.exec("SELECT create_hypertable('bench.delta_arrays', by_range('time', interval '1 day'), "
            "create_default_indexes => false)");
    tx.exec(std::format(
        "INSERT INTO bench.delta_arrays SELECT d.time, d.instrument_id, {}, d.first_sequence, "
        "d.sequence, (SELECT array_agg({}) FROM unnest(d.bid_prices) v), (SELECT array_agg({}) "
        "FROM unnest(d.bid_sizes) v), (SELECT array_agg({}) FROM unnest(d.ask_prices) v), "
        "(SELECT array_agg({}) FROM unnest(d.ask_sizes) v) FROM market_data.book_deltas d JOIN "
        "bench.scales s USING (instrument_id)",
        microsecondsBetween("d.time", "d.received_at"), units("v", "s.price_scale"),
        units("v", "s.size_scale"), units("v", "s.price_scale"), units("v", "s.size_scale")));
    compress(tx, "bench.delta_arrays", "one row an event, bigint[] of units",
        {.orderBy = "time DESC, sequence", .byColumn = true});

    tx.exec("CREATE TABLE bench.delta_level_columns (time timestamptz NOT NULL, instrument_id "
            "integer NOT NULL, received_after_us bigint, first_sequence bigint, sequence bigint, "
            "side \"char\", price numeric, price_units bigint, price_scale smallint, size "
            "numeric, size_units bigint, size_scale smallint)");
    tx.exec("SELECT create_hypertable('bench.delta_level_columns', by_range('time', interval "
            "'1 day'), create_default_indexes => false)");
    tx.exec(std::format(
        "INSERT INTO bench.delta_level_columns SELECT d.time, d.instrument_id, {}, "
        "d.first_sequence, d.sequence, l.side, l.price, {}, s.price_scale, l.size, {}, "
        "s.size_scale FROM market_data.book_deltas d JOIN bench.scales s USING (instrument_id) "
        "CROSS JOIN LATERAL (SELECT 'B'::\"char\" AS side, p AS price, q AS size "
        "FROM unnest(d.bid_prices, d.bid_sizes) b(p, q) UNION ALL SELECT 'A', p, q "
        "FROM unnest(d.ask_prices, d.ask_sizes) a(p, q)) l",
        microsecondsBetween("d.time", "d.received_at"), units("l.price", "s.price_scale"),
        units("l.size", "s.size_scale")));
    compress(tx, "bench.delta_level_columns", "one row a level, all candidate columns",
        {.orderBy = "time DESC, sequence, side, price_units", .byColumn = true});
    compress(tx, "bench.delta_level_columns", "the same, segment by instrument and side",
        {.segmentBy = "instrument_id, side",
            .orderBy = "time DESC, sequence, price_units",
            .byColumn = true});

    std::printf("\nBook deltas in the proposed layout (one row a level):\n");
    tx.exec("CREATE TABLE bench.delta_levels (time timestamptz NOT NULL, instrument_id integer "
            "NOT NULL, received_after_us bigint NOT NULL, first_sequence bigint NOT NULL, "
            "sequence bigint NOT NULL, side \"char\" NOT NULL, price_units bigint, price_scale "
            "smallint NOT NULL, price numeric, size_units bigint, size_scale smallint NOT NULL, "
            "size numeric)");
    tx.exec("SELECT create_hypertable('bench.delta_levels', by_range('time', interval '1 day'), "
            "create_default_indexes => false)");
    tx.exec("CREATE UNIQUE INDEX ON bench.delta_levels (instrument_id, time DESC, sequence, "
            "side, price_units, price) NULLS NOT DISTINCT");
    tx.exec("INSERT INTO bench.delta_levels (time, instrument_id, received_after_us, "
            "first_sequence, sequence, side, price_units, price_scale, size_units, size_scale) "
            "SELECT time, instrument_id, received_after_us, first_sequence, sequence, side, "
            "price_units, price_scale, size_units, size_scale FROM bench.delta_level_columns");
    const auto levelRows = tx.query_value<std::int64_t>("SELECT count(*) FROM bench.delta_levels");
    const Compressed levels = compareSettings(
        tx, "bench.delta_levels", {.orderBy = "time DESC, sequence, side, price_units, price"});
    std::printf("    %.2f levels an event; %.1f compressed bytes an event, against %.1f "
                "uncompressed today: %.1f:1\n",
        perRow(levelRows, deltas), perRow(levels.after, deltas), perRow(today.before, deltas),
        perRow(today.before, levels.after));
    zstdBaseline(tx, "bench.delta_levels",
        {{"time", "int8send((extract(epoch FROM time) * 1000000)::bigint)"},
            {"received_after_us", "int8send(received_after_us)"},
            {"first_sequence", "int8send(first_sequence)"}, {"sequence", "int8send(sequence)"},
            {"side", "charsend(side)"}, {"price_units", "int8send(price_units)"},
            {"size_units", "int8send(size_units)"}},
        "instrument_id, time, sequence, side, price_units");
    printAYear("book deltas compressed",
        static_cast<double>(deltas) / (kInstruments * hours * 3600), perRow(levels.after, deltas));
    return today;
}

// Migrations 0027 and 0028 convert the books to units, timed; then the deltas as they are stored
// now, compressed with what `policies apply` sets.
void convertBooks(
    pqxx::connection &connection, std::int64_t deltas, double hours, const Compressed &numeric)
{
    std::printf("\nMigrations 0027 and 0028: the books into bigint[] units (%lld deltas):\n",
        static_cast<long long>(deltas));
    std::fflush(stdout);
    const auto started = std::chrono::steady_clock::now();
    const auto migrated
        = db::Migrator(connection, db::loadMigrations(db::kEmbeddedMigrations).value())
              .migrate({.client = "bench", .progress = [](const std::string &line) {
                            std::printf("    %s\n", line.c_str());
                            std::fflush(stdout);
                        }});
    if (!migrated)
        throw std::runtime_error("the books' conversion failed: " + migrated.error());
    const double seconds = secondsSince(started);
    pqxx::nontransaction tx{connection};
    const auto events
        = tx.query_value<std::int64_t>("SELECT sum(events)::bigint FROM audit.book_conversion");
    std::printf("    converted %lld events in %.1f s: %.0f events/s\n\n",
        static_cast<long long>(events), seconds, static_cast<double>(events) / seconds);
    std::printf("Book deltas as Tickscope stores them now (0027's layout):\n");
    const Compressed now
        = compareSettings(tx, "market_data.book_deltas", {.orderBy = "time DESC, sequence"});
    std::printf("    %.1f compressed bytes an event against %.1f uncompressed in 0002's layout: "
                "%.1f:1 (%.1f compressed in 0002's layout)\n",
        perRow(now.after, deltas), perRow(numeric.before, deltas),
        perRow(numeric.before, now.after), perRow(numeric.after, deltas));
    printAYear("book deltas compressed, 0027's layout",
        static_cast<double>(deltas) / (kInstruments * hours * 3600), perRow(now.after, deltas));
}
} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const double btcRate = argc > 1 ? std::stod(argv[1]) : 2.0;
    const double hours = argc > 2 ? std::stod(argv[2]) : 24.0;
    const double bookHours = argc > 3 ? std::stod(argv[3]) : 2.0;
    const int maxChanges = argc > 4 ? std::stoi(argv[4]) : 4;
    try {
        testing::TestCluster cluster{
            testing::TestCluster::kFastSettings, model::TimescaleEdition::Timescale};
        auto connection = db::connect(cluster.createDatabase("compression"), "bench");
        if (!db::Migrator(connection, db::loadMigrations(db::kEmbeddedMigrations).value())
                .migrate({.targetVersion = kNumericBooks, .client = "bench"}))
            throw std::runtime_error("migration failed");
        std::optional<pqxx::nontransaction> open{std::in_place, connection};
        auto &tx = *open;
        tx.exec("SELECT setseed(0.42)");
        tx.exec("CREATE SCHEMA bench");
        tx.exec("CREATE TABLE bench.scales (instrument_id integer PRIMARY KEY, price_scale "
                "smallint NOT NULL, size_scale smallint NOT NULL)");
        const std::int64_t trades = generateTrades(tx, btcRate, hours);
        std::printf("\n%lld trades of %d instruments over %.0f hours, BTC at %.1f trades/s on "
                    "each exchange (ids: integers on four exchanges, UUIDs on the fifth)\n\n",
            static_cast<long long>(trades), static_cast<int>(kInstruments), hours, btcRate);
        measureTrades(tx, trades, hours);
        std::printf("\n");
        const std::int64_t deltas = generateBooks(tx, bookHours, maxChanges);
        const Compressed numeric = measureBooks(tx, deltas, bookHours);
        open.reset();
        convertBooks(connection, deltas, bookHours, numeric);
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_compression: %s\n", error.what());
        return 1;
    }
    return 0;
}
