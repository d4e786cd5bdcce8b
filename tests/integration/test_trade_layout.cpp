// The trades' storage layout of migration 0019, on the edition this target is built for: exact
// values through the writer and back on every reading path, and the conversion of a database of
// the numeric layout chunk by chunk: verified, resumable after a stop or a kill, its compressed
// chunks compressed again and, on the TSL edition, the continuous aggregates' bars kept, those of
// dropped trades too.
#include "db/connection.h"
#include "db/ingest_writer.h"
#include "db/instrument_registry.h"
#include "db/migrator.h"
#include "db/ohlcv_queries.h"
#include "db/policy_manager.h"
#include "db/trade_queries.h"
#include "tests/support/edition_database.h"

#include <QTest>
#include <format>
#include <pqxx/pqxx>
#include <ranges>
#include <set>

using namespace tickscope;

namespace {

constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr int kNumericLayout = 18; // the last version with 0013's trades

// Every trade as text in one form for both layouts: what the conversion must not change. Values
// without trailing zeros, as Tickscope writes them (these tests load some with).
constexpr auto kNumericTradesText
    = "SELECT coalesce(string_agg(format('%s|%s|%s|%s|%s|%s|%s', time, received_at, "
      "instrument_id, coalesce(trade_id::text, trade_ref), trim_scale(price), "
      "trim_scale(size), side), E'\\n' "
      "ORDER BY instrument_id, time, coalesce(trade_id::text, trade_ref)), '') "
      "FROM market_data.trades";
constexpr auto kTradesText
    = "SELECT coalesce(string_agg(format('%s|%s|%s|%s|%s|%s|%s', time, "
      "market_data.received_at(time, received_after_us), instrument_id, "
      "coalesce(trade_id::text, trade_uuid::text, trade_ref), "
      "market_data.to_numeric(price_units, price_scale), "
      "market_data.to_numeric(size_units, size_scale), side), E'\\n' ORDER BY instrument_id, "
      "time, coalesce(trade_id::text, trade_uuid::text, trade_ref)), '') FROM market_data.trades";

// A database of the numeric layout with trades on three days (a chunk each) of two instruments:
// numeric ids, lower- and upper-case UUIDs, other text ids, prices of several scales, receive
// times before and after the trade's, and the extremes Tickscope could store.
pqxx::connection numericLayoutDatabase(const std::string &name)
{
    auto connection = db::connect(
        testing::TestCluster::instance(testing::EditionDatabase::kEdition).createDatabase(name),
        "test");
    if (const auto migrated = testing::migrateTo(connection, kNumericLayout); !migrated)
        throw std::runtime_error(migrated.error());
    pqxx::nontransaction tx{connection};
    tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
            "VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT'), ('bybit', 'PEPEUSDT', 'PEPE', 'USDT')");
    tx.exec("INSERT INTO market_data.trades (time, received_at, instrument_id, trade_id, price, "
            "size, side) SELECT t, t + (n % 7 - 2) * interval '1 millisecond', 1, n, "
            "67000 + (n % 100) * 0.01 + (n % 3) * 0.005, 0.001 * (1 + n % 50), "
            "(ARRAY['B', 'S', 'U'])[1 + n % 3]::\"char\" "
            "FROM generate_series(1, 1500) n, "
            "LATERAL (SELECT date_trunc('day', now()) - interval '3 days' "
            "+ n * interval '2 minutes 31.123456 seconds' AS t) times");
    tx.exec("INSERT INTO market_data.trades (time, received_at, instrument_id, trade_ref, price, "
            "size, side) SELECT t, t + interval '3 ms', 2, "
            "CASE n % 3 WHEN 0 THEN md5(n::text)::uuid::text "
            "WHEN 1 THEN upper(md5(n::text)::uuid::text) ELSE 'pepe-' || n END, "
            "0.00000123 + (n % 10) * 0.00000001, 98765432109 + n * 0.5, 'S' "
            "FROM generate_series(1, 900) n, "
            "LATERAL (SELECT date_trunc('day', now()) - interval '3 days' "
            "+ n * interval '4 minutes 12.5 seconds' AS t) times");
    tx.exec("INSERT INTO market_data.trades (time, received_at, instrument_id, trade_ref, price, "
            "size, side) VALUES "
            "(date_trunc('day', now()) - interval '2 days' + interval '1 hour', "
            " date_trunc('day', now()) - interval '2 days' + interval '1 hour', 1, "
            " '18446744073709551615', 0.000000000000000001, 9223372036854775807, 'B'), "
            "(date_trunc('day', now()) - interval '1 day' + interval '1 hour', "
            " date_trunc('day', now()) - interval '1 day' + interval '59 minutes', 1, "
            " 'x', 9.223372036854775807, 92233720368.54775807, 'S')");
    return connection;
}

} // namespace

class TestTradeLayout : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
    }

    // One writer, one instrument, the extremes in a row: the instrument's finest scale rises as
    // they come, a value whose units would not fit at it keeps its own, and every reading path
    // gives back exactly what the feed sent.
    void valuesComeBackExactlyAsSent()
    {
        const testing::EditionDatabase database{"trade_layout_values"};
        auto connection = db::connect(database.conninfo(), "test");
        const auto ids
            = db::registerInstruments(connection, {{"layout", "PEPEUSDT", "PEPE", "USDT"}});
        struct Sent
        {
            const char *id;
            const char *price;
            const char *size;
            std::int64_t receivedAfterNs;
        };
        const Sent sent[] = {
            {"1", "67000.12", "0.5", 1'000'000},
            {"2", "67000.1", "1", 2'000},
            {"3", "67000", "0.00000001", 0},
            {"3f0b1a52-8c9d-4e5f-a0b1-c2d3e4f5a6b7", "0.00000001", "987654321.5", -3'000'000},
            {"3F0B1A52-8C9D-4E5F-A0B1-C2D3E4F5A6B8", "0.000000000000000001", "1", 5'000},
            {"18446744073709551615", "9223372036854775807", "9.223372036854775807", 0},
            {"bybit-7", "92233720368.54775807", "123456789012.5", 7'000},
            {"8", "9876543210.12345678", "12345.6789", 0},
            // More significant digits than a bigint's units: stored as numeric (0025).
            {"9", "12345678901234567890.12345678", "0.00000001", 0},
            {"10", "0.00000123", "123456789012345678.12345678", 9'000},
            {"11", "99999999999999999999.999999999999999999",
                "12345678901234567890.123456789012345678", 0},
        };
        db::IngestBatch batch;
        std::int64_t at = kDayNs * 20'000;
        for (const auto &[id, price, size, receivedAfter] : sent) {
            model::Trade trade{.exchangeTimeNs = at,
                .receivedAtNs = at + receivedAfter,
                .price = *model::Decimal::parse(price),
                .size = *model::Decimal::parse(size),
                .side = model::Side::Buy};
            trade.setTradeId(id);
            batch.trades.push_back(trade);
            at += 1'000'000;
        }
        db::IngestWriter{connection, "layout", ids}.write(batch);

        std::vector<model::Trade> read;
        db::forEachTrade(connection, ids.front(), kDayNs * 20'000, at, [&](const auto &trade) {
            read.push_back(trade);
            return true;
        });
        QCOMPARE(read.size(), std::size(sent));
        for (std::size_t i = 0; i < read.size(); ++i) {
            const auto &trade = read[i];
            QCOMPARE(trade.hasNumericId() ? std::to_string(trade.tradeId) : trade.tradeRef,
                std::string(sent[i].id));
            QCOMPARE(trade.price.toString(), std::string(sent[i].price));
            QCOMPARE(trade.size.toString(), std::string(sent[i].size));
            QCOMPARE(trade.receivedAtNs - trade.exchangeTimeNs, sent[i].receivedAfterNs);
        }
        // The request's view and the point-in-time export read the same functions.
        std::string expected;
        for (const auto &[id, price, size, receivedAfter] : sent)
            expected += std::format("{} {} {} {}\n", id, price, size, receivedAfter / 1000);
        QCOMPARE(testing::queryText(connection,
                     "SELECT string_agg(format('%s %s %s %s', coalesce(trade_id::text, "
                     "trade_ref), price, volume, (extract(epoch FROM received_at - time) * "
                     "1000000)::bigint), E'\\n' ORDER BY time) || E'\\n' FROM market_data.ticks "
                     "WHERE symbol = 'PEPEUSDT' AND exchange = 'layout'"),
            expected);
        // Stored as compressible: the lower-case UUID as uuid, the three 67000s at one scale;
        // as numeric only the values past a bigint's units.
        QCOMPARE(testing::queryText(connection,
                     "SELECT count(trade_uuid) || ' ' || count(trade_ref) || ' ' || "
                     "count(DISTINCT price_scale) FILTER (WHERE price_units / 10 ^ price_scale "
                     "BETWEEN 66000 AND 68000) || ' ' || count(price_exact) || ' ' || "
                     "count(size_exact) FROM market_data.trades"),
            std::string("1 3 1 2 2"));
        // The 1-minute bar over them all: a price times a size past 128 bits, which the writer
        // cannot fold, is queued and recomputed from the trades, exactly.
        QCOMPARE(testing::queryNumber(connection, "SELECT count(*) FROM aggregates.refresh_queue"),
            std::int64_t{1});
        {
            pqxx::nontransaction tx{connection};
            db::refreshPendingAggregates(tx);
        }
        const std::string bar = testing::queryText(connection,
            "SELECT format('%s %s %s %s %s %s', open, high, low, close, volume, notional) "
            "FROM aggregates.ohlcv_1m");
        QCOMPARE(bar,
            testing::queryText(connection,
                "SELECT format('%s %s %s %s %s %s', (array_agg(price ORDER BY time))[1], "
                "max(price), min(price), (array_agg(price ORDER BY time DESC))[1], sum(volume), "
                "sum(price * volume)) FROM market_data.ticks WHERE exchange = 'layout'"));
        // As the query API and `bars` read it: prices exact, the volume exact to 1e-18, a
        // notional past 1.7e20 saturated (analytics::Fixed), not an error.
        const auto level = db::ohlcvLevelFor(connection, 60);
        QVERIFY(level);
        const auto bars = db::ohlcvBars(
            connection, *level, ids.front(), 60, kDayNs * 20'000, at + 60'000'000'000);
        QCOMPARE(bars.size(), std::size_t(1));
        QCOMPARE(bars.front().open.toString() + " " + bars.front().high.toString() + " "
                + bars.front().low.toString() + " " + bars.front().close.toString() + " "
                + bars.front().volume.toString(),
            testing::queryText(connection,
                "SELECT format('%s %s %s %s %s', open, high, low, close, trim_scale(volume)) "
                "FROM aggregates.ohlcv_1m"));
        QCOMPARE(bars.front().notional.toString(),
            std::string("170141183460469231731.687303715884105727"));
    }

    // A database of 0013's layout: every trade moves once, as it was, chunk by chunk, with its
    // progress shown and each chunk's count and digest recorded.
    void convertsTheNumericLayoutChunkByChunk()
    {
        auto connection = numericLayoutDatabase("trade_layout_convert");
        const auto trades
            = testing::queryNumber(connection, "SELECT count(*) FROM market_data.trades");
        const auto before = testing::queryText(connection, kNumericTradesText);
        if (testing::EditionDatabase::tsl()) {
            pqxx::nontransaction tx{connection};
            tx.exec("ALTER TABLE market_data.trades SET (timescaledb.compress, "
                    "timescaledb.compress_segmentby = 'instrument_id', "
                    "timescaledb.compress_orderby = 'time DESC, trade_id, trade_ref')");
            tx.exec("SELECT compress_chunk(c) FROM show_chunks('market_data.trades', "
                    "older_than => date_trunc('day', now()) - interval '2 days') c");
            tx.exec("SELECT add_compression_policy('market_data.trades', interval '2 days')");
        }

        std::vector<std::string> progress;
        const auto migrated = testing::migrateTo(connection, std::nullopt, &progress);
        QVERIFY2(migrated, migrated ? "" : migrated.error().c_str());
        QCOMPARE(testing::queryText(connection, kTradesText), before);
        QCOMPARE(
            testing::queryNumber(connection, "SELECT count(*) FROM market_data.trades"), trades);
        QVERIFY(std::ranges::any_of(progress, [](const std::string &line) {
            return line.starts_with("trades: chunk 3 of 3 converted");
        }));
        QCOMPARE(testing::queryText(connection,
                     "SELECT count(*) || ' ' || sum(trades) FROM audit.trade_conversion"),
            std::format("3 {}", trades));
        QCOMPARE(testing::queryText(
                     connection, "SELECT to_regclass('market_data.trades_numeric') IS NULL"),
            std::string("t"));
        if (testing::EditionDatabase::tsl()) {
            // The compressed chunk is compressed again, the policy carried over.
            QCOMPARE(testing::queryNumber(connection,
                         "SELECT count(*) FROM timescaledb_information.chunks WHERE "
                         "hypertable_name = 'trades' AND is_compressed"),
                std::int64_t{1});
            QCOMPARE(testing::queryText(connection,
                         "SELECT config->>'compress_after' FROM timescaledb_information.jobs "
                         "WHERE proc_name = 'policy_compression' AND hypertable_name = 'trades'"),
                std::string("2 days"));
        }
    }

    // A trade the new layout cannot hold stops the conversion at its chunk with what to do; the
    // chunks before stay converted, and the next run goes on from there.
    void aStoppedConversionGoesOnWhereItStopped()
    {
        auto connection = numericLayoutDatabase("trade_layout_resume");
        pqxx::nontransaction{connection}.exec(
            "INSERT INTO market_data.trades (time, received_at, instrument_id, trade_id, price, "
            "size, side) VALUES (date_trunc('day', now()) - interval '2 days' + interval '5 h', "
            "date_trunc('day', now()) - interval '2 days' + interval '5 h', 1, 424242, "
            "0.0000000000000000001, 1, 'B')");
        const auto trades
            = testing::queryNumber(connection, "SELECT count(*) FROM market_data.trades");

        const auto stopped = testing::migrateTo(connection);
        QVERIFY(!stopped);
        QVERIFY2(stopped.error().find("the trade 424242 of instrument 1") != std::string::npos
                && stopped.error().find("run the migration again") != std::string::npos,
            stopped.error().c_str());
        QCOMPARE(
            testing::queryNumber(connection, "SELECT max(version) FROM audit.schema_migrations"),
            std::int64_t{kNumericLayout + 1});
        QCOMPARE(testing::queryNumber(connection, "SELECT count(*) FROM audit.trade_conversion"),
            std::int64_t{1});

        pqxx::nontransaction{connection}.exec(
            "UPDATE market_data.trades_numeric SET price = 0.000000000000000001 "
            "WHERE trade_id = 424242");
        const auto resumed = testing::migrateTo(connection);
        QVERIFY2(resumed, resumed ? "" : resumed.error().c_str());
        QCOMPARE(testing::queryNumber(connection, "SELECT count(*) FROM audit.trade_conversion"),
            std::int64_t{3});
        QCOMPARE(testing::queryNumber(connection, "SELECT sum(trades) FROM audit.trade_conversion"),
            trades);
        QCOMPARE(
            testing::queryNumber(connection, "SELECT count(*) FROM market_data.trades"), trades);
    }

    // The conversion's backend killed while it waits for the second chunk: the first stays
    // converted, 0020 is not recorded, and the next run converts the rest, every trade as it was.
    void aKilledConversionGoesOnWhereItStopped()
    {
        auto connection = numericLayoutDatabase("trade_layout_killed");
        const auto before = testing::queryText(connection, kNumericTradesText);
        const auto layout = testing::migrateTo(connection, kNumericLayout + 1);
        QVERIFY2(layout, layout ? "" : layout.error().c_str());
        const auto secondChunk = testing::queryText(connection,
            "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'trades_numeric' ORDER BY range_start OFFSET 1 LIMIT 1");
        const auto stopped = testing::killMigrationAtLock(
            std::string(connection.connection_string()), secondChunk);
        QCOMPARE(stopped.killed, std::int64_t{1});
        QVERIFY(!stopped.error.empty());
        QCOMPARE(
            testing::queryNumber(connection, "SELECT max(version) FROM audit.schema_migrations"),
            std::int64_t{kNumericLayout + 1});
        QCOMPARE(testing::queryNumber(connection, "SELECT count(*) FROM audit.trade_conversion"),
            std::int64_t{1});

        const auto resumed = testing::migrateTo(connection);
        QVERIFY2(resumed, resumed ? "" : resumed.error().c_str());
        QCOMPARE(testing::queryText(connection, kTradesText), before);
        QCOMPARE(testing::queryNumber(connection, "SELECT count(*) FROM audit.trade_conversion"),
            std::int64_t{3});
    }

    // TSL: the continuous aggregates move onto the new table with every bar they had, those
    // whose trades retention already dropped included, their watermarks and their policies; and
    // the finest becomes the writer's table (0023), the levels above it keeping all of that.
    void continuousAggregatesKeepTheirBars()
    {
        if (!testing::EditionDatabase::tsl())
            QSKIP("the Apache edition's aggregates are tables, which the layout does not touch");
        auto connection = numericLayoutDatabase("trade_layout_aggregates");
        {
            pqxx::nontransaction tx{connection};
            for (const char *level : {"1m", "5m", "15m", "1h", "4h", "1d"})
                tx.exec(std::format("CALL refresh_continuous_aggregate('aggregates.ohlcv_{}', "
                                    "NULL, date_trunc('day', now()))",
                    level));
            // Policies that run at once and again every second: the move must not collide with
            // their jobs ("a concurrent refresh is already in progress", deadlocks). As
            // PolicyManager requires, they do not reach back to trades that retention dropped
            // (a refresh there would recompute those bars from nothing, migration or not).
            tx.exec("SELECT add_continuous_aggregate_policy(format('aggregates.ohlcv_%s', name), "
                    "start_offset => interval '2 days', end_offset => bucket_width, "
                    "schedule_interval => interval '1 second') FROM aggregates.levels "
                    "WHERE name NOT IN ('1h', '1d')");
            tx.exec("SELECT add_continuous_aggregate_policy('aggregates.ohlcv_1h', "
                    "start_offset => interval '1 day', end_offset => interval '1 hour', "
                    "schedule_interval => interval '17 minutes')");
            // Retention took the first day's trades; their bars stay.
            tx.exec("SELECT drop_chunks('market_data.trades', "
                    "older_than => date_trunc('day', now()) - interval '2 days')");
        }
        // Values compared as numbers: these trades were loaded with trailing zeros, which the
        // recomputed newest bucket no longer has.
        const auto bars = [&](const char *level) {
            return testing::queryText(connection,
                std::format("SELECT string_agg(format('%s %s %s %s %s %s %s %s', bucket, "
                            "instrument_id, trim_scale(open), trim_scale(high), trim_scale(low), "
                            "trim_scale(close), trim_scale(volume), trades), E'\\n' "
                            "ORDER BY bucket, instrument_id) FROM aggregates.ohlcv_{}",
                    level));
        };
        const auto watermark = [&](const char *level) {
            return testing::queryText(connection,
                std::format("SELECT _timescaledb_functions.to_timestamp("
                            "_timescaledb_functions.cagg_watermark(mat_hypertable_id))::text "
                            "FROM _timescaledb_catalog.continuous_agg WHERE user_view_name = "
                            "'ohlcv_{}'",
                    level));
        };
        const auto oneMinute = bars("1m");
        const auto oneDay = bars("1d");
        const auto oneMinuteMark = watermark("1m");
        const auto oneHourMark = watermark("1h");
        QVERIFY(oneMinute.find(" 1 67000") != std::string::npos);

        const auto migrated = testing::migrateTo(connection);
        QVERIFY2(migrated, migrated ? "" : migrated.error().c_str());
        // The bars lost and the bars new, one a line.
        const auto changes = [](const std::string &before, const std::string &after) {
            const auto lines = [](const std::string &text) {
                std::set<std::string> set;
                for (const auto line : std::views::split(text, '\n'))
                    set.emplace(std::string_view{line});
                return set;
            };
            const auto was = lines(before);
            const auto is = lines(after);
            std::string changed;
            for (const auto &line : was)
                if (!is.contains(line))
                    changed += "lost: " + line + "\n";
            for (const auto &line : is)
                if (!was.contains(line))
                    changed += "new: " + line + "\n";
            return changed;
        };
        const auto oneMinuteChanged = changes(oneMinute, bars("1m"));
        QVERIFY2(oneMinuteChanged.empty(), oneMinuteChanged.c_str());
        const auto oneDayChanged = changes(oneDay, bars("1d"));
        QVERIFY2(oneDayChanged.empty(), oneDayChanged.c_str());
        // Since migration 0023 the finest level is a table the writer folds into, holding every
        // bar the aggregate had; the levels above were made again over it, up to where they were.
        QCOMPARE(testing::queryNumber(connection,
                     "SELECT count(*) FROM timescaledb_information.continuous_aggregates "
                     "WHERE view_name = 'ohlcv_1m'"),
            std::int64_t{0});
        QVERIFY(!oneMinuteMark.empty());
        QCOMPARE(watermark("1h"), oneHourMark);
        QCOMPARE(testing::queryText(connection,
                     "SELECT format('%s %s %s', config->>'start_offset', config->>'end_offset', "
                     "schedule_interval) FROM timescaledb_information.jobs WHERE proc_name = "
                     "'policy_refresh_continuous_aggregate' AND hypertable_name = 'ohlcv_1h'"),
            std::string("1 day 01:00:00 00:17:00"));
        QCOMPARE(testing::queryNumber(connection,
                     "SELECT count(*) FROM timescaledb_information.jobs WHERE proc_name = "
                     "'policy_refresh_continuous_aggregate'"),
            std::int64_t{4});
        QCOMPARE(testing::queryNumber(connection,
                     "SELECT count(*) FROM audit.trade_conversion_levels WHERE refreshed_at IS "
                     "NOT NULL AND policies_at IS NOT NULL"),
            std::int64_t{6});
        QCOMPARE(testing::queryNumber(connection,
                     "SELECT count(*) FROM audit.finest_level_conversion WHERE policies_at IS "
                     "NOT NULL AND (watermark IS NULL OR relation = 'aggregates.ohlcv_1m' OR "
                     "refreshed_at IS NOT NULL)"),
            std::int64_t{6});
    }
};

QTEST_GUILESS_MAIN(TestTradeLayout)
#include "test_trade_layout.moc"
