// The writer and the readers against compressed chunks, on the TSL edition's real server: a
// replay of a day that is already compressed adds nothing (the unique key holds across
// compression), late trades among the replayed ones land exactly once and every aggregate level
// is corrected, a day's backlog catches up beside compressed days, and what the point-in-time
// export, the bars, the trades, the as-of-T book and the query API (over HTTP, as the reader
// role) read of a day is the same before and after the day is compressed; retention then prunes
// the compressed days and keeps the compliance hold.
#include "app/services/http_service.h"
#include "db/book_queries.h"
#include "db/connection.h"
#include "db/ingest_writer.h"
#include "db/instrument_registry.h"
#include "db/ohlcv_queries.h"
#include "db/policy_manager.h"
#include "db/trade_export.h"
#include "db/trade_queries.h"
#include "tests/support/edition_database.h"
#include "tests/support/http_get.h"
#include "tests/support/ohlcv_check.h"

#include <QTest>
#include <format>
#include <pqxx/pqxx>
#include <string>
#include <vector>

using namespace tickscope;

namespace {

constexpr std::int64_t kDayNs = 1'764'028'800'000'000'000; // 2025-11-25 00:00:00 UTC
constexpr std::int64_t kMinuteNs = 60'000'000'000;
constexpr std::int64_t kNextDayNs = kDayNs + 1440 * kMinuteNs;
const QByteArray kToken = "compressed-chunks-test-token-0123";

model::Decimal dec(const std::string &text)
{
    return *model::Decimal::parse(text);
}

// Trades `first` .. `first + count - 1` of two instruments, one every 50 ms from the day's start,
// with prices and sizes at the edge of what the columns hold.
std::vector<model::Trade> trades(std::int64_t first, std::int64_t count)
{
    std::vector<model::Trade> out;
    for (std::int64_t id = first; id < first + count; ++id) {
        const std::int64_t at = kDayNs + id * 50'000'000;
        out.push_back({.exchangeTimeNs = at,
            .receivedAtNs = at + 1'500'000,
            .instrument = static_cast<std::uint32_t>(id % 2),
            .tradeId = id,
            .price = dec(std::format("{}.{:08}", 67'000 + id % 97, id % 100'000'000)),
            .size = dec(std::format("0.{:08}", 1 + id % 99'999'999)),
            .side = id % 3 == 0 ? model::Side::Sell : model::Side::Buy});
    }
    return out;
}

db::IngestBatch batchOf(std::vector<model::Trade> rows)
{
    db::IngestBatch batch;
    batch.trades = std::move(rows);
    return batch;
}

std::int64_t query(pqxx::connection &connection, const std::string &sql)
{
    return pqxx::nontransaction{connection}.query_value<std::int64_t>(sql);
}

// Every row of the trades, in a fixed order, as one md5.
std::string tradesDigest(pqxx::connection &connection)
{
    return pqxx::nontransaction{connection}.query_value<std::string>(
        "SELECT md5(string_agg(format('%s %s %s %s %s %s %s', time, "
        "market_data.received_at(time, received_after_us), instrument_id, trade_id, "
        "market_data.to_numeric(price_units, price_scale), "
        "market_data.to_numeric(size_units, size_scale), side), ',' ORDER BY instrument_id, "
        "trade_id)) FROM market_data.trades");
}

// Compresses every chunk of market_data.`hypertable`; returns how many are compressed.
std::int64_t compressChunks(pqxx::connection &connection, const std::string &hypertable,
    const std::string &schema = "market_data")
{
    pqxx::nontransaction{connection}.exec(
        std::format("SELECT compress_chunk(c, if_not_compressed => true) FROM "
                    "show_chunks('{}.{}') c",
            schema, hypertable));
    return query(connection,
        std::format("SELECT count(*) FROM timescaledb_information.chunks WHERE "
                    "hypertable_schema = '{}' AND hypertable_name = '{}' AND is_compressed",
            schema, hypertable));
}

std::size_t occurrences(std::string_view text, std::string_view part)
{
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string_view::npos; at = text.find(part, at + 1))
        ++count;
    return count;
}

std::string text(const std::vector<analytics::Bar> &bars)
{
    std::string out;
    for (const auto &bar : bars)
        out += std::format("{} {} {} {} {} {} {} {}\n", bar.openTimeNs, bar.open.toString(),
            bar.high.toString(), bar.low.toString(), bar.close.toString(), bar.volume.toString(),
            bar.notional.toString(), bar.trades);
    return out;
}

std::string text(const model::BookLadder &ladder)
{
    std::string out = std::format("{} {} |", ladder.sequence, ladder.deltasApplied);
    for (const auto &level : ladder.bids)
        out += " " + level.price.toString() + "x" + level.size.toString();
    out += " |";
    for (const auto &level : ladder.asks)
        out += " " + level.price.toString() + "x" + level.size.toString();
    return out;
}

} // namespace

class TestCompressedChunks : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (const auto reason = testing::EditionDatabase::unavailable())
            QSKIP(reason->c_str());
        static_assert(testing::EditionDatabase::tsl(), "compression is the TSL edition's");
        try {
            m_database = std::make_unique<testing::EditionDatabase>("compressed");
            m_connection
                = std::make_unique<pqxx::connection>(db::connect(m_database->conninfo(), "test"));
            // The columnstore settings of each hypertable, with policies that neither compress
            // nor drop the test's day by themselves: the test compresses it when it means to.
            model::StoragePolicy policy;
            for (auto &table : policy.hypertables) {
                table.compressAfter = model::PolicyInterval{10, model::PolicyInterval::Unit::Years};
                table.dropAfter.reset();
            }
            const auto applied = db::PolicyManager{*m_connection}.apply(
                policy, {.osUser = "test", .host = "test"}, false);
            if (!applied.failures.empty())
                QFAIL(applied.failures.front().c_str());
            m_instruments = db::registerInstruments(*m_connection,
                {{"binance", "BTCUSDT", "BTC", "USDT"}, {"binance", "ETHUSDT", "ETH", "USDT"}});
            m_writer = std::make_unique<db::IngestWriter>(*m_connection, "binance", m_instruments);
            pqxx::nontransaction{*m_connection}.exec(
                "DROP ROLE IF EXISTS compressed_api_reader; CREATE ROLE compressed_api_reader "
                "LOGIN PASSWORD 'compressed-api-password' IN ROLE tickscope_reader");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
        m_http = std::make_unique<app::HttpService>(app::HttpSettings{
            .listen = std::pair{QStringLiteral("127.0.0.1"), quint16(0)}, .token = kToken});
        m_http->queries().setDatabase(m_database->conninfo()
            + " user=compressed_api_reader password=compressed-api-password");
        QVERIFY(m_http->port());
    }

    // Reads first: the day uncompressed, then compressed, must read the same.
    void readersSeeTheSameRowsOnceTheDayIsCompressed()
    {
        const auto written = m_writer->write(batchOf(trades(0, 20'000)));
        QCOMPARE(written.rowsWritten, std::size_t(20'000));
        db::IngestBatch book;
        book.snapshots.push_back({.exchangeTimeNs = kDayNs,
            .receivedAtNs = kDayNs + 1,
            .instrument = 0,
            .sequence = 100,
            .bids = {{dec("66999.5"), dec("1")}, {dec("66999"), dec("2")}},
            .asks = {{dec("67000.5"), dec("3")}}});
        for (int i = 1; i <= 500; ++i)
            book.deltas.push_back({.exchangeTimeNs = kDayNs + i * kMinuteNs / 60,
                .receivedAtNs = kDayNs + i * kMinuteNs / 60 + 1,
                .instrument = 0,
                .firstSequence = 100 + i,
                .sequence = 100 + i,
                .bids = {{dec(std::format("66999.{}", i % 10)), dec(std::format("{}", i % 4))}},
                .asks = {{dec("67000.5"), dec(std::format("0.{:08}", i))}}});
        m_writer->write(book);
        {
            pqxx::nontransaction tx{*m_connection};
            db::refreshPendingAggregates(tx);
        }

        const auto readAll = [&] {
            std::string out;
            // Point in time: what had been received by the middle of the range.
            {
                db::TradeExport exported{*m_connection,
                    {.fromNs = kDayNs,
                        .toNs = kDayNs + 10 * kMinuteNs,
                        .asOfNs = kDayNs + 5 * kMinuteNs}};
                exported.writeTrades([&](std::string_view rows) { out += rows; });
            }
            const auto level = db::ohlcvLevelFor(*m_connection, 60);
            if (!level)
                qFatal("no 1-minute level");
            out += text(db::ohlcvBars(
                *m_connection, *level, m_instruments[0], 300, kDayNs, kDayNs + 20 * kMinuteNs));
            out += text(db::tradeBars(
                *m_connection, m_instruments[1], 60, kDayNs, kDayNs + 20 * kMinuteNs));
            db::forEachTrade(*m_connection, m_instruments[1], kDayNs + kMinuteNs,
                kDayNs + 2 * kMinuteNs, [&](const model::Trade &trade) {
                    out += std::format(
                        "{} {} {}\n", trade.tradeId, trade.price.toString(), trade.size.toString());
                    return true;
                });
            auto rebuilt
                = db::BookRebuild::asOf(*m_connection, m_instruments[0], kDayNs + kMinuteNs * 5);
            if (!rebuilt)
                qFatal("no book as of 5 minutes");
            out += text(rebuilt->ladder(10));
            for (const char *path :
                {"/api/v1/trades?exchange=binance&symbol=ETHUSDT&since=2025-11-25T00:01:00Z"
                 "&limit=2000",
                    "/api/v1/ohlcv?exchange=binance&symbol=BTCUSDT&interval=5m"
                    "&from=2025-11-25T00:00:00Z&to=2025-11-25T00:20:00Z",
                    "/api/v1/bars?exchange=binance&symbol=ETHUSDT&kind=tick&size=60"
                    "&from=2025-11-25T00:00:00Z&to=2025-11-25T00:20:00Z"})
                out += apiGet(path);
            return out;
        };
        const std::string uncompressed = readAll();
        QVERIFY(uncompressed.size() > 100'000);
        QCOMPARE(occurrences(uncompressed, "\n200 {"), std::size_t(3)); // the API's answers
        QVERIFY(compressChunks(*m_connection, "trades") > 0);
        QVERIFY(compressChunks(*m_connection, "book_deltas") > 0);
        const std::string compressed = readAll();
        QCOMPARE(compressed.size(), uncompressed.size());
        QVERIFY(compressed == uncompressed);
    }

    void aReplayIntoACompressedDayAddsNothing()
    {
        const std::int64_t before = query(*m_connection, "SELECT count(*) FROM market_data.trades");
        const std::string digest = tradesDigest(*m_connection);
        QVERIFY(compressChunks(*m_connection, "trades") > 0);

        const auto replayed = m_writer->write(batchOf(trades(0, 20'000)));
        QCOMPARE(replayed.rowsWritten, std::size_t(0));
        QCOMPARE(replayed.duplicates, std::size_t(20'000));
        QCOMPARE(query(*m_connection, "SELECT count(*) FROM market_data.trades"), before);
        QCOMPARE(tradesDigest(*m_connection), digest);
    }

    void lateTradesLandOnceAndEveryLevelIsCorrected()
    {
        QVERIFY(compressChunks(*m_connection, "trades") > 0);
        // Ids past the stored ones but times inside the compressed day, among duplicates.
        auto late = trades(19'000, 2'000);
        for (auto &trade : late) {
            if (trade.tradeId >= 20'000)
                trade.exchangeTimeNs -= 1'000 * 50'000'000LL + 25'000'000;
        }
        const auto written = m_writer->write(batchOf(late));
        QCOMPARE(written.rowsWritten, std::size_t(1'000));
        QCOMPARE(written.duplicates, std::size_t(1'000));
        QCOMPARE(
            query(*m_connection, "SELECT count(*) FROM market_data.trades"), std::int64_t{21'000});
        QCOMPARE(query(*m_connection,
                     "SELECT count(*) FROM (SELECT instrument_id, trade_id FROM "
                     "market_data.trades GROUP BY 1, 2 HAVING count(*) > 1) d"),
            std::int64_t{0});

        {
            pqxx::nontransaction tx{*m_connection};
            db::refreshPendingAggregates(tx);
        }
        // No bucket of any level may differ from plain SQL over the trades.
        for (const char *level : {"1m", "5m", "15m", "1h", "4h", "1d"})
            QVERIFY2(testing::ohlcvRowsDifferingFromTrades(*m_connection, level) == 0, level);
    }

    // A batch of new trades inside the compressed day is folded into the 1-minute bars, whose
    // chunk is compressed too (an upsert into compressed batches), and every level is corrected.
    void aLateBatchFoldsIntoCompressedBars()
    {
        QVERIFY(compressChunks(*m_connection, "trades") > 0);
        QVERIFY(compressChunks(*m_connection, "ohlcv_1m", "aggregates") > 0);
        auto late = trades(30'000, 500);
        for (auto &trade : late)
            trade.exchangeTimeNs = kDayNs + (trade.tradeId - 30'000) * 2'000'000'000 + 7'000'000;
        const auto written = m_writer->write(batchOf(late));
        QCOMPARE(written.rowsWritten, std::size_t(500));
        QCOMPARE(written.duplicates, std::size_t(0));
        // Folded, not queued for a recompute from the trades.
        QCOMPARE(
            query(*m_connection, "SELECT count(*) FROM aggregates.refresh_queue WHERE from_trades"),
            std::int64_t{0});
        {
            pqxx::nontransaction tx{*m_connection};
            db::refreshPendingAggregates(tx);
        }
        for (const char *level : {"1m", "5m", "15m", "1h", "4h", "1d"})
            QVERIFY2(testing::ohlcvRowsDifferingFromTrades(*m_connection, level) == 0, level);
    }

    // After an outage the writer catches up with a day of the journal in large batches, while
    // the days before it are compressed; the backlog starts with trades already stored.
    void aDaysBacklogCatchesUpBesideCompressedDays()
    {
        QVERIFY(compressChunks(*m_connection, "trades") > 0);
        const std::int64_t before = query(*m_connection, "SELECT count(*) FROM market_data.trades");
        auto backlog = trades(19'000, 1'000); // committed before the outage
        constexpr std::int64_t kBacklog = 172'800; // one every 0.5 s for the next day
        for (std::int64_t k = 0; k < kBacklog; ++k) {
            const std::int64_t at = kNextDayNs + k * 500'000'000;
            backlog.push_back({.exchangeTimeNs = at,
                .receivedAtNs = kNextDayNs + 1440 * kMinuteNs + k * 1'000,
                .instrument = static_cast<std::uint32_t>(k % 2),
                .tradeId = 1'000'000 + k,
                .price = dec(std::format("{}.{:02}", 60'000 + k % 9'973, k % 100)),
                .size = dec(std::format("0.{:05}", 1 + k % 99'999)),
                .side = k % 5 == 0 ? model::Side::Sell : model::Side::Buy});
        }
        std::size_t written = 0;
        std::size_t duplicates = 0;
        for (std::size_t first = 0; first < backlog.size(); first += 50'000) {
            const auto last = std::min(backlog.size(), first + 50'000);
            const auto result
                = m_writer->write(batchOf({backlog.begin() + static_cast<std::ptrdiff_t>(first),
                    backlog.begin() + static_cast<std::ptrdiff_t>(last)}));
            written += result.rowsWritten;
            duplicates += result.duplicates;
        }
        QCOMPARE(written, std::size_t(kBacklog));
        QCOMPARE(duplicates, std::size_t(1'000));
        QCOMPARE(
            query(*m_connection, "SELECT count(*) FROM market_data.trades"), before + kBacklog);
        QCOMPARE(query(*m_connection,
                     "SELECT count(*) FROM timescaledb_information.chunks WHERE "
                     "hypertable_name = 'trades' AND range_end <= '2025-11-26' AND "
                     "NOT is_compressed"),
            std::int64_t{0});

        {
            pqxx::nontransaction tx{*m_connection};
            db::refreshPendingAggregates(tx);
        }
        QCOMPARE(query(*m_connection,
                     "SELECT count(*) FROM aggregates.ohlcv WHERE interval = '1d' AND time = "
                     "'2025-11-26' AND trades = 86400 AND (instrument_id, volume) IN (SELECT "
                     "instrument_id, sum(market_data.to_numeric(size_units, size_scale)) FROM "
                     "market_data.trades WHERE time >= '2025-11-26' GROUP BY 1)"),
            std::int64_t{2});
    }

    // Last, as it deletes: retention past drop_after deletes the rows of instruments without a
    // compliance hold from the compressed days and keeps every row of the held one.
    void retentionPrunesCompressedDaysAndKeepsTheHold()
    {
        QVERIFY(compressChunks(*m_connection, "trades") > 0);
        const auto heldBefore = query(*m_connection,
            std::format("SELECT count(*) FROM market_data.trades WHERE instrument_id = {}",
                m_instruments[1]));
        QVERIFY(heldBefore > 80'000);
        model::StoragePolicy policy;
        for (auto &table : policy.hypertables) {
            table.compressAfter = model::PolicyInterval{10, model::PolicyInterval::Unit::Years};
            table.dropAfter = model::PolicyInterval{30, model::PolicyInterval::Unit::Days};
        }
        policy.holds = {{"binance", "ETHUSDT"}};
        db::PolicyManager manager{*m_connection};
        const db::Operator tester{.osUser = "test", .host = "test"};
        const auto applied = manager.apply(policy, tester, false);
        if (!applied.failures.empty())
            QFAIL(applied.failures.front().c_str());
        manager.runJobs(tester); // the scheduled job may have pruned first: the rows decide

        QCOMPARE(query(*m_connection,
                     std::format("SELECT count(*) FROM market_data.trades WHERE instrument_id = {}",
                         m_instruments[0])),
            std::int64_t{0});
        QCOMPARE(query(*m_connection,
                     std::format("SELECT count(*) FROM market_data.trades WHERE instrument_id = {}",
                         m_instruments[1])),
            heldBefore);
        QVERIFY(query(*m_connection,
                    "SELECT count(*) FROM audit.operator_actions WHERE action = "
                    "'retention.prune_chunk'")
            >= 2);
        QCOMPARE(query(*m_connection,
                     "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name "
                     "= 'trades' AND NOT is_compressed AND range_end <= '2025-11-26'"),
            std::int64_t{0});
    }

private:
    // The status and body of the query API's answer to GET `path`.
    std::string apiGet(const char *path)
    {
        const auto answer = testing::httpGet(*m_http->port(), QLatin1String(path), kToken);
        return std::format("\n{} {}\n", answer.status, answer.body.toStdString());
    }

    std::unique_ptr<testing::EditionDatabase> m_database;
    std::unique_ptr<pqxx::connection> m_connection;
    std::vector<int> m_instruments;
    std::unique_ptr<db::IngestWriter> m_writer;
    std::unique_ptr<app::HttpService> m_http; // on its own thread, as in the running job
};

QTEST_GUILESS_MAIN(TestCompressedChunks)
#include "test_compressed_chunks.moc"
