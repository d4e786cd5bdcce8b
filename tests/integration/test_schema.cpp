// The first schema as TimescaleDB sees it: hypertables with 1-day chunks, the one unique index
// per table that deduplicates a replay and serves "recent rows of one symbol".
#include "tests/support/schema_fixture.h"

#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

class TestSchema : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("schema");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void hypertablesHaveOneDayChunks_data()
    {
        QTest::addColumn<QString>("table");
        QTest::newRow("trades") << QStringLiteral("trades");
        QTest::newRow("book_snapshots") << QStringLiteral("book_snapshots");
        QTest::newRow("book_deltas") << QStringLiteral("book_deltas");
    }

    void hypertablesHaveOneDayChunks()
    {
        QFETCH(QString, table);
        auto connection = db::connect(m_conninfo, "test");
        pqxx::nontransaction tx{connection};
        const auto rows
            = tx.exec("SELECT d.column_name, d.time_interval = interval '1 day' "
                      "FROM timescaledb_information.dimensions d "
                      "WHERE d.hypertable_schema = 'market_data' AND d.hypertable_name = $1",
                pqxx::params{table.toStdString()});
        QCOMPARE(rows.size(), pqxx::result::size_type(1));
        QCOMPARE(rows[0][0].as<std::string>(), std::string("time"));
        QVERIFY(rows[0][1].as<bool>());
        // One index only: each extra index roughly halves the COPY rate.
        QCOMPARE(tx.exec("SELECT count(*) FROM pg_indexes WHERE schemaname = 'market_data' "
                         "AND tablename = $1",
                       pqxx::params{table.toStdString()})
                     .one_field()
                     .as<int>(),
            1);
    }

    void replayedTradesAreDeduplicatedAndChunkedByDay()
    {
        auto connection = db::connect(m_conninfo, "test");
        pqxx::work tx{connection};
        const int instrument = addInstrument(tx, "BTCUSDT");
        // Prices 67000.12345678 + n, sizes 0.00000001 * n + 0.5 (units of 10^-8), received now().
        const auto insert = std::string(
            "INSERT INTO market_data.trades (time, received_after_us, instrument_id, trade_id, "
            "price_units, price_scale, size_units, size_scale, side) SELECT traded, "
            "(extract(epoch FROM now() - traded) * 1000000)::bigint, $1, n, "
            "6700012345678 + n::bigint * 100000000, 8, n + 50000000, 8, 'B' "
            "FROM (SELECT '2026-11-24 00:00:00+00'::timestamptz + n * interval '1 hour' AS traded, "
            "n FROM generate_series(1, 48) n) s ON CONFLICT DO NOTHING");
        QCOMPARE(tx.exec(insert, pqxx::params{instrument}).affected_rows(), 48);
        QCOMPARE(tx.exec(insert, pqxx::params{instrument}).affected_rows(), 0);
        QCOMPARE(
            tx.exec("SELECT count(*) FROM show_chunks('market_data.trades')").one_field().as<int>(),
            3);
        // Exact decimals in, exact decimals out.
        QCOMPARE(tx.exec("SELECT market_data.to_numeric(price_units, price_scale)::text FROM "
                         "market_data.trades WHERE trade_id = 1")
                     .one_field()
                     .as<std::string>(),
            std::string("67001.12345678"));
        QCOMPARE(tx.exec("SELECT count(*) FROM market_data.ticks WHERE symbol = 'BTCUSDT' AND "
                         "exchange = 'binance' AND side = 'B'")
                     .one_field()
                     .as<int>(),
            48);
        tx.abort();
    }

    void rejectsInvalidRows_data()
    {
        QTest::addColumn<QString>("values");
        QTest::newRow("zero price") << QStringLiteral("0, 0, 1, 0, 'B'");
        QTest::newRow("negative size") << QStringLiteral("1, 0, -1, 0, 'S'");
        QTest::newRow("unknown side") << QStringLiteral("1, 0, 1, 0, 'X'");
    }

    void rejectsInvalidRows()
    {
        QFETCH(QString, values);
        auto connection = db::connect(m_conninfo, "test");
        pqxx::work tx{connection};
        const int instrument = addInstrument(tx, "ETHUSDT");
        QVERIFY_THROWS_EXCEPTION(pqxx::check_violation,
            tx.exec("INSERT INTO market_data.trades VALUES (now(), 0, $1, 1, NULL, NULL, "
                    + values.toStdString() + ")",
                pqxx::params{instrument}));
    }

    void recentTradesOfOneSymbolUseTheUniqueIndex()
    {
        auto connection = db::connect(m_conninfo, "test");
        pqxx::work tx{connection};
        const int instrument = addInstrument(tx, "SOLUSDT");
        tx.exec("INSERT INTO market_data.trades SELECT now() - n * interval '10 ms', n * 10000, "
                "i, n, NULL, NULL, 100, 0, 1, 0, 'S' FROM generate_series(1, 20000) n, "
                "generate_series($1, $1 + 4) i",
            pqxx::params{instrument});
        tx.exec("ANALYZE market_data.trades");
        std::string plan;
        for (const auto &row : tx.exec("EXPLAIN SELECT * FROM market_data.trades WHERE "
                                       "instrument_id = $1 AND time > now() - interval '5 minutes' "
                                       "ORDER BY time DESC LIMIT 100",
                 pqxx::params{instrument}))
            plan += row[0].as<std::string>() + "\n";
        QVERIFY2(plan.find("trades_instrument_time_trade_key") != std::string::npos, plan.c_str());
        tx.abort();
    }

private:
    static int addInstrument(pqxx::work &tx, const std::string &symbol)
    {
        return tx
            .exec("INSERT INTO market_data.instruments (exchange, symbol, base_asset, quote_asset) "
                  "VALUES ('binance', $1, left($1, 3), 'USDT') RETURNING instrument_id",
                pqxx::params{symbol})
            .one_field()
            .as<int>();
    }

    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestSchema)
#include "test_schema.moc"
