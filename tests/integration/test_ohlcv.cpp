// OHLCV at every interval equals a computation from the raw trades in plain SQL (date_bin and
// ordered array_agg, nothing of TimescaleDB), after the first refresh and again after late and
// backfilled trades land in buckets that were already computed, and after every batch the
// writer folds into them itself (Apache) or queues for the refresh. Built twice: against the Apache
// edition (tables refreshed by aggregates.refresh_tables) and the TSL edition (hierarchical
// continuous aggregates), so both editions give these same answers. And the bars a chart sums
// itself of trades not yet refreshed are the ones the aggregates store.
#include "db/connection.h"
#include "db/ingest_writer.h"
#include "db/instrument_registry.h"
#include "db/ohlcv_queries.h"
#include "db/trade_queries.h"
#include "tests/support/edition_database.h"

#include <QTest>
#include <array>
#include <format>
#include <memory>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

constexpr auto kIntervals = {"1m", "5m", "15m", "1h", "4h", "1d"};

constexpr auto kWidths = {"1 minute", "5 minutes", "15 minutes", "1 hour", "4 hours", "1 day"};

// `count` trades of `symbol` from `start`, two per timestamp (with the higher id first, so that
// open and close must be chosen by id, not by arrival), prices a noisy sine, three sides.
void seedTrades(pqxx::work &tx, const std::string &symbol, bool textIds, const std::string &start,
    int count, const std::string &step)
{
    const int instrument
        = tx.query_value<int>("INSERT INTO market_data.instruments (exchange, symbol, base_asset, "
                              "quote_asset) VALUES ('ohlcv', $1, 'X', 'USD') ON CONFLICT "
                              "(exchange, symbol) DO UPDATE SET symbol = excluded.symbol "
                              "RETURNING instrument_id",
            pqxx::params{symbol});
    tx.exec(
        std::format(
            "INSERT INTO market_data.trades (time, received_after_us, instrument_id, trade_id, "
            "trade_ref, price_units, price_scale, size_units, size_scale, side) "
            "SELECT t, 5000, {0}, CASE WHEN {1} THEN NULL ELSE id END, "
            "CASE WHEN {1} THEN 'r' || lpad(id::text, 9, '0') END, (price * 100)::bigint, 2, "
            "(size * 1000)::bigint, 3, side FROM ("
            "  SELECT $1::timestamptz + (i / 2) * $2::interval AS t, "
            "         i + 1 - 2 * (i % 2) AS id, "
            "         (100 + 5 * sin(i / 500.0) + ((i * 7919) % 200 - 100) * 0.01)::numeric(12, "
            "2) AS price, ((1 + (i * 104729) % 997) * 0.001)::numeric AS size, "
            "         (ARRAY['B', 'S', 'U'])[1 + i % 3]::\"char\" AS side "
            "  FROM generate_series(0, $3::bigint - 1) AS i) generated",
            instrument, textIds ? "true" : "false"),
        pqxx::params{start, step, count});
}

// What the writer does for each batch: queue the minutes its trades touched.
void queueTouchedMinutes(pqxx::work &tx, const std::string &since)
{
    tx.exec("INSERT INTO aggregates.refresh_queue (instrument_id, bucket) "
            "SELECT DISTINCT instrument_id, date_trunc('minute', time) FROM market_data.trades "
            "WHERE market_data.received_at(time, received_after_us) >= $1",
        pqxx::params{since});
}

// Rows of aggregates.ohlcv at `interval` for `exchange`'s instruments that the plain-SQL
// computation does not have, and the other way round; and how many rows the view has.
std::pair<int, int> compareWithRawTrades(pqxx::connection &connection, const std::string &exchange,
    const std::string &interval, const std::string &width)
{
    pqxx::read_transaction tx{connection};
    const std::string view
        = "SELECT time, exchange, symbol, open, high, low, close, volume, trades, vwap, "
          "buy_volume, sell_volume FROM aggregates.ohlcv WHERE exchange = '"
        + exchange
        + "' AND "
          "interval = '"
        + interval + "'";
    const std::string independent = std::format(
        "SELECT date_bin('{}', t.time, '2000-01-03 00:00:00+00'), i.exchange, i.symbol, "
        "(array_agg(price ORDER BY t.time, trade_id, trade_ref COLLATE \"C\"))[1], max(price), "
        "min(price), "
        "(array_agg(price ORDER BY t.time DESC, trade_id DESC, trade_ref COLLATE \"C\" DESC))[1], "
        "sum(size), "
        "count(*)::bigint, sum(price * size) / sum(size), "
        "coalesce(sum(size) FILTER (WHERE side = 'B'), 0), "
        "coalesce(sum(size) FILTER (WHERE side = 'S'), 0) "
        "FROM (SELECT time, instrument_id, trade_id, coalesce(trade_ref, trade_uuid::text) AS "
        "trade_ref, market_data.to_numeric(price_units, price_scale) AS price, "
        "market_data.to_numeric(size_units, size_scale) AS size, side FROM market_data.trades) t "
        "JOIN market_data.instruments i USING (instrument_id) "
        "WHERE i.exchange = '{}' GROUP BY 1, 2, 3",
        width, exchange);
    const int differing = tx.query_value<int>(std::format(
        "SELECT count(*) FROM (({0} EXCEPT {1}) UNION ALL ({1} EXCEPT {0})) d", view, independent));
    const int rows = tx.query_value<int>("SELECT count(*) FROM (" + view + ") v");
    return {differing, rows};
}

// `count` trades of database instrument 0 as a feed's batch holds them, `stepNs` apart from
// `startNs` in pairs sharing a timestamp (the higher id first), prices and sizes of varying
// scales, three sides; ids from `firstId`, as text ("r000000042") when `textIds`.
std::vector<model::Trade> batchTrades(
    std::int64_t firstId, int count, std::int64_t startNs, std::int64_t stepNs, bool textIds)
{
    std::vector<model::Trade> trades;
    for (int i = 0; i < count; ++i) {
        const std::int64_t id = firstId + i + 1 - 2 * (i % 2);
        model::Trade trade{.exchangeTimeNs = startNs + (i / 2) * stepNs,
            .receivedAtNs = startNs + (i / 2) * stepNs + 5'000'000,
            .tradeId = id,
            .price = *model::Decimal::parse(
                std::format("{}.{:02}", 100 + (i * 7919) % 13, (i * 104729) % 100)),
            .size = *model::Decimal::parse(
                i % 7 == 0 ? std::string("0.00000001") : std::format("0.{:03}", 1 + i % 997)),
            .side = std::array{model::Side::Buy, model::Side::Sell, model::Side::Unknown}[i % 3]};
        if (textIds)
            trade.setTradeId(std::format("r{:09}", id));
        trades.push_back(std::move(trade));
    }
    return trades;
}

} // namespace

class TestOhlcv : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
        try {
            m_database = std::make_unique<testing::EditionDatabase>("ohlcv");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void everyIntervalEqualsPlainSqlOverRawTrades()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        {
            pqxx::work tx{connection};
            // 30 hours: both sides of a day boundary, each 4h bucket whole or cut.
            seedTrades(tx, "AAAUSD", false, "2026-03-01 21:00:00+00", 24'000, "9 seconds");
            seedTrades(tx, "BBBUSD", true, "2026-03-02 03:30:00.250+00", 12'000, "13 seconds");
            queueTouchedMinutes(tx, "-infinity");
            tx.commit();
        }
        pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_pending()");
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM aggregates.refresh_queue"),
            0);
        checkEveryInterval(connection);
    }

    // Migration 0021 computes the order key without numeric; the bars stored since 0016 keep
    // theirs, so the bytes must be 0017's for every time and id a trade can have.
    void theTradeOrderKeepsItsBytes()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        const auto differing = pqxx::nontransaction{connection}.query_value<std::int64_t>(
            R"sql(
            WITH probe (at, id, ref) AS (
                SELECT timestamptz '2026-03-01 21:00:00.000001+00' + n * interval '7919.000373 s',
                       CASE WHEN n % 3 = 0 THEN NULL ELSE (n - 500) * 104729 END,
                       CASE WHEN n % 3 = 0 THEN format('é\x%s-%s', n, n % 7) END
                FROM generate_series(1, 1000) n
                UNION ALL VALUES
                    (timestamptz '1969-12-31 23:59:59.999999+00', 0::bigint, NULL::text),
                    (timestamptz '1900-01-01 00:00:00+00', -9223372036854775808, NULL),
                    (timestamptz '2262-04-11 23:47:16.854775+00', 9223372036854775807, NULL),
                    (timestamptz '2026-03-01 00:00:00+05:30', NULL, '0b1c5f3e-9f2a-4c1e-8f3b'),
                    (timestamptz '2026-03-01 00:00:00.5+00', NULL, ''))
            SELECT count(*) FROM probe
            WHERE aggregates.trade_order(at, id, ref) IS DISTINCT FROM
                int8send((extract(epoch FROM at AT TIME ZONE 'UTC') * 1000000)::bigint
                         # (-9223372036854775808))
                || CASE WHEN id IS NOT NULL
                        THEN '\x00'::bytea || int8send(id # (-9223372036854775808))
                        ELSE '\x01'::bytea || decode(replace(ref, '\', '\\'), 'escape') END
            )sql");
        QCOMPARE(differing, 0);
    }

    void lateAndBackfilledTradesCorrectTheirBuckets()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        const auto highBefore = pqxx::nontransaction{connection}.query_value<std::string>(
            "SELECT high FROM aggregates.ohlcv WHERE symbol = 'AAAUSD' AND interval = '1d' "
            "AND time = '2026-03-01'");
        {
            pqxx::work tx{connection};
            const auto since = tx.query_value<std::string>("SELECT now()::text");
            tx.exec("INSERT INTO market_data.trades (time, received_after_us, instrument_id, "
                    "trade_id, trade_ref, price_units, price_scale, size_units, size_scale, side) "
                    "SELECT t.time, (extract(epoch FROM now() - t.time) * 1000000)::bigint, "
                    "i.instrument_id, t.trade_id, t.trade_ref, t.price_units, t.price_scale, "
                    "t.size_units, t.size_scale, t.side::\"char\" FROM market_data.instruments i, "
                    "(VALUES "
                    // Late, at the first trade's instant with a lower id: the day's new open.
                    "  ('AAAUSD', '2026-03-01 21:00:00+00'::timestamptz, -1, NULL, 2505, 1, 20, 1, "
                    "'B'),"
                    // Late, the day's high, in the middle of a computed hour.
                    "  ('AAAUSD', '2026-03-01 22:31:07.125+00', 900001, NULL, 77777, 2, 5, 1, "
                    "'S'),"
                    // Backfilled: a run of trades between stored ones, the last one closes 1d.
                    "  ('AAAUSD', '2026-03-01 23:59:59.999+00', 900002, NULL, 10101, 2, 1, 0, "
                    "'U'),"
                    "  ('AAAUSD', '2026-03-01 23:59:59.999+00', 900003, NULL, 9999, 2, 3, 0, 'B'),"
                    "  ('BBBUSD', '2026-03-02 03:30:00.250+00', NULL, 'a-late', 15, 1, 10, 0, "
                    "'S'),"
                    "  ('BBBUSD', '2026-03-02 20:00:00+00', NULL, 'zz-late', 180, 0, 1, 0, 'B')"
                    ") AS t (symbol, time, trade_id, trade_ref, price_units, price_scale, "
                    "size_units, size_scale, side) "
                    "WHERE i.exchange = 'ohlcv' AND i.symbol = t.symbol");
            queueTouchedMinutes(tx, since);
            tx.commit();
        }
        pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_pending()");
        checkEveryInterval(connection);
        pqxx::nontransaction tx{connection};
        QCOMPARE(highBefore == "777.77", false);
        QCOMPARE(tx.query_value<std::string>(
                     "SELECT open || ' ' || high || ' ' || close FROM aggregates.ohlcv WHERE "
                     "symbol = 'AAAUSD' AND interval = '1d' AND time = '2026-03-01'"),
            std::string("250.5 777.77 99.99"));
    }

    // What a chart sums itself of the trades the refresh has not taken: db::tradeBars gives the
    // stored bars, whole, and a bucket the aggregates' minutes give up to a minute and the
    // trades from there is the stored bucket.
    void tradeBarsAreTheStoredOnes()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        const int instrument = db::findInstrument(connection, "ohlcv", "AAAUSD").value();
        const auto minutes = db::ohlcvLevelFor(connection, 60).value();
        constexpr std::int64_t kSecondNs = 1'000'000'000;
        // 2026-03-02, a day of whole buckets of every width.
        const std::int64_t from = 1'772'409'600 * kSecondNs;
        const std::int64_t to = from + 24 * 3'600 * kSecondNs;
        for (const std::int64_t seconds : {60, 3'600, 14'400, 86'400}) {
            const auto level = db::ohlcvLevelFor(connection, seconds).value();
            const auto stored = db::ohlcvBars(connection, level, instrument, seconds, from, to);
            QVERIFY(!stored.empty());
            QCOMPARE(db::tradeBars(connection, instrument, seconds, from, to), stored);
            // Cut at a whole minute about 3/5 into the second bucket.
            const std::int64_t bucket = stored.size() > 1 ? stored[1].openTimeNs : from;
            const std::int64_t cut = bucket + seconds * 3 / 5 / 60 * 60 * kSecondNs;
            auto joined = db::ohlcvBars(connection, minutes, instrument, seconds, bucket, cut);
            for (const auto &bar :
                db::tradeBars(connection, instrument, seconds, cut, bucket + seconds * kSecondNs))
                analytics::appendJoined(joined, bar);
            QCOMPARE(joined.size(), std::size_t(1));
            QCOMPARE(joined.front(), stored.size() > 1 ? stored[1] : stored[0]);
        }
    }

    // Batches through db::IngestWriter, as the ingest writes them: in order and split mid-minute,
    // late trades that become a stored minute's open, high and close, text ids, a replay with
    // duplicates, a minute stored before migration 0016 and sums beyond 128 bits. On the Apache
    // edition an exact batch folds into every level in its own transaction, nothing queued;
    // the rest waits for the refresh. Each time, every level equals plain SQL over the trades.
    void writerBatchesFoldIntoEveryLevel()
    {
        auto connection = db::connect(m_database->conninfo(), "test");
        const auto fold = db::registerInstruments(connection, {{"fold", "FOLDUSD", "F", "USD"}});
        const auto text = db::registerInstruments(connection, {{"fold", "REFSUSD", "R", "USD"}});
        db::IngestWriter foldWriter{connection, "fold", fold};
        db::IngestWriter textWriter{connection, "fold", text};
        auto queued = [&] {
            return pqxx::nontransaction{connection}.query_value<int>(
                "SELECT count(*) FROM aggregates.refresh_queue");
        };
        // `exact`: the Apache edition folded it, and no refresh is needed.
        auto settle = [&](const char *step, bool exact) {
            const bool folded = exact && !testing::EditionDatabase::tsl();
            QVERIFY2((queued() == 0) == folded, step);
            if (!folded)
                pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_pending()");
            QCOMPARE(queued(), 0);
            checkEveryInterval(connection, "fold");
        };
        constexpr std::int64_t kSecondNs = 1'000'000'000;
        const std::int64_t start = 1'772'754'600 * kSecondNs; // 2026-03-05 23:50 UTC
        const auto inOrder = batchTrades(1'000'000, 4'000, start, 370'000'000, false);
        for (int part = 0; part < 4; ++part) {
            db::IngestBatch batch;
            batch.trades.assign(
                inOrder.begin() + part * 1'000, inOrder.begin() + (part + 1) * 1'000);
            QCOMPARE(foldWriter.write(batch).rowsWritten, std::size_t(1'000));
        }
        settle("in order", true);

        // Late: at the instant of 23:55's first trade with a lower id (the new open), at its
        // last trade's instant with a higher id (the new close), and the minute's new high.
        const auto minute = pqxx::nontransaction{connection}
                                .exec("SELECT (extract(epoch FROM min(time)) * 1e6)::bigint, "
                                      "(extract(epoch FROM max(time)) * 1e6)::bigint "
                                      "FROM market_data.trades WHERE instrument_id = $1 AND "
                                      "time >= '2026-03-05 23:55' AND time < '2026-03-05 23:56'",
                                    pqxx::params{fold.front()})
                                .one_row();
        db::IngestBatch late;
        late.trades = batchTrades(1, 1, minute[0].as<std::int64_t>() * 1000, 0, false);
        late.trades.push_back(
            batchTrades(9'000'000, 1, minute[1].as<std::int64_t>() * 1000, 0, false).front());
        late.trades.push_back(batchTrades(9'000'002, 1, start + 330 * kSecondNs, 0, false).front());
        late.trades.back().price = *model::Decimal::parse("777.777");
        QCOMPARE(foldWriter.write(late).rowsWritten, std::size_t(3));
        settle("late", true);
        QCOMPARE(pqxx::nontransaction{connection}.query_value<std::string>(
                     "SELECT high::text FROM aggregates.ohlcv WHERE symbol = 'FOLDUSD' AND "
                     "interval = '1d' AND time = '2026-03-05'"),
            std::string("777.777"));

        // Text ids over three minutes in two batches; the second leads with an id that sorts
        // before the stored open of its first minute.
        const auto refs = batchTrades(500, 600, start, 500'000'000, true);
        db::IngestBatch first;
        first.trades.assign(refs.begin(), refs.begin() + 400);
        QCOMPARE(textWriter.write(first).rowsWritten, std::size_t(400));
        db::IngestBatch second;
        second.trades.assign(refs.begin() + 400, refs.end());
        second.trades.push_back(batchTrades(0, 1, start, 0, false).front());
        second.trades.back().setTradeId("a-first");
        // Bytes an id may hold: a backslash (the order's text escaping) and UTF-8.
        second.trades.push_back(batchTrades(0, 1, start + 60 * kSecondNs, 0, false).front());
        second.trades.back().setTradeId("A\\x41\\");
        second.trades.push_back(batchTrades(0, 1, start + 60 * kSecondNs, 0, false).front());
        second.trades.back().setTradeId("A\\x41\\\u00e9");
        QCOMPARE(textWriter.write(second).rowsWritten, std::size_t(203));
        settle("text ids, a new open", true);

        // A replay: 1,000 stored trades again and ten new ones.
        db::IngestBatch replay;
        replay.trades.assign(inOrder.begin() + 1'000, inOrder.begin() + 2'000);
        const auto more = batchTrades(2'000'000, 10, start + 100 * kSecondNs, 1'000, false);
        replay.trades.insert(replay.trades.end(), more.begin(), more.end());
        const auto receipt = foldWriter.write(replay);
        QCOMPARE(receipt.duplicates, std::size_t(1'000));
        settle("replay", false);

        // Sums beyond 128 bits: three notionals of 8.5e37 units of 0.01.
        db::IngestBatch huge;
        huge.trades = batchTrades(3'000'000, 3, start + 2'400 * kSecondNs, kSecondNs, false);
        for (auto &trade : huge.trades) {
            trade.price = *model::Decimal::parse("92233720368547758.07");
            trade.size = *model::Decimal::parse("9223372036854775807");
        }
        QCOMPARE(foldWriter.write(huge).rowsWritten, std::size_t(3));
        settle("sums beyond 128 bits", false);

        if (testing::EditionDatabase::tsl())
            return;
        // A minute stored before 0016 has no order of its open and close to merge by.
        pqxx::nontransaction{connection}.exec(
            "UPDATE aggregates.ohlcv_1m SET open_order = NULL, close_order = NULL "
            "WHERE bucket = '2026-03-05 23:58'");
        db::IngestBatch into;
        into.trades = batchTrades(4'000'000, 2, start + 490 * kSecondNs, 0, false);
        QCOMPARE(foldWriter.write(into).rowsWritten, std::size_t(2));
        settle("a minute from before 0016", false);
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM aggregates.ohlcv_1m WHERE open_order IS NULL "
                     "OR close_order IS NULL"),
            0);
    }

    // TSL: aggregates.ohlcv spells out each continuous aggregate's two parts (migration 0022).
    // One instrument with a refreshed day and, the day after, trades in the 1-minute table
    // (migration 0023) that no refresh of the levels above has taken: every coarser level's bars
    // of that day come from its part after the watermark, and equal plain SQL.
    void theViewReadsTradesAfterTheWatermark()
    {
        if (!testing::EditionDatabase::tsl())
            QSKIP("the Apache edition's levels are tables the writer folds into");
        auto connection = db::connect(m_database->conninfo(), "test");
        {
            pqxx::work tx{connection};
            seedTrades(tx, "LIVEUSD", false, "2026-03-09 00:00:00+00", 2'000, "9 seconds");
            queueTouchedMinutes(tx, "-infinity");
            tx.commit();
        }
        pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_pending()");
        {
            pqxx::work tx{connection};
            seedTrades(tx, "LIVEUSD", true, "2026-03-10 00:00:00.500+00", 2'000, "11 seconds");
            queueTouchedMinutes(tx, "2026-03-10");
            tx.commit();
        }
        pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_tables()");
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM aggregates.refresh_queue WHERE from_trades"),
            0);
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM _timescaledb_catalog.continuous_agg WHERE "
                     "_timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark("
                     "mat_hypertable_id)) NOT BETWEEN '2026-03-09 00:01' AND '2026-03-10'"),
            0);
        checkEveryInterval(connection);
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM aggregates.ohlcv WHERE symbol = 'LIVEUSD' AND "
                     "interval = '1d'"),
            2);
    }

private:
    // Every level of `exchange`'s instruments.
    void checkEveryInterval(pqxx::connection &connection, const std::string &exchange = "ohlcv")
    {
        auto width = kWidths.begin();
        for (const char *interval : kIntervals) {
            const auto [differing, rows]
                = compareWithRawTrades(connection, exchange, interval, *width++);
            QVERIFY2(rows > 0, interval);
            QVERIFY2(differing == 0,
                std::format("{}: {} rows differ from the raw trades", interval, differing).c_str());
        }
    }

    std::unique_ptr<testing::EditionDatabase> m_database;
};

QTEST_GUILESS_MAIN(TestOhlcv)
#include "test_ohlcv.moc"
