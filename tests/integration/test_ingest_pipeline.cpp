// The whole ingest path against the simulated exchange and a real TimescaleDB: every trade the
// simulator sent is stored once, the gaps it injected are in audit.gaps with their exact ranges,
// a malformed frame is recorded and skipped, and the book rebuilt from the journal equals the
// simulator's after the resynchronisation.
#include "app/feeds/binance/binance_normalizer.h"
#include "app/ingest/journal_reader.h"
#include "app/ingest/journal_writer.h"
#include "app/services/ingest_service.h"
#include "app/services/simulated_feed.h"
#include "app/sim/binance_simulator.h"
#include "db/connection.h"
#include "tests/support/private_mounts.h"
#include "tests/support/process_faults.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/simulated_ingest.h"

#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>
#include <format>
#include <functional>
#include <map>
#include <pqxx/pqxx>
#include <sched.h>
#include <set>
#include <sys/mount.h>
#include <unistd.h>

using namespace tickscope;
using namespace tickscope::testing;

namespace {

// For the tmpfs of fullJournalDiskPausesAndResumes.
const bool g_privateMounts = enterPrivateMountNamespace();

// Decimal text without trailing zeros, so that the exchange's "100.50000000" and a stored
// "100.5" compare equal.
QString plainDecimal(QString text)
{
    if (text.contains(u'.')) {
        while (text.endsWith(u'0'))
            text.chop(1);
        if (text.endsWith(u'.'))
            text.chop(1);
    }
    return text;
}

// One outage gap was recorded, at least `seconds` long, with `cause` as its note.
void verifyOutage(pqxx::connection &connection, double seconds, const std::string &cause)
{
    pqxx::nontransaction tx{connection};
    const auto outage = tx.exec("SELECT extract(epoch FROM gap_end - gap_start), note FROM "
                                "audit.gaps WHERE kind = 'outage'")
                            .one_row();
    QVERIFY(outage[0].as<double>() >= seconds);
    QCOMPARE(outage[1].as<std::string>(), cause);
}

// "price size time_ms side" of a trade as the exchange sent it (side: the aggressor's).
QString tradeText(const QJsonValue &price, const QJsonValue &size, qint64 timeMs, bool buyerIsMaker)
{
    return QStringLiteral("%1 %2 %3 %4")
        .arg(plainDecimal(price.toString()), plainDecimal(size.toString()))
        .arg(timeMs)
        .arg(QLatin1Char(buyerIsMaker ? 'S' : 'B'));
}

// Every stored trade's price, size, time and side is what the exchange sent for its id, read
// from the raw frames in the journal (parsed here with QJsonDocument, apart from the product's
// parser): in a stream frame, or for a backfilled trade in the REST answer. Every streamed trade
// is stored. Every depth update is stored as one delta with its update ids and level counts.
void verifyAgainstJournal(pqxx::connection &connection, const QString &journal)
{
    std::map<std::pair<QString, qint64>, QString> streamed;
    std::map<std::pair<QString, qint64>, QString> backfilled;
    std::set<QString> deltasSent;
    ingest::journal::JournalReader reader{journal.toStdString()};
    reader.seek({});
    for (;;) {
        auto record = reader.next();
        QVERIFY(record);
        if (!*record)
            break;
        const auto &payload = (*record)->payload;
        if ((*record)->kind == feeds::RawKind::RestResponse
            && (*record)->tag == static_cast<std::uint32_t>(feeds::RestTopic::TradeBackfill)) {
            const auto rest = feeds::decodeRestPayload(payload);
            QVERIFY(rest);
            const QString symbol = QString::fromUtf8(rest->symbol);
            for (const auto &trade : QJsonDocument::fromJson(QByteArray(rest->body)).array()) {
                const QJsonObject t = trade.toObject();
                backfilled[{symbol, t[QStringLiteral("id")].toInteger()}]
                    = tradeText(t[QStringLiteral("price")], t[QStringLiteral("qty")],
                        t[QStringLiteral("time")].toInteger(),
                        t[QStringLiteral("isBuyerMaker")].toBool());
            }
            continue;
        }
        if ((*record)->kind != feeds::RawKind::WebSocketText)
            continue;
        const QJsonObject frame = QJsonDocument::fromJson(QByteArray(payload)).object();
        const QJsonObject data = frame[QStringLiteral("data")].toObject();
        const QString symbol = data[QStringLiteral("s")].toString();
        if (frame[QStringLiteral("stream")].toString().endsWith(QStringLiteral("@trade")))
            streamed[{symbol, data[QStringLiteral("t")].toInteger()}]
                = tradeText(data[QStringLiteral("p")], data[QStringLiteral("q")],
                    data[QStringLiteral("T")].toInteger(), data[QStringLiteral("m")].toBool());
        else if (data[QStringLiteral("e")].toString() == QStringLiteral("depthUpdate"))
            deltasSent.insert(QStringLiteral("%1 %2 %3 %4 %5")
                    .arg(symbol)
                    .arg(data[QStringLiteral("U")].toInteger())
                    .arg(data[QStringLiteral("u")].toInteger())
                    .arg(data[QStringLiteral("b")].toArray().size())
                    .arg(data[QStringLiteral("a")].toArray().size()));
    }
    QVERIFY(streamed.size() > 1000);
    QVERIFY(!deltasSent.empty());

    pqxx::nontransaction tx{connection};
    std::size_t streamedStored = 0;
    for (const auto &row : tx.exec(
             "SELECT i.symbol, t.trade_id, market_data.to_numeric(t.price_units, "
             "t.price_scale)::text, market_data.to_numeric(t.size_units, t.size_scale)::text, "
             "(extract(epoch FROM t.time) * 1000)::bigint, t.side FROM market_data.trades t "
             "JOIN market_data.instruments i USING (instrument_id) WHERE i.exchange = 'binance'")) {
        const std::pair key{QString::fromStdString(row[0].as<std::string>()), row[1].as<qint64>()};
        const QString stored
            = QStringLiteral("%1 %2 %3 %4")
                  .arg(plainDecimal(QString::fromStdString(row[2].as<std::string>())),
                      plainDecimal(QString::fromStdString(row[3].as<std::string>())))
                  .arg(row[4].as<qint64>())
                  .arg(QString::fromStdString(row[5].as<std::string>()));
        if (const auto sent = streamed.find(key); sent != streamed.end()) {
            QCOMPARE(stored, sent->second);
            ++streamedStored;
        } else {
            const auto fetched = backfilled.find(key);
            QVERIFY2(fetched != backfilled.end(),
                qPrintable(QStringLiteral("%1 %2 was never sent").arg(key.first).arg(key.second)));
            QCOMPARE(stored, fetched->second);
        }
    }
    QCOMPARE(streamedStored, streamed.size());

    std::set<QString> deltasStored;
    for (const auto &row : tx.exec(
             "SELECT i.symbol, d.first_sequence, d.sequence, cardinality(d.bid_price_units), "
             "cardinality(d.ask_price_units) FROM market_data.book_deltas d "
             "JOIN market_data.instruments i USING (instrument_id) WHERE i.exchange = 'binance'"))
        deltasStored.insert(QStringLiteral("%1 %2 %3 %4 %5")
                .arg(QString::fromStdString(row[0].as<std::string>()))
                .arg(row[1].as<qint64>())
                .arg(row[2].as<qint64>())
                .arg(row[3].as<int>())
                .arg(row[4].as<int>()));
    QVERIFY(deltasStored == deltasSent);
}

// What a failover with asynchronous replication does to the writer's database: the server it
// reconnects to lacks what the old leader acknowledged in its last moments. Everything received
// from `back` before the journal's end on is taken out - the rows, and the checkpoint and the
// sequence positions moved back to match - in one transaction that first cuts the writer's
// connections and keeps the checkpoint from being read or written until it commits.
void loseLastTransactions(
    const std::string &conninfo, const QString &journal, std::chrono::milliseconds back)
{
    std::vector<std::pair<std::int64_t, model::JournalPosition>> records; // received ns, where
    ingest::journal::JournalReader reader{journal.toStdString()};
    reader.seek({});
    for (auto record = reader.next(); record && *record; record = reader.next())
        records.emplace_back((*record)->receivedAtNs, (*record)->position);
    QVERIFY(records.size() > 1000);
    // A boundary between two records at least 2 us apart: each row's receive time in
    // microseconds falls on one side of it, as its record does.
    const std::int64_t wanted = records.back().first - std::chrono::nanoseconds(back).count();
    std::size_t cut = 1;
    while (cut < records.size()
        && (records[cut].first < wanted || records[cut].first - records[cut - 1].first < 2000))
        ++cut;
    QVERIFY(cut < records.size());
    const std::int64_t boundaryUs = records[cut].first / 1000;
    const model::JournalPosition position = records[cut].second;

    auto connection = db::connect(conninfo, "test");
    auto observer = db::connect(conninfo, "test");
    pqxx::work tx{connection};
    tx.exec("LOCK TABLE audit.ingest_checkpoints IN ACCESS EXCLUSIVE MODE");
    const auto writers = tx.exec("SELECT pid FROM pg_stat_activity WHERE application_name LIKE "
                                 "'tickscope ingest%'");
    QVERIFY(!writers.empty());
    std::vector<int> pids;
    for (const auto &row : writers) {
        pids.push_back(row[0].as<int>());
        tx.exec("SELECT pg_terminate_backend($1)", pqxx::params{pids.back()});
    }
    QTRY_COMPARE_WITH_TIMEOUT(
        pqxx::nontransaction{observer}.query_value<int>(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY($1)", pqxx::params{pids}),
        0, 10'000);
    const std::string since
        = std::format("timestamptz 'epoch' + {} * interval '1 microsecond'", boundaryUs);
    for (const char *table : {"trades", "book_deltas", "book_snapshots"})
        tx.exec(std::format("DELETE FROM market_data.{} WHERE market_data.received_at(time, "
                            "received_after_us) >= {}",
            table, since));
    tx.exec("UPDATE audit.ingest_checkpoints SET journal_segment = $1, journal_offset = $2",
        pqxx::params{position.segment, position.index});
    tx.exec("UPDATE audit.sequence_positions p SET last_sequence = t.last, last_time = t.at "
            "FROM (SELECT instrument_id, max(trade_id) AS last, max(time) AS at FROM "
            "market_data.trades GROUP BY instrument_id) t WHERE p.instrument_id = "
            "t.instrument_id AND p.kind = 'trade_id'");
    tx.exec("UPDATE audit.sequence_positions p SET last_sequence = d.last, last_time = d.at "
            "FROM (SELECT instrument_id, max(sequence) AS last, max(time) AS at FROM "
            "market_data.book_deltas GROUP BY instrument_id) d WHERE p.instrument_id = "
            "d.instrument_id AND p.kind = 'book_sequence'");
    tx.commit();
}

} // namespace

class TestIngestPipeline : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase()
    {
        try {
            m_conninfo = testing::migratedDatabase("pipeline");
        } catch (const std::exception &error) {
            QFAIL(error.what());
        }
    }

    void simulatorToDatabase()
    {
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options = simulation({"BTCUSDT", "ETHUSDT"}, 3000, 4, 7);
        auto faults = sim::FaultPlan::parse(u"skip-trades@1:5,skip-depth@1.5:3,malformed@2");
        QVERIFY(faults);
        options.faults = *faults;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        const app::Config config = configFor(simulator, journal.path());
        app::IngestService service{config, m_conninfo};
        runUntilFinished(service, simulator, m_conninfo);

        const QJsonObject report = simulator.report();
        auto connection = db::connect(m_conninfo, "test");
        verifyTrades(connection, report, options.symbols);
        verifyAgainstJournal(connection, journal.path() + QStringLiteral("/binance"));

        // Finding 7: the journal replayed into a fresh database gives the same rows, and a
        // second replay adds none.
        const QStringList live = tableDigests(m_conninfo);
        const std::string fresh = testing::migratedDatabase("pipeline_replayed");
        for (int run = 0; run < 2; ++run) {
            QProcess replay;
            replay.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            replay.start(QStringLiteral(TICKSCOPE_BINARY),
                {QStringLiteral("replay"), QStringLiteral("--exchange"), QStringLiteral("binance"),
                    QStringLiteral("--journal"), journal.path() + QStringLiteral("/binance"),
                    QStringLiteral("--db"), QString::fromStdString(fresh)});
            QSignalSpy finished{&replay, &QProcess::finished};
            QVERIFY(finished.wait(60'000));
            QCOMPARE(replay.exitCode(), 0);
            QCOMPARE(tableDigests(fresh), live);
        }

        pqxx::nontransaction tx{connection};
        for (const auto &symbol : options.symbols) {
            const QJsonObject sent
                = report[QStringLiteral("symbols")][QString::fromStdString(symbol)].toObject();
            for (const auto &[kind, key] :
                {std::pair{"trade_id", "trade_gaps"}, std::pair{"book_sequence", "depth_gaps"}})
                QCOMPARE(storedGaps(tx, symbol, kind),
                    rangesOf(sent[QString::fromLatin1(key)].toArray()));
            // The REST snapshot that resynchronised the book closed its gap.
            QCOMPARE(tx.exec("SELECT count(*) FROM audit.gaps g JOIN market_data.instruments i "
                             "USING (instrument_id) WHERE i.symbol = $1 AND g.kind = "
                             "'book_sequence' AND g.status <> 'unrecoverable'",
                           pqxx::params{symbol})
                         .one_field()
                         .as<int>(),
                0);
        }
        QVERIFY(!rangesOf(report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")]
                                [QStringLiteral("trade_gaps")]
                                    .toArray())
                .empty());
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'error' AND detail "
                         "LIKE 'malformed%'")
                     .one_field()
                     .as<std::int64_t>(),
            report[QStringLiteral("malformed_frames_sent")].toInteger());
        QVERIFY(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'connect'")
                    .one_field()
                    .as<int>()
            >= 1);
        QVERIFY(tx.exec("SELECT count(*) FROM audit.ingest_batches").one_field().as<int>() > 0);
        QVERIFY(
            tx.exec("SELECT count(*) FROM market_data.book_snapshots").one_field().as<int>() >= 3);
        const auto checkpoint
            = tx.exec("SELECT journal_segment, journal_offset FROM audit.ingest_checkpoints "
                      "WHERE feed = 'binance'")
                  .one_row();
        QVERIFY(checkpoint[1].as<std::int64_t>() > 0);

        // The book rebuilt from the journal is the simulator's book, level for level.
        feeds::InstrumentList instruments{config.feeds.front().instruments};
        feeds::binance::BinanceNormalizer normalizer{
            instruments, feeds::binance::TimeUnit::Milliseconds};
        ingest::journal::JournalReader reader{
            (journal.path() + QStringLiteral("/binance")).toStdString()};
        reader.seek({});
        feeds::NormalizedOutput output;
        for (;;) {
            auto record = reader.next();
            QVERIFY(record);
            if (!*record)
                break;
            normalizer.normalize(
                {(*record)->kind, (*record)->tag, (*record)->receivedAtNs, (*record)->payload},
                output);
            output.clear();
        }
        QNetworkAccessManager network;
        for (std::uint32_t i = 0; i < instruments.size(); ++i) {
            QNetworkReply *reply = network.get(QNetworkRequest{
                QUrl(QStringLiteral("http://127.0.0.1:%1/api/v3/depth?symbol=%2&limit=100")
                        .arg(simulator.restPort())
                        .arg(QString::fromStdString(instruments.at(i).symbol)))});
            QSignalSpy done{reply, &QNetworkReply::finished};
            QVERIFY(done.wait(10'000));
            const QByteArray body = reply->readAll();
            reply->deleteLater();
            feeds::binance::MessageParser parser{
                instruments, feeds::binance::TimeUnit::Milliseconds};
            const auto truth = parser.parseDepthSnapshot(body.toStdString(), i, 0);
            QVERIFY(truth);
            const auto &book = normalizer.bookSync(i);
            QCOMPARE(book.state(), feeds::binance::BookSync::State::Live);
            QCOMPARE(book.lastUpdateId(), truth->sequence);
            QCOMPARE(book.book().bids(), truth->bids);
            QCOMPARE(book.book().asks(), truth->asks);
        }
        // A backfill that a stop interrupted: the gap is open and its trades are not stored.
        // The next start asks for them again.
        const auto first = report[QStringLiteral("symbols")][QStringLiteral("ETHUSDT")]
                                 [QStringLiteral("first_trade_id")]
                                     .toInteger();
        tx.exec(
            "DELETE FROM market_data.trades WHERE trade_id BETWEEN $1 AND $2 AND instrument_id = "
            "(SELECT instrument_id FROM market_data.instruments WHERE symbol = 'ETHUSDT')",
            pqxx::params{first + 100, first + 109});
        tx.exec("INSERT INTO audit.gaps (instrument_id, kind, first_missing, last_missing) SELECT "
                "instrument_id, 'trade_id', $1, $2 FROM market_data.instruments WHERE symbol = "
                "'ETHUSDT'",
            pqxx::params{first + 100, first + 109});
        app::IngestService again{config, m_conninfo};
        again.start();
        QTRY_COMPARE_WITH_TIMEOUT(tx.exec("SELECT status FROM audit.gaps WHERE first_missing = $1",
                                        pqxx::params{first + 100})
                                      .one_field()
                                      .as<std::string>(),
            std::string("backfilled"), 20'000);
        QSignalSpy againStopped{&again, &app::IngestService::stopped};
        again.stop();
        QVERIFY(againStopped.wait(30'000));
        QCOMPARE(tx.exec("SELECT count(*) FROM market_data.ticks WHERE symbol = 'ETHUSDT' AND "
                         "trade_id BETWEEN $1 AND $2",
                       pqxx::params{first + 100, first + 109})
                     .one_field()
                     .as<int>(),
            10);
        simulator.stop();
    }

    // trade_stream = aggTrade: the feed subscribes @aggTrade, every trade arrives inside an
    // aggregate and is stored once, and the hole the simulator leaves is a trade-id gap with its
    // exact range, found by the aggregates' ids f..l.
    void aggTradeStream()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_aggtrades");
        QTemporaryDir journal;
        auto options = simulation({"BTCUSDT", "ETHUSDT"}, 2000, 3, 23);
        const auto faults = sim::FaultPlan::parse(u"skip-trades@1:5");
        QVERIFY(faults);
        options.faults = *faults;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::Config config = configFor(simulator, journal.path());
        config.feeds.front().options.emplace("trade_stream", "aggTrade");
        app::IngestService service{config, conninfo};
        runUntilFinished(service, simulator, conninfo);

        const QJsonObject report = simulator.report();
        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, report, options.symbols);
        pqxx::nontransaction tx{connection};
        QCOMPARE(storedGaps(tx, "BTCUSDT", "trade_id"),
            rangesOf(report[QStringLiteral("symbols")][QStringLiteral("BTCUSDT")]
                           [QStringLiteral("trade_gaps")]
                               .toArray()));
        QVERIFY(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'connect' AND "
                        "detail LIKE '%btcusdt@aggTrade%' AND detail NOT LIKE '%btcusdt@trade%'")
                    .one_field()
                    .as<int>()
            >= 1);
        simulator.stop();
    }

    // Finding 6: more streams than one connection may carry are spread over several
    // connections of the one feed and its one journal; every symbol's trades from its first on
    // are stored, none missing.
    void streamsBeyondOneConnectionAreSplit()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_connections");
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options = simulation(
            {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT"}, 1200, 3, 19);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::Config config = configFor(simulator, journal.path());
        config.feeds.front().options.emplace("streams_per_connection", "4"); // 2 symbols each
        app::IngestService service{config, conninfo};
        QSignalSpy finished{&simulator, &sim::BinanceSimulator::finished};
        QVERIFY(service.start());
        QVERIFY(finished.wait(60'000));
        QCOMPARE(simulator.report()[QStringLiteral("connections")].toInt(), 3);
        auto connection = db::connect(conninfo, "test");
        // Each symbol's trades from the first one received to the last one sent.
        auto missing = [&] {
            return pqxx::nontransaction{connection}
                .exec("SELECT sum(missing) FROM (SELECT max(trade_id) - min(trade_id) + 1 - "
                      "count(*) AS missing FROM market_data.trades GROUP BY instrument_id) m")
                .one_field()
                .as<std::int64_t>();
        };
        auto lastStored = [&](const std::string &symbol) {
            return pqxx::nontransaction{connection}
                .exec("SELECT coalesce(max(t.trade_id), -1) FROM market_data.trades t JOIN "
                      "market_data.instruments i USING (instrument_id) WHERE i.symbol = $1",
                    pqxx::params{symbol})
                .one_field()
                .as<std::int64_t>();
        };
        const QJsonObject sent = simulator.report()[QStringLiteral("symbols")].toObject();
        for (const auto &symbol : options.symbols)
            QTRY_COMPARE_WITH_TIMEOUT(lastStored(symbol),
                sent[QString::fromStdString(symbol)][QStringLiteral("last_trade_id")].toInteger(),
                30'000);
        QCOMPARE(missing(), 0);
        QSignalSpy stopped{&service, &app::IngestService::stopped};
        service.stop();
        QVERIFY(stopped.wait(60'000));
        QCOMPARE(pqxx::nontransaction{connection}
                     .exec("SELECT count(*) FROM audit.feed_events WHERE event = 'connect'")
                     .one_field()
                     .as<int>(),
            3);
        simulator.stop();
    }

    // 200 books that all need a REST snapshot at once (what a reconnect does): 50,000 request
    // weight at Binance's 250 a snapshot, against a limit of 6000 a minute. The feed paces them
    // at four fifths of the published limit; where the exchange allows less than published, its
    // 429s are honoured, and the address is never banned.
    void resnapshotStormStaysWithinLimits_data()
    {
        QTest::addColumn<int>("exchangeLimit"); // the simulated exchange's weight a minute
        QTest::newRow("at the published limit") << 6000;
        QTest::newRow("below what the adapter was told") << 3000;
    }

    void resnapshotStormStaysWithinLimits()
    {
        QFETCH(int, exchangeLimit);
        const std::string conninfo
            = testing::migratedDatabase(std::format("pipeline_storm_{}", exchangeLimit));
        std::vector<std::string> symbols;
        for (int i = 0; i < 200; ++i)
            symbols.push_back(std::format("S{:03}USDT", i));
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options = simulation(symbols, 400, 60, 23);
        options.restWeightPerMinute = exchangeLimit;
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::Config config = configFor(simulator, journal.path());
        config.feeds.front().options.emplace("streams_per_connection", "100");
        app::IngestService service{config, conninfo};
        QVERIFY(service.start());
        QTest::qWait(12'000);

        const QJsonObject rest = simulator.report()[QStringLiteral("rest")].toObject();
        const auto requests = rest[QStringLiteral("requests")].toInteger();
        const auto tooMany = rest[QStringLiteral("too_many_requests")].toInteger();
        QCOMPARE(rest[QStringLiteral("bans")].toInteger(), 0);
        QVERIFY2(rest[QStringLiteral("max_weight_per_minute")].toInt() <= exchangeLimit,
            qPrintable(QJsonDocument(rest).toJson(QJsonDocument::Compact)));
        // The budget, 4800 a minute, holds 19 snapshots; the rest wait for the minute to pass.
        QCOMPARE(requests, 19);
        if (exchangeLimit == 6000)
            QCOMPARE(tooMany, 0);
        else
            QCOMPARE(tooMany, 19 - exchangeLimit / 250);
        auto connection = db::connect(conninfo, "test");
        auto count = [&](const char *query) {
            return pqxx::nontransaction{connection}.exec(query).one_field().as<std::int64_t>();
        };
        QTRY_COMPARE_WITH_TIMEOUT(
            count("SELECT count(*) FROM market_data.book_snapshots"), requests - tooMany, 10'000);
        QTRY_COMPARE_WITH_TIMEOUT(
            count("SELECT count(*) FROM audit.feed_events WHERE event = "
                  "'error' AND detail LIKE '%limits this address (HTTP 429)%'"),
            tooMany, 10'000);
        QSignalSpy stopped{&service, &app::IngestService::stopped};
        service.stop();
        QVERIFY(stopped.wait(60'000));
        simulator.stop();
    }

    void databaseAwayForTenSeconds()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_outage");
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options = simulation({"BTCUSDT"}, 2000, 16, 11);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::IngestService service{configFor(simulator, journal.path()), conninfo};
        bool sawDatabaseDown = false;
        connect(&service, &app::IngestService::writerStatusChanged, this,
            [&sawDatabaseDown](const model::WriterStatus &status) {
                sawDatabaseDown
                    = sawDatabaseDown || status.state == model::WriterStatus::State::DatabaseDown;
            });
        runUntilFinished(service, simulator, conninfo, [] {
            QTest::qWait(3000);
            testing::TestCluster::instance().stopServer();
            QTest::qWait(10'000);
            testing::TestCluster::instance().startServer();
        });
        QVERIFY(sawDatabaseDown);
        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        simulator.stop();
    }

    // A failover with asynchronous replication, as the writer meets it: the server it reconnects
    // to lacks the last 1.5 s of what it committed. The writer follows the server's checkpoint
    // and writes those rows again from the journal: every trade stored once.
    void aServerThatLostCommitsIsFilledFromTheJournal()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_lost_commits");
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options = simulation({"BTCUSDT", "ETHUSDT"}, 2000, 10, 19);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::IngestService service{configFor(simulator, journal.path()), conninfo};
        std::int64_t followed = 0;
        connect(&service, &app::IngestService::writerStatusChanged, this,
            [&followed](const model::WriterStatus &status) {
                followed = std::max(followed, status.checkpointsFollowed);
            });
        runUntilFinished(service, simulator, conninfo, [&] {
            QTest::qWait(5000);
            loseLastTransactions(conninfo, journal.path() + QStringLiteral("/binance"),
                std::chrono::milliseconds(1500));
        });
        QCOMPARE(followed, std::int64_t{1});
        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        simulator.stop();
    }

    // kill -9 of `tickscope ingest` in the middle of the stream, and a restart: every trade the
    // simulator sent, before the kill and while the ingestor was gone, is stored exactly once.
    void killedIngestorLosesNothing()
    {
        const std::string conninfo = testing::migratedDatabase("pipeline_kill");
        QTemporaryDir dir;
        sim::BinanceSimulator::Options options = simulation({"BTCUSDT", "ETHUSDT"}, 2000, 14, 13);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        const QString configPath = testing::writeIngestConfig(simulator, dir.path());
        const QStringList arguments{QStringLiteral("ingest"), QStringLiteral("--config"),
            configPath, QStringLiteral("--db"), QString::fromStdString(conninfo)};
        QSignalSpy finished{&simulator, &sim::BinanceSimulator::finished};

        QProcess first;
        first.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        first.start(QStringLiteral(TICKSCOPE_BINARY), arguments);
        QTRY_VERIFY_WITH_TIMEOUT(
            simulator.report()[QStringLiteral("connections")].toInt() >= 1, 30'000);
        QTest::qWait(4000);
        ::kill(static_cast<pid_t>(first.processId()), SIGKILL);
        QTRY_COMPARE_WITH_TIMEOUT(first.state(), QProcess::NotRunning, 10'000);
        QCOMPARE(first.exitStatus(), QProcess::CrashExit);
        QTest::qWait(2000); // trades go on while nobody listens

        QProcess second;
        second.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        second.start(QStringLiteral(TICKSCOPE_BINARY), arguments);
        QVERIFY(finished.wait(60'000));
        QTRY_COMPARE_WITH_TIMEOUT(tradesStored(conninfo), tradesSent(simulator), 60'000);
        ::kill(static_cast<pid_t>(second.processId()), SIGINT);
        QTRY_COMPARE_WITH_TIMEOUT(second.state(), QProcess::NotRunning, 60'000);
        QCOMPARE(second.exitStatus(), QProcess::NormalExit);
        QCOMPARE(second.exitCode(), 0);

        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        pqxx::nontransaction tx{connection};
        QVERIFY(tx.exec("SELECT count(*) FROM audit.gaps WHERE kind = 'trade_id' AND status = "
                        "'backfilled'")
                    .one_field()
                    .as<int>()
            >= 1);
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.gaps WHERE kind = 'trade_id' AND status <> "
                         "'backfilled'")
                     .one_field()
                     .as<int>(),
            0);
        simulator.stop();
    }

    // Finding 5: the journal's disk fills up (a small tmpfs, mounted in a mount namespace of this
    // test's own). The feed pauses instead of dying, the command would not exit 0 silently, the
    // window is recorded as an outage gap, and when space returns the feed resumes; the trades
    // of the window are backfilled by trade id, so every trade is stored once.
    void fullJournalDiskPausesAndResumes()
    {
        if (!g_privateMounts)
            QSKIP("needs root for a private tmpfs (CI runs as root)");
        QTemporaryDir dir;
        const QByteArray mountPoint = dir.path().toUtf8();
        QVERIFY(::mount("tmpfs", mountPoint.constData(), "tmpfs", 0, "size=4m") == 0);
        struct Unmount
        {
            QByteArray path;
            ~Unmount() { ::umount2(path.constData(), MNT_DETACH); }
        } unmount{mountPoint};
        // Leave about 300 kB free.
        const QString fillerPath = dir.filePath(QStringLiteral("filler"));
        {
            QFile filler{fillerPath};
            QVERIFY(filler.open(QIODevice::WriteOnly));
            const auto free = ingest::journal::freeBytes(mountPoint.toStdString());
            QVERIFY(free);
            QVERIFY(filler.write(QByteArray(static_cast<qsizetype>(*free - 300'000), 'x')) > 0);
        }

        const std::string conninfo = testing::migratedDatabase("pipeline_disk_full");
        sim::BinanceSimulator::Options options = simulation({"BTCUSDT"}, 3000, 16, 17);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::Config config = configFor(simulator, dir.filePath(QStringLiteral("journal")));
        config.journalMinFreeBytes = 1 << 20;
        app::IngestService service{config, conninfo};
        bool paused = false;
        connect(&service, &app::IngestService::feedStatusChanged, this,
            [&paused](const model::FeedStatus &status) {
                paused = paused || status.state == model::FeedStatus::State::Paused;
            });
        runUntilFinished(service, simulator, conninfo, [&] {
            QTRY_VERIFY_WITH_TIMEOUT(paused, 30'000);
            QTest::qWait(1500);
            QVERIFY(QFile::remove(fillerPath));
        });
        QVERIFY(service.failures().isEmpty());

        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        verifyOutage(connection, 1.0, "journal disk full");
        pqxx::nontransaction tx{connection};
        QCOMPARE(tx.exec("SELECT count(*) FROM audit.feed_events WHERE event = 'resume'")
                     .one_field()
                     .as<int>(),
            1);
        simulator.stop();
    }

    // The system refuses the journal for a while (EIO on every read, write and sync of its
    // files). The feed pauses instead of failing, tries the journal again with backoff and
    // resumes once it can; the writer retries its reads; the window is an outage gap with its
    // cause and its trades are backfilled, so every trade is stored once. (On 054280f the feed
    // failed for good: "cannot write journal segment ...: Input/output error".)
    void aJournalTheSystemRefusesPausesTheFeedUntilItCanBeWritten()
    {
        namespace faults = testing::process_faults;
        const std::string conninfo = testing::migratedDatabase("pipeline_journal_refused");
        QTemporaryDir journal;
        faults::watchDirectory(journal.path().toStdString());
        sim::BinanceSimulator::Options options = simulation({"BTCUSDT"}, 3000, 10, 29);
        sim::BinanceSimulator simulator{options};
        QVERIFY(simulator.start());
        app::Config config = configFor(simulator, journal.path());
        app::IngestService service{config, conninfo};
        model::FeedStatus paused;
        connect(&service, &app::IngestService::feedStatusChanged, this,
            [&paused](const model::FeedStatus &status) {
                if (status.state == model::FeedStatus::State::Paused)
                    paused = status;
            });
        runUntilFinished(service, simulator, conninfo, [&] {
            QTest::qWait(2000);
            faults::refuse(faults::Refusal::IoError);
            QTRY_VERIFY_WITH_TIMEOUT(paused.state == model::FeedStatus::State::Paused, 10'000);
            QTest::qWait(2500); // tried again and refused meanwhile
            faults::refuse(faults::Refusal::None);
        });
        faults::refuse(faults::Refusal::None);
        QVERIFY2(service.failures().isEmpty(), qPrintable(service.failures().join(u'\n')));
        QVERIFY2(paused.lastError.find("Input/output error") != std::string::npos,
            paused.lastError.c_str());

        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, simulator.report(), options.symbols);
        verifyOutage(connection, 2.0, "journal write failed");
        QCOMPARE(pqxx::nontransaction{connection}.query_value<int>(
                     "SELECT count(*) FROM audit.quarantine"),
            0);
        simulator.stop();
    }

private:
    std::string m_conninfo;
};

QTEST_GUILESS_MAIN(TestIngestPipeline)
#include "test_ingest_pipeline.moc"
