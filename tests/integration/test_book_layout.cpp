// The books' storage layout of migration 0027, on the edition this target is built for: exact
// levels through the writer and back through the as-of rebuild (from compressed chunks too, on
// the TSL edition), and the conversion of a database of 0002's numeric[] layout chunk by chunk:
// verified, with its progress, its compressed chunks compressed again, and resumed where it
// stopped after its backend was killed.
#include "db/book_queries.h"
#include "db/connection.h"
#include "db/ingest_writer.h"
#include "db/instrument_registry.h"
#include "db/migrator.h"
#include "tests/support/edition_database.h"

#include <QTest>
#include <format>
#include <map>
#include <pqxx/pqxx>
#include <ranges>

using namespace tickscope;

namespace {

constexpr std::int64_t kDayNs = 86'400'000'000'000;
constexpr int kNumericBooks = 26; // the last version with 0002's books

// A level array as text without trailing zeros, '{}' when empty: one form for both layouts.
std::string trimmed(const std::string &array)
{
    return std::format("coalesce((SELECT array_agg(trim_scale(v) ORDER BY n) FROM unnest({}) "
                       "WITH ORDINALITY AS l(v, n)), '{{}}')",
        array);
}

// Every delta and snapshot as text, in 0002's layout and in 0027's.
std::string numericBooksText()
{
    return std::format(
        "SELECT (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', time, received_at, "
        "instrument_id, first_sequence, sequence, {}, {}, {}, {}), E'\\n' ORDER BY instrument_id, "
        "time, sequence) FROM market_data.book_deltas) || E'\\n' || (SELECT "
        "string_agg(format('%s|%s|%s|%s|%s|%s|%s', time, received_at, instrument_id, sequence, "
        "{}, {}, {}, {}), E'\\n' ORDER BY instrument_id, time, sequence) FROM "
        "market_data.book_snapshots)",
        trimmed("bid_prices"), trimmed("bid_sizes"), trimmed("ask_prices"), trimmed("ask_sizes"),
        trimmed("bid_prices"), trimmed("bid_sizes"), trimmed("ask_prices"), trimmed("ask_sizes"));
}

std::string booksText()
{
    const std::string levels[]
        = {trimmed("market_data.to_numeric(bid_price_units, price_scale, bid_prices_exact)"),
            trimmed("market_data.to_numeric(bid_size_units, size_scale, bid_sizes_exact)"),
            trimmed("market_data.to_numeric(ask_price_units, price_scale, ask_prices_exact)"),
            trimmed("market_data.to_numeric(ask_size_units, size_scale, ask_sizes_exact)")};
    return std::format(
        "SELECT (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', time, "
        "market_data.received_at(time, received_after_us), instrument_id, first_sequence, "
        "sequence, {0}, {1}, {2}, {3}), E'\\n' ORDER BY instrument_id, time, sequence) FROM "
        "market_data.book_deltas) || E'\\n' || (SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s', "
        "time, market_data.received_at(time, received_after_us), instrument_id, sequence, {0}, "
        "{1}, {2}, {3}), E'\\n' ORDER BY instrument_id, time, sequence) FROM "
        "market_data.book_snapshots)",
        levels[0], levels[1], levels[2], levels[3]);
}

// A database of 0002's book layout with deltas and snapshots on three days (a chunk each) of two
// instruments: several scales, trailing zeros, empty sides, receive times before and after the
// event's, and values no bigint's units hold.
pqxx::connection numericBooksDatabase(const std::string &name)
{
    auto connection = db::connect(
        testing::TestCluster::instance(testing::EditionDatabase::kEdition).createDatabase(name),
        "test");
    if (const auto migrated = testing::migrateTo(connection, kNumericBooks); !migrated)
        throw std::runtime_error(migrated.error());
    pqxx::nontransaction tx{connection};
    tx.exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
            "VALUES ('binance', 'BTCUSDT', 'BTC', 'USDT'), ('bybit', 'PEPEUSDT', 'PEPE', 'USDT')");
    tx.exec("INSERT INTO market_data.book_deltas (time, received_at, instrument_id, "
            "first_sequence, sequence, bid_prices, bid_sizes, ask_prices, ask_sizes) "
            "SELECT t, t + (n % 7 - 2) * interval '1.5 ms', 1, 10 * n, 10 * n + n % 4, "
            "ARRAY[67000 + (n % 50) * 0.01, 66999.5], ARRAY[0.001 * (n % 9), 1.25000], "
            "CASE WHEN n % 5 = 0 THEN '{}'::numeric[] ELSE ARRAY[67001.1] END, "
            "CASE WHEN n % 5 = 0 THEN '{}'::numeric[] ELSE ARRAY[0.50000] END "
            "FROM generate_series(1, 1500) n, "
            "LATERAL (SELECT date_trunc('day', now()) - interval '3 days' "
            "+ n * interval '2 minutes 31.123456 seconds' AS t) times");
    tx.exec("INSERT INTO market_data.book_deltas (time, received_at, instrument_id, "
            "first_sequence, sequence, bid_prices, bid_sizes, ask_prices, ask_sizes) "
            "SELECT t, t + interval '3 ms', 2, n, n, ARRAY[0.00000123 + (n % 10) * 0.00000001], "
            "ARRAY[98765432109 + n * 0.5], '{}', '{}' FROM generate_series(1, 900) n, "
            "LATERAL (SELECT date_trunc('day', now()) - interval '3 days' "
            "+ n * interval '4 minutes 12.5 seconds' AS t) times");
    tx.exec("INSERT INTO market_data.book_deltas (time, received_at, instrument_id, "
            "first_sequence, sequence, bid_prices, bid_sizes, ask_prices, ask_sizes) VALUES "
            "(date_trunc('day', now()) - interval '2 days' + interval '1 hour', "
            " date_trunc('day', now()) - interval '2 days' + interval '1 hour', 2, 5000, 5000, "
            " ARRAY[12345678901234567890.12345678], ARRAY[0.5], ARRAY[0.0000000000000000001], "
            " ARRAY[9876543210987654321]), "
            "(date_trunc('day', now()) - interval '1 day' + interval '1 hour', "
            " date_trunc('day', now()) - interval '1 day' + interval '59 minutes', 2, 5001, "
            " 5001, ARRAY[0.000000000000000001], ARRAY[9223372036854775807], '{}', '{}')");
    tx.exec("INSERT INTO market_data.book_snapshots (time, received_at, instrument_id, sequence, "
            "bid_prices, bid_sizes, ask_prices, ask_sizes) "
            "SELECT t, t + interval '3 ms', 1, 10 * n, ARRAY[67000.5, 67000.40], ARRAY[1, 2.5], "
            "ARRAY[67000.6], ARRAY[0.00001] FROM generate_series(1, 60) n, "
            "LATERAL (SELECT date_trunc('day', now()) - interval '3 days' "
            "+ n * interval '1 hour' AS t) times");
    return connection;
}

// Sets each level of `levels` on `side`; a size of zero removes it.
template<typename Side> void apply(Side &side, const std::vector<model::PriceLevel> &levels)
{
    for (const auto &level : levels) {
        if (level.size.isZero())
            side.erase(level.price);
        else
            side[level.price] = level.size;
    }
}

template<typename Side> std::string sideText(const Side &side)
{
    std::string out;
    for (const auto &[price, size] : side)
        out += price.toString() + "x" + size.toString() + " ";
    return out;
}

std::string sideText(const std::vector<model::PriceLevel> &levels)
{
    std::string out;
    for (const auto &level : levels)
        out += level.price.toString() + "x" + level.size.toString() + " ";
    return out;
}

} // namespace

class TestBookLayout : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
    }

    // A snapshot and deltas of one instrument with the extremes in a row: the instrument's
    // finest scale rises as they come, a row whose units would not fit there keeps its own, a
    // row with a value past a bigint's units keeps numerics; the book rebuilt as of the end has
    // exactly the levels the feed sent, as has SQL, from compressed chunks as from uncompressed.
    void levelsComeBackExactlyAsSent()
    {
        const testing::EditionDatabase database{"book_layout_values"};
        auto connection = db::connect(database.conninfo(), "test");
        const auto ids
            = db::registerInstruments(connection, {{"layout", "PEPEUSDT", "PEPE", "USDT"}});
        auto levels = [](std::initializer_list<std::pair<const char *, const char *>> sent) {
            std::vector<model::PriceLevel> out;
            for (const auto &[price, size] : sent)
                out.push_back({*model::Decimal::parse(price), *model::Decimal::parse(size)});
            return out;
        };
        const std::int64_t start = kDayNs * 20'000;
        db::IngestBatch batch;
        batch.snapshots.push_back({.exchangeTimeNs = start,
            .receivedAtNs = start + 2'000'000,
            .sequence = 100,
            .bids = levels({{"0.00001234", "1000000"}, {"0.00001233", "2500000.5"}}),
            .asks = levels({{"0.00001235", "123456789012.5"}})});
        const std::vector<
            std::pair<decltype(model::BookDelta::bids), decltype(model::BookDelta::asks)>>
            deltas = {
                {levels({{"0.000012335", "1"}}), {}},
                {{}, levels({{"0.00001235", "0"}, {"0.00001236", "0.00000001"}})},
                // Units at the finest size scale (8) would pass a bigint: at the row's own.
                {levels({{"0.000000000000000001", "9223372036854775807"}}), {}},
                // Past a bigint's units at any scale: the row keeps numerics.
                {levels({{"12345678901234567890.12345678", "0.5"}}), {}},
                {{}, levels({{"0.00001237", "98765432109.87654321"}})},
                {levels({{"0.000000000000000001", "0"}}), levels({{"0.00001236", "0"}})},
            };
        std::map<model::Decimal, model::Decimal, std::greater<>> bids;
        std::map<model::Decimal, model::Decimal> asks;
        apply(bids, batch.snapshots.front().bids);
        apply(asks, batch.snapshots.front().asks);
        std::int64_t at = start;
        std::int64_t sequence = 100;
        for (const auto &[deltaBids, deltaAsks] : deltas) {
            at += 100'000'000;
            ++sequence;
            // Received before the exchange's time once (clocks differ), after it otherwise.
            batch.deltas.push_back({.exchangeTimeNs = at,
                .receivedAtNs = at + (sequence == 102 ? -3'000'000 : 1'000'000),
                .firstSequence = sequence,
                .sequence = sequence,
                .bids = deltaBids,
                .asks = deltaAsks});
            apply(bids, deltaBids);
            apply(asks, deltaAsks);
        }
        db::IngestWriter{connection, "layout", ids}.write(batch);

        QCOMPARE(testing::queryNumber(connection,
                     "SELECT count(*) FILTER (WHERE price_scale IS NULL) * 10 + count(DISTINCT "
                     "price_scale) FROM market_data.book_deltas"),
            std::int64_t{22}); // two rows of numerics, the others at scales 9 and then 18
        QCOMPARE(testing::queryText(connection,
                     "SELECT format('%s %s', market_data.to_numeric(bid_price_units, price_scale, "
                     "bid_prices_exact), market_data.to_numeric(bid_size_units, size_scale, "
                     "bid_sizes_exact)) FROM market_data.book_deltas WHERE sequence = 103"),
            std::string("{0.000000000000000001} {9223372036854775807}"));

        auto rebuilt = [&] {
            const auto book = db::BookRebuild::asOf(connection, ids.front(), at + 1'000'000);
            if (!book)
                return std::string("no book");
            const auto ladder = book->ladder(10);
            return sideText(ladder.bids) + "| " + sideText(ladder.asks)
                + std::to_string(ladder.sequence) + " " + std::to_string(ladder.deltasApplied);
        };
        const std::string expected = sideText(bids) + "| " + sideText(asks) + "106 6";
        QCOMPARE(rebuilt(), expected);
        if (testing::EditionDatabase::tsl()) {
            for (const char *table : {"market_data.book_deltas", "market_data.book_snapshots"}) {
                pqxx::nontransaction tx{connection};
                tx.exec(std::format("ALTER TABLE {} SET (timescaledb.compress, "
                                    "timescaledb.compress_segmentby = 'instrument_id', "
                                    "timescaledb.compress_orderby = 'time DESC, sequence', "
                                    "timescaledb.compress_index = '')",
                    table));
                tx.exec(std::format("SELECT compress_chunk(c) FROM show_chunks('{}') c", table));
            }
            QCOMPARE(rebuilt(), expected);
        }
    }

    // A database of 0002's layout: every event moves once, as it was, chunk by chunk, with its
    // progress shown and each chunk's count and digest recorded; on the TSL edition the
    // compressed chunk is compressed again, the policy and the settings carried over.
    void convertsTheNumericLayoutChunkByChunk()
    {
        auto connection = numericBooksDatabase("book_layout_convert");
        const auto events = testing::queryNumber(connection,
            "SELECT (SELECT count(*) FROM market_data.book_deltas) + (SELECT count(*) FROM "
            "market_data.book_snapshots)");
        const auto before = testing::queryText(connection, numericBooksText());
        // A hypertable of the desk's own in a schema Tickscope's roles cannot use: TimescaleDB's
        // compression settings view fails for them on it, the migration must not.
        pqxx::nontransaction{connection}.exec(
            "CREATE SCHEMA desk_private; CREATE TABLE desk_private.signals (time timestamptz NOT "
            "NULL, value double precision); SELECT create_hypertable('desk_private.signals', "
            "by_range('time'))");
        if (testing::EditionDatabase::tsl()) {
            pqxx::nontransaction tx{connection};
            tx.exec("ALTER TABLE desk_private.signals SET (timescaledb.compress)");
            tx.exec("ALTER TABLE market_data.book_deltas SET (timescaledb.compress, "
                    "timescaledb.compress_segmentby = 'instrument_id', "
                    "timescaledb.compress_orderby = 'time DESC, sequence', "
                    "timescaledb.compress_index = '')");
            tx.exec("SELECT compress_chunk(c) FROM show_chunks('market_data.book_deltas', "
                    "older_than => date_trunc('day', now()) - interval '2 days') c");
            tx.exec("SELECT add_compression_policy('market_data.book_deltas', interval '2 days')");
        }

        std::vector<std::string> progress;
        const auto migrated = testing::migrateTo(connection, std::nullopt, &progress);
        QVERIFY2(migrated, migrated ? "" : migrated.error().c_str());
        QCOMPARE(testing::queryText(connection, booksText()), before);
        QVERIFY(std::ranges::any_of(progress, [](const std::string &line) {
            return line.starts_with("book_deltas: chunk 3 of 3 converted");
        }));
        QCOMPARE(testing::queryText(connection,
                     "SELECT count(*) || ' ' || sum(events) FROM audit.book_conversion"),
            std::format("6 {}", events));
        // Units everywhere but the two rows with values past them.
        QCOMPARE(testing::queryNumber(connection,
                     "SELECT count(*) FROM market_data.book_deltas WHERE price_scale IS NULL"),
            std::int64_t{1});
        QCOMPARE(testing::queryText(connection,
                     "SELECT to_regclass('market_data.book_deltas_numeric') IS NULL AND "
                     "to_regclass('market_data.book_snapshots_numeric') IS NULL"),
            std::string("t"));
        if (testing::EditionDatabase::tsl()) {
            QCOMPARE(testing::queryNumber(connection,
                         "SELECT count(*) FROM timescaledb_information.chunks WHERE "
                         "hypertable_name = 'book_deltas' AND is_compressed"),
                std::int64_t{1});
            QCOMPARE(testing::queryText(connection,
                         "SELECT config->>'compress_after' FROM timescaledb_information.jobs "
                         "WHERE proc_name = 'policy_compression' AND "
                         "hypertable_name = 'book_deltas'"),
                std::string("2 days"));
            QCOMPARE(testing::queryText(connection,
                         "SELECT NOT index @> '[{\"type\": \"bloom\"}]' FROM "
                         "timescaledb_information.hypertable_compression_settings WHERE "
                         "hypertable = 'market_data.book_deltas'::regclass"),
                std::string("t"));
        }
    }

    // The conversion's backend (0028) killed while it waits for a chunk: the chunks it committed
    // stay converted, the migration is not recorded, and the next run converts the rest.
    void aKilledConversionGoesOnWhereItStopped()
    {
        auto connection = numericBooksDatabase("book_layout_killed");
        const auto before = testing::queryText(connection, numericBooksText());
        const auto events = testing::queryNumber(connection,
            "SELECT (SELECT count(*) FROM market_data.book_deltas) + (SELECT count(*) FROM "
            "market_data.book_snapshots)");
        const auto conninfo = std::string(connection.connection_string());
        const auto layout = testing::migrateTo(connection, kNumericBooks + 1);
        QVERIFY2(layout, layout ? "" : layout.error().c_str());
        const auto firstDeltaChunk = testing::queryText(connection,
            "SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks "
            "WHERE hypertable_name = 'book_deltas_numeric' ORDER BY range_start LIMIT 1");
        const auto stopped = testing::killMigrationAtLock(conninfo, firstDeltaChunk);
        QCOMPARE(stopped.killed, std::int64_t{1});
        QVERIFY(!stopped.error.empty());

        QCOMPARE(
            testing::queryNumber(connection, "SELECT max(version) FROM audit.schema_migrations"),
            std::int64_t{kNumericBooks + 1});
        QCOMPARE(testing::queryText(connection,
                     "SELECT string_agg(DISTINCT hypertable, ' ') FROM audit.book_conversion"),
            std::string("book_snapshots"));
        const auto resumed = testing::migrateTo(connection);
        QVERIFY2(resumed, resumed ? "" : resumed.error().c_str());
        QCOMPARE(testing::queryText(connection, booksText()), before);
        QCOMPARE(testing::queryNumber(connection, "SELECT sum(events) FROM audit.book_conversion"),
            events);
    }
};

QTEST_GUILESS_MAIN(TestBookLayout)
#include "test_book_layout.moc"
