// The writer's batches against the real server, as the ingest role: exact values land, audit rows
// and the checkpoint go in the same transaction, and replays add nothing twice.
#include "db/ingest_writer.h"
#include "db/instrument_registry.h"
#include "tests/support/schema_fixture.h"

#include <QTest>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

constexpr std::int64_t kDayNs = 1'764'028'800'000'000'000; // 2025-11-25 00:00:00 UTC

model::Decimal dec(const char *text)
{
    return *model::Decimal::parse(text);
}

std::vector<model::Trade> trades(std::int64_t firstId, int count)
{
    std::vector<model::Trade> out;
    for (int i = 0; i < count; ++i) {
        const std::int64_t id = firstId + i;
        out.push_back({.exchangeTimeNs = kDayNs + id * 1'000'000,
            .receivedAtNs = kDayNs + id * 1'000'000 + 250'000,
            .instrument = static_cast<std::uint32_t>(id % 2),
            .tradeId = id,
            .price = *model::Decimal::parse(std::format("67000.{:08}", id)),
            .size = dec("0.00000001"),
            .side = id % 3 == 0 ? model::Side::Sell : model::Side::Buy});
    }
    return out;
}

db::IngestBatch sampleBatch()
{
    db::IngestBatch batch;
    batch.trades = trades(1, 1000);
    for (int i = 0; i < 10; ++i)
        batch.deltas.push_back({.exchangeTimeNs = kDayNs + i * 100'000'000,
            .receivedAtNs = kDayNs + i * 100'000'000 + 1000,
            .instrument = 0,
            .firstSequence = 100 + i * 3,
            .sequence = 102 + i * 3,
            .bids = {{dec("66999.5"), dec("1.25")}, {dec("66999"), dec("0")}},
            .asks = {{dec("67000.5"), dec("3")}}});
    batch.snapshots.push_back({.exchangeTimeNs = kDayNs,
        .receivedAtNs = kDayNs,
        .instrument = 0,
        .sequence = 99,
        .bids = {{dec("66999.5"), dec("1")}},
        .asks = {}});
    batch.gaps.push_back({.kind = model::Gap::Kind::TradeId,
        .instrument = 1,
        .firstMissing = 2000,
        .lastMissing = 2009,
        .beforeTimeNs = kDayNs,
        .afterTimeNs = kDayNs + 5'000'000});
    batch.sequencePositions.push_back({.instrument = 1,
        .kind = model::Gap::Kind::TradeId,
        .lastSequence = 999,
        .lastTimeNs = kDayNs + 999'000'000});
    batch.sealedSegments.push_back({.segment = 2,
        .path = "/var/lib/tickscope/journal/binance/x",
        .records = 5,
        .fileBytes = 123,
        .firstReceivedAtNs = kDayNs,
        .lastReceivedAtNs = kDayNs + 1,
        .checksum = 0xfeedbeefULL});
    batch.checkpoint = model::JournalPosition{3, 42};
    // All of it from one journal record, for simplicity: segment 2 record 7.
    batch.records.push_back({.position = {2, 7},
        .tradesEnd = batch.trades.size(),
        .deltasEnd = batch.deltas.size(),
        .snapshotsEnd = batch.snapshots.size(),
        .feedEventsEnd = batch.feedEvents.size(),
        .gapsEnd = batch.gaps.size()});
    return batch;
}

std::int64_t count(pqxx::connection &connection, const std::string &table)
{
    return pqxx::nontransaction{connection}
        .exec("SELECT count(*) FROM " + table)
        .one_field()
        .as<std::int64_t>();
}

// The trade ids in market_data.latest_trades, by instrument.
std::string latestTradeIds(pqxx::connection &connection)
{
    return pqxx::nontransaction{connection}.query_value<std::string>(
        "SELECT string_agg(trade_id::text, ' ' ORDER BY instrument_id) FROM "
        "market_data.latest_trades");
}

} // namespace

class TestIngestWriter : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_admin = testing::migratedDatabase("ingest_writer");
            auto connection = db::connect(m_admin, "test");
            pqxx::nontransaction{connection}.exec(
                "DROP ROLE IF EXISTS writer_user; CREATE ROLE writer_user LOGIN PASSWORD 'w' "
                "IN ROLE tickscope_ingest");
            m_ingest = m_admin + " user=writer_user password=w";
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void writesABatchExactly()
    {
        auto connection = db::connect(m_ingest, "test writer");
        const auto ids = db::registerInstruments(connection,
            {{"binance", "BTCUSDT", "BTC", "USDT"}, {"binance", "ETHUSDT", "ETH", "USDT", "us"}});
        QCOMPARE(ids.size(), std::size_t(2));
        QCOMPARE(
            db::registerInstruments(connection, {{"binance", "ETHUSDT", "ETH", "USDT"}}).front(),
            ids[1]);

        db::IngestWriter writer{connection, "binance", ids};
        const auto receipt = writer.write(sampleBatch());
        QCOMPARE(receipt.rowsWritten, std::size_t(1011));
        QCOMPARE(receipt.duplicates, std::size_t(0));
        QVERIFY(!receipt.staged);

        auto admin = db::connect(m_admin, "test");
        QCOMPARE(count(admin, "market_data.trades"), 1000);
        // The OHLCV levels take its trades in the batch's own transaction (as the ingest role):
        // nothing is left for the refresh, and every level counts every trade.
        QCOMPARE(count(admin, "aggregates.refresh_queue"), 0);
        QCOMPARE(latestTradeIds(admin), std::string("1000 999"));
        QCOMPARE(pqxx::nontransaction{admin}.query_value<std::string>(
                     "SELECT string_agg(interval || '=' || trades, ' ' ORDER BY interval) FROM "
                     "(SELECT interval, sum(trades) AS trades FROM aggregates.ohlcv "
                     "GROUP BY interval) t"),
            std::string("15m=1000 1d=1000 1h=1000 1m=1000 4h=1000 5m=1000"));
        pqxx::nontransaction tx{admin};
        const auto trade = tx.exec("SELECT market_data.to_numeric(price_units, price_scale)::text, "
                                   "market_data.to_numeric(size_units, size_scale)::text, side, "
                                   "time::text, market_data.received_at(time, "
                                   "received_after_us)::text, i.symbol FROM market_data.trades t "
                                   "JOIN market_data.instruments i USING (instrument_id) "
                                   "WHERE trade_id = 7")
                               .one_row();
        QCOMPARE(trade[0].as<std::string>(), std::string("67000.00000007"));
        QCOMPARE(trade[1].as<std::string>(), std::string("0.00000001"));
        QCOMPARE(trade[2].as<std::string>(), std::string("B"));
        QCOMPARE(trade[3].as<std::string>(), std::string("2025-11-25 00:00:00.007+00"));
        QCOMPARE(trade[4].as<std::string>(), std::string("2025-11-25 00:00:00.00725+00"));
        QCOMPARE(trade[5].as<std::string>(), std::string("ETHUSDT"));
        QCOMPARE(tx.exec("SELECT count(*) FROM market_data.trades WHERE side = 'S'")
                     .one_field()
                     .as<int>(),
            333);

        const auto delta
            = tx.exec("SELECT first_sequence, sequence, market_data.to_numeric(bid_price_units, "
                      "price_scale, bid_prices_exact)::text, market_data.to_numeric("
                      "bid_size_units, size_scale, bid_sizes_exact)::text, "
                      "market_data.to_numeric(ask_price_units, price_scale, "
                      "ask_prices_exact)::text FROM market_data.book_deltas "
                      "ORDER BY sequence LIMIT 1")
                  .one_row();
        QCOMPARE(delta[0].as<int>(), 100);
        QCOMPARE(delta[1].as<int>(), 102);
        QCOMPARE(delta[2].as<std::string>(), std::string("{66999.5,66999}"));
        QCOMPARE(delta[3].as<std::string>(), std::string("{1.25,0}"));
        QCOMPARE(delta[4].as<std::string>(), std::string("{67000.5}"));
        QCOMPARE(tx.exec("SELECT sequence, cardinality(ask_price_units) FROM "
                         "market_data.book_snapshots")
                     .one_row()[1]
                     .as<int>(),
            0);

        const auto gap = tx.exec("SELECT kind, first_missing, last_missing, gap_end - gap_start, "
                                 "status FROM audit.gaps")
                             .one_row();
        QCOMPARE(gap[0].as<std::string>(), std::string("trade_id"));
        QCOMPARE(gap[1].as<int>(), 2000);
        QCOMPARE(gap[2].as<int>(), 2009);
        QCOMPARE(gap[3].as<std::string>(), std::string("00:00:00.005"));
        QCOMPARE(gap[4].as<std::string>(), std::string("open"));

        const auto batches = tx.exec("SELECT target_table, row_count, journal_segment, "
                                     "journal_offset, checksum <> 0, duration_ms >= 0 FROM "
                                     "audit.ingest_batches ORDER BY target_table");
        QCOMPARE(batches.size(), 3);
        QCOMPARE(batches[0][0].as<std::string>(), std::string("market_data.book_deltas"));
        QCOMPARE(batches[0][1].as<int>(), 10);
        QCOMPARE(batches[2][0].as<std::string>(), std::string("market_data.trades"));
        QCOMPARE(batches[2][1].as<int>(), 1000);
        QCOMPARE(batches[2][2].as<int>(), 2);
        QCOMPARE(batches[2][3].as<int>(), 7);
        QVERIFY(batches[2][4].as<bool>());
        QCOMPARE(
            tx.exec("SELECT checksum FROM audit.journal_segments").one_field().as<std::string>(),
            std::string("00000000feedbeef"));

        const auto checkpoint = writer.loadCheckpoint();
        QVERIFY(checkpoint.position);
        QCOMPARE(*checkpoint.position, (model::JournalPosition{3, 42}));
        QCOMPARE(checkpoint.sequences.size(), std::size_t(1));
        QCOMPARE(checkpoint.sequences[0].instrument, 1u);
        QCOMPARE(checkpoint.sequences[0].lastSequence, 999);
        QCOMPARE(checkpoint.sequences[0].lastTimeNs, kDayNs + 999'000'000);
    }

    void replaysAddNothingTwice()
    {
        auto connection = db::connect(m_ingest, "test writer");
        const auto ids = db::registerInstruments(connection,
            {{"binance", "BTCUSDT", "BTC", "USDT"}, {"binance", "ETHUSDT", "ETH", "USDT"}});
        db::IngestWriter writer{connection, "binance", ids};
        auto admin = db::connect(m_admin, "test");
        const auto before = count(admin, "market_data.trades");

        const auto replay = writer.write(sampleBatch());
        QVERIFY(replay.staged);
        QCOMPARE(replay.rowsWritten, std::size_t(0));
        QCOMPARE(replay.duplicates, std::size_t(1011));
        QCOMPARE(count(admin, "market_data.trades"), before);
        QCOMPARE(count(admin, "market_data.book_deltas"), 10);
        QCOMPARE(count(admin, "audit.gaps"), 1);
        QCOMPARE(count(admin, "aggregates.refresh_queue"), 0); // nothing new to aggregate
        QCOMPARE(latestTradeIds(admin), std::string("1000 999"));

        // Half of it stored already, half new.
        db::IngestBatch overlap;
        overlap.trades = trades(501, 1000);
        overlap.checkpoint = model::JournalPosition{4, 0};
        const auto receipt = writer.write(overlap);
        QCOMPARE(receipt.rowsWritten, std::size_t(500));
        QCOMPARE(receipt.duplicates, std::size_t(500));
        QCOMPARE(count(admin, "market_data.trades"), 1500);
        QCOMPARE(latestTradeIds(admin), std::string("1500 1499"));
        // Which of its trades were new only the server knows: its minutes wait for the refresh,
        // which then counts every trade once.
        QVERIFY(count(admin, "aggregates.refresh_queue") > 0);
        pqxx::nontransaction{admin}.exec("CALL aggregates.refresh_pending()");
        QCOMPARE(count(admin, "aggregates.refresh_queue"), 0);
        QCOMPARE(pqxx::nontransaction{admin}.query_value<std::int64_t>(
                     "SELECT sum(trades) FROM aggregates.ohlcv WHERE interval = '1d'"),
            1500);

        // A backfilled trade, new but older than the latest, leaves the latest where it is.
        db::IngestBatch backfill;
        backfill.trades = trades(1, 1);
        backfill.trades[0].tradeId = 4321;
        QCOMPARE(writer.write(backfill).rowsWritten, std::size_t(1));
        QCOMPARE(latestTradeIds(admin), std::string("1500 1499"));
        QCOMPARE(pqxx::nontransaction{admin}.query_value<std::int64_t>(
                     "SELECT sum(trades) FROM aggregates.ohlcv WHERE interval = '1d'"),
            1501);
        QCOMPARE(*writer.loadCheckpoint().position, (model::JournalPosition{4, 0}));
    }

    void aFailedBatchLeavesNoTrace()
    {
        auto connection = db::connect(m_ingest, "test writer");
        db::IngestWriter writer{connection, "binance", {999999}}; // no such instrument row
        auto admin = db::connect(m_admin, "test");
        const auto batchesBefore = count(admin, "audit.ingest_batches");
        db::IngestBatch batch;
        batch.gaps.push_back({.instrument = 0, .firstMissing = 1, .lastMissing = 2});
        batch.trades = trades(5000, 10);
        for (auto &trade : batch.trades)
            trade.instrument = 0;
        batch.checkpoint = model::JournalPosition{9, 9};
        QVERIFY_THROWS_EXCEPTION(pqxx::foreign_key_violation, writer.write(batch));
        QCOMPARE(count(admin, "audit.ingest_batches"), batchesBefore);
        QCOMPARE(count(admin, "market_data.trades WHERE trade_id >= 5000"), 0);
        QCOMPARE(*writer.loadCheckpoint().position, (model::JournalPosition{4, 0}));
    }

    // Binary COPY sends numeric as base-10000 groups and book levels as units: values at the
    // groups' edges, and past a bigint's units, come back exactly as they went in.
    void storesDecimalsExactly_data()
    {
        QTest::addColumn<QString>("price");
        QTest::addColumn<QString>("size");
        for (const char *value :
            {"1", "9999", "10000", "10001", "0.0001", "0.00001", "0.1", "12345.6789", "100000000",
                "123456789012.5", "0.000000000000000001", "9223372036854775807",
                "92233720368.54775807", "67000.12345678", "9876543210987654321",
                "12345678901234567890.12345678", "99999999999999999999.999999999999999999"})
            QTest::newRow(value) << QString::fromLatin1(value) << QString::fromLatin1(value);
    }

    void storesDecimalsExactly()
    {
        QFETCH(QString, price);
        QFETCH(QString, size);
        auto connection = db::connect(m_ingest, "test writer");
        const auto ids
            = db::registerInstruments(connection, {{"binance", "DECUSDT", "DEC", "USDT"}});
        db::IngestWriter writer{connection, "decimals", ids};
        static std::int64_t tradeId = 1;
        const std::int64_t id = tradeId++;
        db::IngestBatch batch;
        batch.trades.push_back({.exchangeTimeNs = kDayNs + id,
            .receivedAtNs = kDayNs + id,
            .instrument = 0,
            .tradeId = id,
            .price = dec(price.toLatin1().constData()),
            .size = dec(size.toLatin1().constData()),
            .side = model::Side::Unknown});
        batch.deltas.push_back({.exchangeTimeNs = kDayNs + id,
            .receivedAtNs = kDayNs + id,
            .instrument = 0,
            .firstSequence = id,
            .sequence = id,
            .bids = {{dec(price.toLatin1().constData()), dec("0")}},
            .asks = {}});
        writer.write(batch);
        auto admin = db::connect(m_admin, "test");
        pqxx::nontransaction tx{admin};
        const auto row = tx.exec("SELECT market_data.to_numeric(t.price_units, t.price_scale, "
                                 "t.price_exact)::text, market_data.to_numeric(t.size_units, "
                                 "t.size_scale, t.size_exact)::text, (market_data.to_numeric("
                                 "d.bid_price_units, d.price_scale, d.bid_prices_exact))[1]::text "
                                 "FROM "
                                 "market_data.trades t JOIN market_data.book_deltas d ON "
                                 "d.sequence = t.trade_id "
                                 "AND d.instrument_id = t.instrument_id WHERE t.trade_id = $1 AND "
                                 "t.instrument_id = $2",
                               pqxx::params{id, ids.front()})
                             .one_row();
        // numeric keeps the scale it was given: compare as numbers, and the text too.
        QCOMPARE(tx.exec("SELECT $1::numeric = $2::numeric",
                       pqxx::params{row[0].as<std::string>(), price.toStdString()})
                     .one_field()
                     .as<bool>(),
            true);
        QCOMPARE(QString::fromStdString(row[0].as<std::string>()), price);
        QCOMPARE(QString::fromStdString(row[1].as<std::string>()), size);
        QCOMPARE(QString::fromStdString(row[2].as<std::string>()), price);
    }

private:
    std::string m_admin;
    std::string m_ingest;
};

QTEST_GUILESS_MAIN(TestIngestWriter)
#include "test_ingest_writer.moc"
