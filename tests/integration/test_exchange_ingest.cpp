// OKX, Kraken, Bybit, Coinbase (the Exchange feed and Advanced Trade) end to end over a real
// socket: the simulated exchange, `tickscope`'s ingest service and a real TimescaleDB. Every trade
// sent is stored once; the trade-id hole injected is in audit.gaps with its exact range where ids
// are contiguous (not on Bybit); a book sequence break with its range (OKX's prevSeqId, Bybit's u);
// a spoiled checksum (and, on Kraken, a lost book message) is recorded as a checksum gap; the books
// are resubscribed and end equal to the simulator's; where the exchange keeps a trade history (not
// Bybit), the trades a dropped connection missed are backfilled over REST and their gap marked
// backfilled, while the hole of trades that never existed is marked unrecoverable; `tickscope
// replay` of the journal into a fresh database gives the same rows; and `tickscope gaps --backfill`
// fills a gap left open from the exchange's history. (Binance: test_ingest_pipeline.)
#include "app/feeds/adapter_registry.h"
#include "app/ingest/journal_reader.h"
#include "db/connection.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/simulated_ingest.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <expected>
#include <format>

using namespace tickscope;
using namespace tickscope::testing;

namespace {

// A loopback port nothing listens on (just released by a server that had it).
quint16 unusedPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost);
    return server.serverPort();
}

// A simulator of `options` with the faults `faults`, started; or why it is not.
std::expected<std::unique_ptr<sim::ExchangeSimulator>, QString> startSimulator(
    sim::ExchangeSimulator::Options options, const QString &faults)
{
    auto plan = sim::FaultPlan::parse(faults);
    if (!plan)
        return std::unexpected(plan.error());
    options.faults = *plan;
    auto created = sim::ExchangeSimulator::create(options);
    if (!created)
        return std::unexpected(created.error());
    if (auto started = (*created)->start(); !started)
        return std::unexpected(started.error());
    return std::move(*created);
}

std::int64_t count(pqxx::transaction_base &tx, const std::string &query)
{
    return tx.exec(query).one_field().as<std::int64_t>();
}

} // namespace

class TestExchangeIngest : public QObject
{
    Q_OBJECT

private slots:
    void simulatorToDatabase_data()
    {
        QTest::addColumn<QString>("exchange");
        QTest::addColumn<QStringList>("symbolList");
        QTest::addColumn<bool>("tradeIdGaps"); // ids are contiguous: a hole is a gap
        QTest::addColumn<bool>("bookSequence"); // a skipped update is a sequence break
        QTest::addColumn<int>("badChecksums"); // sent, to the first symbol
        QTest::addColumn<QList<int>>("checksumGaps"); // per symbol
        QTest::addColumn<int>("bookDepth"); // of the client's book; 0: all of it
        QTest::addColumn<bool>("backfill"); // the exchange keeps a trade history
        // OKX: the skipped update breaks the prevSeqId chain; Kraken has no sequence, and loses
        // the message, which its checksum then finds; Bybit's u jumps; it sends no checksum.
        QTest::newRow("okx") << "okx" << QStringList{"BTC-USDT", "ETH-USDT"} << true << true << 1
                             << QList<int>{1, 0} << 0 << true;
        QTest::newRow("kraken") << "kraken" << QStringList{"BTC/USD", "ETH/USD"} << true << false
                                << 1 << QList<int>{1, 1} << 10 << true;
        QTest::newRow("bybit") << "bybit" << QStringList{"BTCUSDT", "ETHUSDT"} << false << true << 0
                               << QList<int>{0, 0} << 0 << false;
        // Coinbase's level2_batch has no sequence and no checksum: nothing in-band can find a
        // lost book message, so none is injected.
        QTest::newRow("coinbase") << "coinbase" << QStringList{"BTC-USD", "ETH-USD"} << true
                                  << false << 0 << QList<int>{0, 0} << 0 << true;
    }

    void simulatorToDatabase()
    {
        QFETCH(QString, exchange);
        QFETCH(QStringList, symbolList);
        QFETCH(bool, tradeIdGaps);
        QFETCH(bool, bookSequence);
        QFETCH(int, badChecksums);
        QFETCH(QList<int>, checksumGaps);
        QFETCH(int, bookDepth);
        QFETCH(bool, backfill);
        std::vector<std::string> symbols;
        for (const QString &symbol : symbolList)
            symbols.push_back(symbol.toStdString());
        const std::string conninfo = testing::migratedDatabase(exchange.toStdString());

        QTemporaryDir journal;
        auto options = simulation(symbols, 3000, 4, 21);
        options.exchange = exchange.toStdString();
        const bool skipDepth = bookSequence || checksumGaps[1] > 0;
        // A dropped connection misses trades that the exchange still has: the backfill's.
        auto started = startSimulator(options,
            QStringLiteral("skip-trades@1:5,malformed@2.5%1%2%3")
                .arg(skipDepth ? QStringLiteral(",skip-depth@1.5:3:") + symbolList[1] : QString(),
                    badChecksums > 0 ? QStringLiteral(",bad-checksum@2:") + symbolList[0]
                                     : QString(),
                    backfill ? QStringLiteral(",drop@3") : QString()));
        if (!started)
            QFAIL(qPrintable(started.error()));
        sim::ExchangeSimulator &simulator = **started;
        const app::Config config = configFor(simulator, journal.path());
        QCOMPARE(config.feeds.front().instruments.front().symbol, symbols.front());
        app::IngestService service{config, conninfo};
        runUntilFinished(service, simulator, conninfo);

        const QJsonObject report = simulator.report();
        QCOMPARE(report[QStringLiteral("bad_checksums_sent")].toInteger(), badChecksums);
        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, report, symbols);
        pqxx::nontransaction tx{connection};
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            const QJsonObject sent
                = report[QStringLiteral("symbols")][symbolList[qsizetype(i)]].toObject();
            // The hole of trades that never existed; the dropped connection's gaps are filled.
            QCOMPARE(storedGaps(tx, symbols[i], "trade_id", "status <> 'backfilled'"),
                tradeIdGaps ? rangesOf(sent[QStringLiteral("trade_gaps")].toArray()) : IdRanges{});
            QCOMPARE(storedGaps(tx, symbols[i], "book_sequence"),
                bookSequence ? rangesOf(sent[QStringLiteral("depth_gaps")].toArray()) : IdRanges{});
            QCOMPARE(count(tx,
                         std::format("SELECT count(*) FROM audit.gaps g JOIN "
                                     "market_data.instruments i USING (instrument_id) WHERE "
                                     "g.kind = 'checksum' AND i.symbol = '{}' AND g.note LIKE "
                                     "'%computed%'",
                             symbols[i])),
                checksumGaps[qsizetype(i)]);
        }
        // Every book gap is closed by the snapshot that rebuilt the book: unrecoverable, since
        // no exchange keeps its book updates.
        QCOMPARE(count(tx,
                     "SELECT count(*) FROM audit.gaps WHERE kind IN ('book_sequence', 'checksum') "
                     "AND (status <> 'unrecoverable' OR note NOT LIKE '%rebuilt from the "
                     "snapshot at%')"),
            0);
        QCOMPARE(storedGaps(tx, symbols[0], "trade_id", "status <> 'backfilled'").size(),
            std::size_t(tradeIdGaps ? 1 : 0));
        if (backfill) {
            QCOMPARE(count(tx,
                         "SELECT count(*) FROM audit.gaps WHERE kind = 'trade_id' AND status = "
                         "'unrecoverable' AND note = '0 of 5 missing trades fetched from the "
                         "exchange'"),
                1);
            // Every trade the drop missed was fetched: each filled gap says all of its trades.
            const auto filled = tx.exec("SELECT note, last_missing - first_missing + 1 FROM "
                                        "audit.gaps WHERE kind = 'trade_id' AND status = "
                                        "'backfilled'");
            QVERIFY(!filled.empty());
            for (const auto &row : filled) {
                const auto missing = row[1].as<std::int64_t>();
                QCOMPARE(row[0].as<std::string>(),
                    std::format("{0} of {0} missing trades fetched from the exchange", missing));
            }
        }
        if (bookSequence)
            QCOMPARE(storedGaps(tx, symbols[1], "book_sequence").size(), std::size_t(1));
        QCOMPARE(count(tx,
                     "SELECT count(*) FROM audit.feed_events WHERE event = 'error' AND detail "
                     "LIKE 'malformed%'"),
            report[QStringLiteral("malformed_frames_sent")].toInteger());
        // A snapshot on the first subscription and one after each resubscription.
        const std::int64_t resyncs = std::ranges::count_if(checksumGaps, [](int n) {
            return n > 0;
        }) + (bookSequence ? 1 : 0);
        // And one per symbol when the connection came back after the drop.
        QCOMPARE(count(tx, "SELECT count(*) FROM market_data.book_snapshots"),
            2 + resyncs + (backfill ? 2 : 0));
        QVERIFY(count(tx, "SELECT count(*) FROM market_data.book_deltas") > 50);
        // The integrity series per stream counts what the gaps and the resyncs say, and every
        // book row stored.
        for (std::size_t i = 0; i < symbols.size(); ++i) {
            const auto integrity
                = tx.exec("SELECT coalesce(sum(checksum_failures), 0), coalesce(sum("
                          "sequence_breaks), 0), coalesce(sum(crossed_books), 0), "
                          "coalesce(sum(updates_applied), 0), coalesce(sum(checksum_checks), 0) "
                          "FROM audit.book_integrity JOIN market_data.instruments USING "
                          "(instrument_id) WHERE symbol = $1",
                        pqxx::params{symbols[i]})
                      .one_row();
            QCOMPARE(integrity[0].as<int>(), checksumGaps[qsizetype(i)]);
            QCOMPARE(integrity[1].as<int>(), bookSequence && i == 1 ? 1 : 0);
            QCOMPARE(integrity[2].as<int>(), 0);
            QVERIFY(integrity[3].as<std::int64_t>() > 0);
            // OKX and Kraken check a checksum on every book message they apply.
            if (exchange == u"okx" || exchange == u"kraken")
                QVERIFY(integrity[4].as<std::int64_t>() >= integrity[3].as<std::int64_t>() / 2);
        }
        QCOMPARE(count(tx, "SELECT sum(updates_applied) FROM audit.book_integrity"),
            count(tx,
                "SELECT (SELECT count(*) FROM market_data.book_deltas) + (SELECT count(*) FROM "
                "market_data.book_snapshots)"));
        QCOMPARE(count(tx, "SELECT count(DISTINCT side) FROM market_data.trades"), 2);

        const QString feedJournal = journal.path() + u'/' + exchange;
        std::int64_t resubscriptions = 0;
        booksFromJournal(config.feeds.front(), feedJournal, simulator,
            bookDepth == 0 ? SIZE_MAX : static_cast<std::size_t>(bookDepth), resubscriptions);
        QCOMPARE(resubscriptions, resyncs);
        replayGivesTheSameRows(config.feeds.front(), feedJournal, conninfo);
        if (QTest::currentTestFailed())
            return;

        if (backfill)
            backfillCommandFillsAnOpenGap(simulator, conninfo, symbols.front(),
                report[QStringLiteral("symbols")][symbolList[0]][QStringLiteral("first_trade_id")]
                    .toInteger());
    }

    // Coinbase Advanced Trade: every trade stored once, with the taker's side the simulator sends
    // and the adapter is told of; a message lost on the connection (skip-depth) is a jump of its
    // sequence_num that loses both books of that connection: book_sequence gaps closed by the
    // fresh snapshots the resubscriptions bring, after which the books equal the simulator's; the
    // journal replays to the same rows.
    void coinbaseAdvancedToDatabase()
    {
        const std::vector<std::string> symbols{"BTC-USD", "ETH-USD"};
        const std::string conninfo = testing::migratedDatabase("coinbase_advanced");
        QTemporaryDir journal;
        auto options = simulation(symbols, 3000, 4, 21);
        options.exchange = "coinbase_advanced";
        auto started = startSimulator(
            options, QString::fromUtf16(u"skip-depth@1.5:3:ETH-USD,malformed@2.5"));
        if (!started)
            QFAIL(qPrintable(started.error()));
        sim::ExchangeSimulator &simulator = **started;
        const app::Config config = configFor(simulator, journal.path());
        app::IngestService service{config, conninfo};
        runUntilFinished(service, simulator, conninfo);

        const QJsonObject report = simulator.report();
        auto connection = db::connect(conninfo, "test");
        verifyTrades(connection, report, symbols);
        pqxx::nontransaction tx{connection};
        QCOMPARE(
            count(tx, "SELECT count(DISTINCT side) FROM market_data.trades WHERE side <> 'U'"), 2);
        for (const auto &symbol : symbols) {
            const auto breaks = storedGaps(tx, symbol, "book_sequence");
            QCOMPARE(breaks.size(), std::size_t(1));
            QCOMPARE(breaks.front().first, breaks.front().second); // one message lost
        }
        QCOMPARE(count(tx,
                     "SELECT count(*) FROM audit.gaps WHERE kind = 'book_sequence' AND (status "
                     "<> 'unrecoverable' OR note NOT LIKE '%rebuilt from the snapshot at%')"),
            0);
        QCOMPARE(count(tx, "SELECT count(*) FROM market_data.book_snapshots"), 4);
        QCOMPARE(count(tx, "SELECT sum(sequence_breaks) FROM audit.book_integrity"), 2);
        QCOMPARE(count(tx,
                     "SELECT count(*) FROM audit.feed_events WHERE event = 'error' AND detail "
                     "LIKE 'malformed%'"),
            report[QStringLiteral("malformed_frames_sent")].toInteger());

        const QString feedJournal = journal.path() + QStringLiteral("/coinbase_advanced");
        std::int64_t resubscriptions = 0;
        booksFromJournal(config.feeds.front(), feedJournal, simulator, SIZE_MAX, resubscriptions);
        QCOMPARE(resubscriptions, 2);
        replayGivesTheSameRows(config.feeds.front(), feedJournal, conninfo);
    }

    // A lost message loses every book of the connection at once: twenty products resubscribed
    // (an unsubscribe and a subscribe each) stay within Advanced Trade's 8 client messages a
    // second, and every book comes back equal to the simulator's.
    void coinbaseAdvancedResyncStormStaysWithinLimits()
    {
        std::vector<std::string> symbols;
        for (int i = 0; i < 20; ++i)
            symbols.push_back(std::format("C{}-USD", i));
        const std::string conninfo = testing::migratedDatabase("coinbase_advanced_storm");
        QTemporaryDir journal;
        auto options = simulation(symbols, 2000, 12, 29);
        options.exchange = "coinbase_advanced";
        auto started = startSimulator(options, QString::fromUtf16(u"skip-depth@1:1:C0-USD"));
        if (!started)
            QFAIL(qPrintable(started.error()));
        sim::ExchangeSimulator &simulator = **started;
        const app::Config config = configFor(simulator, journal.path());
        app::IngestService service{config, conninfo};
        runUntilFinished(service, simulator, conninfo);

        const QJsonObject report = simulator.report();
        const auto busiest = report[QStringLiteral("max_client_messages_per_second")].toInteger();
        qInfo("the busiest second at the simulator held %lld client messages", qint64(busiest));
        QVERIFY(busiest <= 8);
        auto connection = db::connect(conninfo, "test");
        pqxx::nontransaction tx{connection};
        QCOMPARE(count(tx, "SELECT count(*) FROM audit.gaps WHERE kind = 'book_sequence'"), 20);
        QCOMPARE(count(tx, "SELECT count(*) FROM market_data.book_snapshots"), 40);
        std::int64_t resubscriptions = 0;
        booksFromJournal(config.feeds.front(),
            journal.path() + QStringLiteral("/coinbase_advanced"), simulator, SIZE_MAX,
            resubscriptions);
        QCOMPARE(resubscriptions, 20);
    }

private:
    // The feed's journal normalized again: every book ends equal to the simulator's, level for
    // level (its top `depth`); `resubscriptions`: how many the books asked for.
    void booksFromJournal(const feeds::FeedSettings &feed, const QString &feedJournal,
        const sim::ExchangeSimulator &simulator, std::size_t depth, std::int64_t &resubscriptions)
    {
        const auto adapter = feeds::createAdapter(feed);
        const auto normalizer = adapter->createNormalizer();
        ingest::journal::JournalReader reader{feedJournal.toStdString()};
        reader.seek({});
        feeds::NormalizedOutput output;
        for (;;) {
            auto record = reader.next();
            QVERIFY(record);
            if (!*record)
                break;
            normalizer->normalize(
                {(*record)->kind, (*record)->tag, (*record)->receivedAtNs, (*record)->payload},
                output);
            resubscriptions += static_cast<std::int64_t>(output.snapshotRequests.size());
            output.clear();
        }
        for (std::uint32_t i = 0; i < feed.instruments.size(); ++i) {
            const sim::SimulatedMarket *truth = simulator.market(feed.instruments[i].symbol);
            QVERIFY(truth);
            QCOMPARE(normalizer->book(i)->bids(), levelsOf(truth->bids(), depth));
            QCOMPARE(normalizer->book(i)->asks(), levelsOf(truth->asks(), depth));
        }
    }

    // `tickscope replay` of the journal, with the feed's options, into a fresh database: the
    // same rows.
    void replayGivesTheSameRows(
        const feeds::FeedSettings &feed, const QString &feedJournal, const std::string &conninfo)
    {
        const QStringList live = tableDigests(conninfo);
        const std::string fresh = testing::migratedDatabase(feed.feed + "_replayed");
        QStringList arguments{QStringLiteral("replay"), QStringLiteral("--exchange"),
            QString::fromStdString(feed.adapter), QStringLiteral("--journal"), feedJournal,
            QStringLiteral("--db"), QString::fromStdString(fresh)};
        for (const auto &[key, value] : feed.options)
            arguments << QStringLiteral("--option")
                      << QString::fromStdString(std::format("{}={}", key, value));
        QProcess replay;
        replay.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QSignalSpy finished{&replay, &QProcess::finished};
        replay.start(QStringLiteral(TICKSCOPE_BINARY), arguments);
        QVERIFY(finished.wait(60'000));
        QCOMPARE(replay.exitCode(), 0);
        QCOMPARE(tableDigests(fresh), live);
    }

    // Ten stored trades lost (a restored backup, say) and their gap recorded open: `tickscope
    // gaps --backfill` with the exchange in its config fetches them back and marks the gap.
    void backfillCommandFillsAnOpenGap(const sim::ExchangeSimulator &simulator,
        const std::string &conninfo, const std::string &symbol, std::int64_t firstTradeId)
    {
        const std::int64_t from = firstTradeId + 100;
        const std::int64_t to = firstTradeId + 109;
        auto connection = db::connect(conninfo, "test");
        pqxx::nontransaction tx{connection};
        const std::string ofSymbol = std::format(
            "instrument_id = (SELECT instrument_id FROM market_data.instruments WHERE symbol = "
            "'{}')",
            symbol);
        tx.exec(std::format("INSERT INTO audit.gaps (instrument_id, kind, first_missing, "
                            "last_missing, gap_start, gap_end) SELECT instrument_id, 'trade_id', "
                            "$1::bigint, $2::bigint, (SELECT time FROM market_data.trades WHERE "
                            "{0} AND trade_id = $1::bigint - 1), (SELECT time FROM "
                            "market_data.trades WHERE {0} AND trade_id = $2::bigint + 1) FROM "
                            "market_data.instruments WHERE symbol = $3",
                    ofSymbol),
            pqxx::params{from, to, symbol});
        const std::string lost = std::format(
            "FROM market_data.trades WHERE {} AND trade_id BETWEEN {} AND {}", ofSymbol, from, to);
        tx.exec("DELETE " + lost);

        QTemporaryDir dir;
        // The feed's section as the simulator describes it, `restUrl` instead when given.
        auto writeConfig = [&](const QString &name, const std::string &restUrl) {
            QFile config{dir.filePath(name)};
            if (!config.open(QIODevice::WriteOnly))
                return QString();
            std::string section
                = std::format("[exchanges.{}]\nsymbols = [\"{}\"]\n", simulator.exchange(), symbol);
            for (const auto &[key, value] : simulator.adapterOptions())
                section += std::format(
                    "{} = \"{}\"\n", key, key == "rest_url" && !restUrl.empty() ? restUrl : value);
            config.write(section.c_str());
            return config.fileName();
        };
        auto runGaps = [&](const QString &configPath, QString &errors, QByteArray &output) {
            QProcess gaps;
            QSignalSpy finished{&gaps, &QProcess::finished}; // the simulator answers meanwhile
            gaps.start(QStringLiteral(TICKSCOPE_BINARY),
                {QStringLiteral("gaps"), QStringLiteral("--backfill"), QStringLiteral("--config"),
                    configPath, QStringLiteral("--db"), QString::fromStdString(conninfo),
                    QStringLiteral("--format"), QStringLiteral("json")});
            if (!finished.wait(60'000))
                return -1;
            errors = QString::fromUtf8(gaps.readAllStandardError());
            output = gaps.readAllStandardOutput();
            return gaps.exitCode();
        };
        QString errors;
        QByteArray output;

        // An exchange that cannot be reached: the gap stays open, and the command says why.
        const QString unreachable = writeConfig(
            QStringLiteral("unreachable.toml"), std::format("http://127.0.0.1:{}", unusedPort()));
        QCOMPARE(runGaps(unreachable, errors, output), 1);
        QVERIFY2(errors.contains(QStringLiteral("trade ids %1..%2: open (").arg(from).arg(to))
                && errors.contains(QStringLiteral("Connection refused"))
                && errors.contains(QStringLiteral("1 gap(s) stay open")),
            qPrintable(errors));
        QCOMPARE(count(tx,
                     std::format("SELECT count(*) FROM audit.gaps WHERE first_missing = {} AND "
                                 "status = 'open'",
                         from)),
            1);

        QCOMPARE(runGaps(writeConfig(QStringLiteral("tickscope.toml"), {}), errors, output), 0);
        QVERIFY2(errors.contains(QStringLiteral("trade ids %1..%2: backfilled (10 of 10 missing "
                                                "trades fetched from the exchange); 10 trade(s) "
                                                "stored")
                         .arg(from)
                         .arg(to)),
            qPrintable(errors));
        QCOMPARE(count(tx, "SELECT count(DISTINCT trade_id) " + lost), 10);
        QCOMPARE(count(tx,
                     std::format("SELECT count(*) FROM audit.gaps WHERE first_missing = {} AND "
                                 "status = 'backfilled'",
                         from)),
            1);
        // The list that follows shows it so.
        const auto listed = QJsonDocument::fromJson(output).array();
        QVERIFY(std::ranges::any_of(listed, [&](const QJsonValue &gap) {
            return gap[QStringLiteral("first_missing")].toString() == QString::number(from)
                && gap[QStringLiteral("status")].toString() == QStringLiteral("backfilled");
        }));
    }
};

QTEST_GUILESS_MAIN(TestExchangeIngest)
#include "test_exchange_ingest.moc"
