// How should trades be stored? Loads the same synthetic day of trades (5 exchanges x 10 symbols)
// with COPY into several table designs on one durable PostgreSQL 17 + TimescaleDB cluster and
// prints, per design: COPY rows/s, size on disk, and the p50/p99 latency of "the last 5 minutes
// of one symbol", each with its ratio to the request's sketch (the baseline).
//
//   bench_trade_storage [--rows N] [--batch-rows N]
#include "db/connection.h"
#include "db/copy_binary.h"
#include "db/migrator.h"
#include "tests/support/test_cluster.h"

#include <QCoreApplication>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <format>
#include <libpq-fe.h>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <vector>

using namespace tickscope;

namespace {

struct Trade
{
    std::int64_t timeUs; // since the day's start
    int instrument; // 0..49
    std::int64_t tradeId;
    std::int64_t priceE8;
    std::int64_t sizeE8;
    bool buy;
};

using Row = std::vector<std::string>; // a design's columns, as text

struct Design
{
    const char *name;
    const char *ddl; // run on an empty, migrated database
    const char *table;
    const char *columns;
    Row (*row)(const Trade &);
    const char *recentQuery; // $1 = instrument (0..49), $2 = the window's end
};

constexpr auto kDay = "2026-11-24";
const char *const kExchanges[] = {"binance", "coinbase", "kraken", "okx", "bybit"};
const char *const kSymbols[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "ADAUSDT",
    "AVAXUSDT", "LINKUSDT", "DOTUSDT", "LTCUSDT"};

std::string decimal(std::int64_t e8)
{
    return std::format("{}.{:08}", e8 / 100'000'000, e8 % 100'000'000);
}

std::string timestamp(std::int64_t us)
{
    const std::int64_t seconds = us / 1'000'000;
    return std::format("{} {:02}:{:02}:{:02}.{:06}+00", kDay, seconds / 3600, seconds / 60 % 60,
        seconds % 60, us % 1'000'000);
}

std::vector<Trade> makeTrades(std::size_t rows)
{
    std::mt19937_64 random{42};
    std::vector<Trade> trades;
    trades.reserve(rows);
    std::vector<std::int64_t> price(50), nextId(50, 1'000'000'000);
    for (int i = 0; i < 50; ++i)
        price[static_cast<std::size_t>(i)] = (100 + i * 997) * 100'000'000LL;
    const double step = 86'400e6 / static_cast<double>(rows);
    for (std::size_t n = 0; n < rows; ++n) {
        const int instrument = static_cast<int>(random() % 50);
        auto &p = price[static_cast<std::size_t>(instrument)];
        p = std::max<std::int64_t>(
            1'000'000, p + static_cast<std::int64_t>(random() % 2001) * 1'000'000 - 1'000'000'000);
        trades.push_back({static_cast<std::int64_t>(static_cast<double>(n) * step), instrument,
            nextId[static_cast<std::size_t>(instrument)]++, p,
            static_cast<std::int64_t>(random() % 500'000'000) + 1, (random() & 1) != 0});
    }
    return trades;
}

Row requestSketchRow(const Trade &t)
{
    return {timestamp(t.timeUs), kExchanges[t.instrument / 10], kSymbols[t.instrument % 10],
        decimal(t.priceE8), decimal(t.sizeE8), t.buy ? "B" : "S", std::to_string(t.tradeId)};
}

// As market_data.trades holds it (migration 0019): received 150 us after, units of 1e-8.
Row unitsRow(const Trade &t)
{
    return {timestamp(t.timeUs), "150", std::to_string(t.instrument + 1), std::to_string(t.tradeId),
        std::to_string(t.priceE8), "8", std::to_string(t.sizeE8), "8", t.buy ? "B" : "S"};
}

Row scaledRow(const Trade &t)
{
    return {timestamp(t.timeUs), timestamp(t.timeUs + 150), std::to_string(t.instrument + 1),
        std::to_string(t.tradeId), std::to_string(t.priceE8), std::to_string(t.sizeE8),
        t.buy ? "B" : "S"};
}

const Design kDesigns[] = {
    {"request's sketch: text keys, numeric(20,8), PK + (exchange, symbol, time) index",
        R"sql(
CREATE TABLE bench_ticks (
    time timestamptz NOT NULL, exchange text NOT NULL, symbol text NOT NULL,
    price numeric(20, 8) NOT NULL, volume numeric(20, 8) NOT NULL, side char(1),
    trade_id bigint, PRIMARY KEY (time, exchange, symbol, trade_id));
SELECT create_hypertable('bench_ticks', by_range('time', INTERVAL '1 day'));
CREATE INDEX ON bench_ticks (exchange, symbol, time DESC);
)sql",
        "bench_ticks", "time, exchange, symbol, price, volume, side, trade_id", requestSketchRow,
        "SELECT * FROM bench_ticks WHERE exchange = "
        "(ARRAY['binance','coinbase','kraken','okx','bybit'])[$1 / 10 + 1] "
        "AND symbol = "
        "(ARRAY['BTCUSDT','ETHUSDT','SOLUSDT','XRPUSDT','DOGEUSDT','ADAUSDT','AVAXUSDT','LINKUSDT',"
        "'DOTUSDT','LTCUSDT'])[$1 % 10 + 1] "
        "AND time > $2::timestamptz - interval '5 minutes' AND time <= $2::timestamptz ORDER BY "
        "time DESC"},
    {"tickscope: int instrument id, exact units + scale, one unique (instrument, time desc, id)",
        "", "market_data.trades",
        "time, received_after_us, instrument_id, trade_id, price_units, price_scale, size_units, "
        "size_scale, side",
        unitsRow,
        "SELECT * FROM market_data.trades WHERE instrument_id = $1 + 1 "
        "AND time > $2::timestamptz - interval '5 minutes' AND time <= $2::timestamptz ORDER BY "
        "time DESC"},
    {"int instrument id, bigint scaled 1e-8, same unique index", R"sql(
CREATE TABLE bench_scaled (
    time timestamptz NOT NULL, received_at timestamptz NOT NULL, instrument_id integer NOT NULL,
    trade_id bigint, price bigint NOT NULL, size bigint NOT NULL,
    side "char" NOT NULL CHECK (side IN ('B', 'S', 'U')), trade_ref text,
    CONSTRAINT trades_one_trade_id CHECK (num_nonnulls(trade_id, trade_ref) = 1));
SELECT create_hypertable('bench_scaled', by_range('time', INTERVAL '1 day'), create_default_indexes => false);
CREATE UNIQUE INDEX ON bench_scaled (instrument_id, time DESC, trade_id);
)sql",
        "bench_scaled", "time, received_at, instrument_id, trade_id, price, size, side", scaledRow,
        "SELECT * FROM bench_scaled WHERE instrument_id = $1 + 1 "
        "AND time > $2::timestamptz - interval '5 minutes' AND time <= $2::timestamptz ORDER BY "
        "time DESC"},
};

struct Result
{
    double rowsPerSecond = 0;
    std::int64_t bytes = 0;
    double p50Ms = 0;
    double p99Ms = 0;
};

Result measure(const std::string &conninfo, const Design &design, const std::vector<Trade> &trades,
    std::size_t batchRows)
{
    auto connection = db::connect(conninfo, "bench");
    if (*design.ddl) {
        pqxx::work tx{connection};
        tx.exec(design.ddl);
        tx.commit();
    }
    std::vector<Row> rows;
    rows.reserve(trades.size());
    for (const auto &trade : trades)
        rows.push_back(design.row(trade));

    Result result;
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < rows.size(); first += batchRows) {
        pqxx::work tx{connection};
        auto stream = pqxx::stream_to::raw_table(tx, design.table, design.columns);
        for (std::size_t i = first; i < std::min(rows.size(), first + batchRows); ++i)
            stream.write_row(rows[i]);
        stream.complete();
        tx.commit();
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    result.rowsPerSecond = static_cast<double>(rows.size()) / took.count();

    pqxx::nontransaction tx{connection};
    tx.exec(std::format("VACUUM ANALYZE {}", design.table));
    result.bytes = tx.exec("SELECT hypertable_size($1)", pqxx::params{std::string(design.table)})
                       .one_field()
                       .as<std::int64_t>();

    connection.prepare("recent", design.recentQuery);
    std::vector<double> latencies;
    std::mt19937 random{7};
    for (int run = 0; run < 400; ++run) {
        const int instrument = static_cast<int>(random() % 50);
        const std::string end
            = timestamp(static_cast<std::int64_t>(random() % 80'000) * 1'000'000 + 6'000'000'000);
        const auto queryStarted = std::chrono::steady_clock::now();
        tx.exec(pqxx::prepped{"recent"}, pqxx::params{instrument, end});
        latencies.push_back(std::chrono::duration<double, std::milli>(
            std::chrono::steady_clock::now() - queryStarted)
                .count());
    }
    std::ranges::sort(latencies);
    result.p50Ms = latencies[latencies.size() / 2];
    result.p99Ms = latencies[latencies.size() * 99 / 100];
    return result;
}

// The chosen design loaded with binary COPY through libpq, batch by batch: rows/s.
double binaryCopyRate(
    const std::string &conninfo, const std::vector<Trade> &trades, std::size_t batchRows)
{
    PGconn *connection = PQconnectdb(conninfo.c_str());
    if (PQstatus(connection) != CONNECTION_OK)
        throw std::runtime_error(PQerrorMessage(connection));
    constexpr std::int64_t kDayNs = 1'795'478'400'000'000'000; // kDay, 2026-11-24
    auto exec = [&](const char *sql, ExecStatusType expected) {
        PGresult *result = PQexec(connection, sql);
        const bool ok = PQresultStatus(result) == expected;
        PQclear(result);
        if (!ok)
            throw std::runtime_error(PQerrorMessage(connection));
    };
    std::string buffer;
    const auto started = std::chrono::steady_clock::now();
    for (std::size_t first = 0; first < trades.size(); first += batchRows) {
        exec("BEGIN", PGRES_COMMAND_OK);
        exec("COPY market_data.trades (time, received_after_us, instrument_id, trade_id, "
             "price_units, price_scale, size_units, size_scale, side) FROM STDIN (FORMAT binary)",
            PGRES_COPY_IN);
        buffer.clear();
        db::copy_binary::appendHeader(buffer);
        for (std::size_t i = first; i < std::min(trades.size(), first + batchRows); ++i) {
            const Trade &t = trades[i];
            db::copy_binary::beginRow(buffer, 9);
            db::copy_binary::appendTimestamp(buffer, kDayNs + t.timeUs * 1000);
            db::copy_binary::appendInt64(buffer, 150);
            db::copy_binary::appendInt32(buffer, t.instrument + 1);
            db::copy_binary::appendInt64(buffer, t.tradeId);
            db::copy_binary::appendInt64(buffer, t.priceE8);
            db::copy_binary::appendInt16(buffer, 8);
            db::copy_binary::appendInt64(buffer, t.sizeE8);
            db::copy_binary::appendInt16(buffer, 8);
            db::copy_binary::appendChar(buffer, t.buy ? 'B' : 'S');
        }
        db::copy_binary::appendTrailer(buffer);
        if (PQputCopyData(connection, buffer.data(), static_cast<int>(buffer.size())) != 1
            || PQputCopyEnd(connection, nullptr) != 1)
            throw std::runtime_error(PQerrorMessage(connection));
        PGresult *result = PQgetResult(connection);
        const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        if (!ok)
            throw std::runtime_error(PQerrorMessage(connection));
        exec("COMMIT", PGRES_COMMAND_OK);
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    PQfinish(connection);
    return static_cast<double>(trades.size()) / took.count();
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    std::size_t rows = 2'000'000;
    std::size_t batchRows = 50'000;
    const QStringList arguments = QCoreApplication::arguments();
    for (qsizetype i = 1; i + 1 < arguments.size(); i += 2) {
        bool ok = false;
        const auto value = arguments.at(i + 1).toULongLong(&ok);
        if (!ok || value == 0
            || (arguments.at(i) != u"--rows" && arguments.at(i) != u"--batch-rows")) {
            std::fprintf(stderr, "usage: bench_trade_storage [--rows N] [--batch-rows N]\n");
            return 2;
        }
        (arguments.at(i) == u"--rows" ? rows : batchRows) = value;
    }

    // Durable settings, as production runs: fsync and synchronous commit on.
    testing::TestCluster cluster{
        {QStringLiteral("shared_buffers = '2GB'"), QStringLiteral("max_wal_size = '8GB'")}};
    const auto migrations = db::loadMigrations(db::kEmbeddedMigrations).value();
    const auto trades = makeTrades(rows);
    std::printf("%zu trades of one day, 5 exchanges x 10 symbols, COPY in batches of %zu rows, "
                "one transaction each\n\n",
        rows, batchRows);
    std::printf(
        "%-84s %10s %7s %9s %9s %9s\n", "design", "rows/s", "ratio", "MB", "B/row", "p50/p99 ms");

    Result baseline;
    double chosenTextRate = 0;
    std::string chosenConninfo;
    int index = 0;
    for (const auto &design : kDesigns) {
        const std::string conninfo = cluster.createDatabase(std::format("bench_{}", index++));
        {
            auto connection = db::connect(conninfo, "bench");
            if (!db::Migrator(connection, migrations).migrate({.client = "bench"}))
                return 1;
        }
        const Result result = measure(conninfo, design, trades, batchRows);
        if (index == 1)
            baseline = result;
        if (index == 2) {
            chosenTextRate = result.rowsPerSecond;
            chosenConninfo = conninfo;
        }
        std::printf("%-84s %10.0f %6.2fx %9.1f %9.1f %4.2f/%4.2f\n", design.name,
            result.rowsPerSecond, result.rowsPerSecond / baseline.rowsPerSecond,
            static_cast<double>(result.bytes) / 1e6,
            static_cast<double>(result.bytes) / static_cast<double>(rows), result.p50Ms,
            result.p99Ms);
        std::fflush(stdout);
    }

    // Text or binary COPY for the chosen design, same rows and batches, fresh database.
    const std::string conninfo = cluster.createDatabase("bench_binary");
    {
        auto connection = db::connect(conninfo, "bench");
        if (!db::Migrator(connection, migrations).migrate({.client = "bench"}))
            return 1;
    }
    const double binaryRate = binaryCopyRate(conninfo, trades, batchRows);
    // The binary encoding must store what the text one stored.
    auto totals = [](const std::string &database) {
        auto connection = db::connect(database, "bench");
        return pqxx::nontransaction{connection}
            .exec("SELECT count(*)::text || ' ' || sum(market_data.to_numeric(price_units, "
                  "price_scale))::text || ' ' || sum(market_data.to_numeric(size_units, "
                  "size_scale))::text || ' ' || sum(extract(epoch FROM time))::text "
                  "FROM market_data.trades")
            .one_field()
            .as<std::string>();
    };
    if (const auto binary = totals(conninfo), text = totals(chosenConninfo); binary != text) {
        std::fprintf(stderr, "binary COPY stored other values than text COPY: %s, not %s\n",
            binary.c_str(), text.c_str());
        return 1;
    }
    std::printf("\nchosen design, text COPY (libpqxx stream_to): %.0f rows/s\n"
                "chosen design, binary COPY (libpq, db::copy_binary as the writer uses it): %.0f "
                "rows/s (%.2fx)\n",
        chosenTextRate, binaryRate, binaryRate / chosenTextRate);
    return 0;
}
