// How fast is ingest, end to end? In one run on one durable PostgreSQL 17 + TimescaleDB cluster:
//  1. parse rate: Binance trade frames through the normalizer (the writer thread's work);
//  2. end to end: the simulated exchange -> feed thread (journal) -> writer thread (COPY) ->
//     committed rows, with receive-to-commit latency, and the books' REST snapshots (each
//     fetched from the simulator while it streams at full rate);
//  3. baseline: psql \copy of the same rows, as CSV, into the same table of a fresh database;
// and the ratio of 2 to 3. After 2, the time the aggregates' refresh takes over what the load
// left it (the 1-minute bars of every touched minute and the levels above).
//
//   bench_ingest [--rate N] [--seconds S] [--symbols N] [--sync-ms M] [--edition apache|tsl]
//
// --sync-ms is the journal's sync interval: the writer commits only what is synced, so it is
// part of the receive -> commit latency. --edition tsl runs the cluster on the TSL build
// (scripts/timescaledb-tsl), whose continuous aggregates the refresh materializes, with the
// compression policy active on both databases.
#include "app/feeds/binance/binance_normalizer.h"
#include "app/services/ingest_service.h"
#include "app/services/simulated_feed.h"
#include "app/sim/binance_simulator.h"
#include "tests/bench/bench_support.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <format>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

using namespace bench;

// Frames per second through the Binance normalizer, over frames shaped like the live ones.
double parseRate(const std::vector<std::string> &symbols)
{
    std::vector<model::Instrument> instruments;
    for (const auto &symbol : symbols)
        instruments.push_back({"binance", symbol, symbol.substr(0, 3), "USDT"});
    feeds::binance::BinanceNormalizer normalizer{
        feeds::InstrumentList{instruments}, feeds::binance::TimeUnit::Milliseconds};
    std::vector<std::string> frames;
    for (int i = 0; i < 200'000; ++i)
        frames.push_back(
            tradeFrame(symbols[static_cast<std::size_t>(i) % symbols.size()], 1000000 + i, i));
    feeds::NormalizedOutput output;
    // The fastest of five passes: a pass takes a fifth of a second, which the other work on a
    // shared machine would otherwise decide.
    double fastest = 0;
    for (int pass = 0; pass < 5; ++pass) {
        const auto started = Clock::now();
        std::size_t trades = 0;
        for (const auto &frame : frames) {
            normalizer.normalize({feeds::RawKind::WebSocketText, 0, 1, frame}, output);
            trades += output.trades.size();
            output.clear();
        }
        const double elapsed = seconds(Clock::now() - started);
        if (trades != frames.size())
            throw std::runtime_error("the parser rejected bench frames");
        fastest = pass == 0 ? elapsed : std::min(fastest, elapsed);
    }
    return static_cast<double>(frames.size()) / fastest;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    double rate = 200'000;
    int runSeconds = 10;
    int symbolCount = 4;
    int syncMs = 50;
    auto edition = model::TimescaleEdition::Apache;
    const QStringList arguments = QCoreApplication::arguments();
    constexpr auto kUsage = "usage: bench_ingest [--rate N] [--seconds S] [--symbols N] "
                            "[--sync-ms M] [--edition apache|tsl]\n";
    for (qsizetype i = 1; i + 1 < arguments.size(); i += 2) {
        if (const auto named = bench::editionNamed(arguments.at(i + 1));
            arguments.at(i) == u"--edition" && named) {
            edition = *named;
            continue;
        }
        bool ok = false;
        const double value = arguments.at(i + 1).toDouble(&ok);
        if (!ok || value <= 0) {
            std::fprintf(stderr, "%s", kUsage);
            return 2;
        }
        if (arguments.at(i) == u"--rate")
            rate = value;
        else if (arguments.at(i) == u"--seconds")
            runSeconds = static_cast<int>(value);
        else if (arguments.at(i) == u"--sync-ms")
            syncMs = static_cast<int>(value);
        else if (arguments.at(i) == u"--symbols")
            symbolCount = std::clamp(static_cast<int>(value), 1, 8);
        else {
            std::fprintf(stderr, "%s", kUsage);
            return 2;
        }
    }
    const std::vector<std::string> allSymbols{
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT", "AVAXUSDT", "LINKUSDT"};
    const std::vector<std::string> symbols(allSymbols.begin(), allSymbols.begin() + symbolCount);

    try {
        std::printf("1. parse rate (writer thread's normalizer, one core): %.0f frames/s\n",
            parseRate(symbols));
        std::fflush(stdout);

        // Durable settings, as production runs them: fsync and synchronous_commit on.
        testing::TestCluster cluster{
            {QStringLiteral("shared_buffers = '2GB'"), QStringLiteral("max_wal_size = '8GB'"),
                kStatementStatsSettings},
            edition};
        const std::string conninfo = migrated(cluster, "bench_ingest");
        // TSL: as production runs it, TimescaleDB's compression job active (nothing this young
        // is past compress_after; its runs and the policies' bookkeeping still cost).
        const bool compressing = edition == model::TimescaleEdition::Timescale;
        if (compressing)
            activateCompressionPolicy(conninfo, std::chrono::seconds(10));
        resetStatementStats(conninfo);
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options;
        options.symbols = symbols;
        options.tradesPerSecond = rate;
        options.duration = std::chrono::seconds(runSeconds);
        options.startOnFirstSubscription = true;
        sim::BinanceSimulator simulator{options};
        if (auto started = simulator.start(); !started)
            throw std::runtime_error(started.error().toStdString());
        app::Config config;
        config.journalDirectory = journal.path();
        config.journalSyncInterval = std::chrono::milliseconds(syncMs);
        config.feeds.push_back(app::simulatedFeed(simulator, "binance"));

        app::IngestService service{config, conninfo};
        std::vector<double> p50s;
        std::vector<double> p99s;
        std::int64_t committed = 0;
        model::WriteSeconds writeSeconds{};
        std::int64_t writerBatches = 0;
        QObject::connect(&service, &app::IngestService::writerStatusChanged, &application,
            [&](const model::WriterStatus &status) {
                if (status.rowsCommitted > committed) {
                    committed = status.rowsCommitted;
                    writeSeconds = status.writeSeconds;
                    writerBatches = status.batchesCommitted;
                    if (status.latencyP99Ms > 0) {
                        p50s.push_back(status.latencyP50Ms);
                        p99s.push_back(status.latencyP99Ms);
                    }
                }
            });
        QEventLoop loop;
        QObject::connect(&simulator, &sim::BinanceSimulator::finished, &loop, &QEventLoop::quit);
        const auto started = Clock::now();
        if (auto running = service.start(); !running) {
            std::fprintf(stderr, "bench_ingest: %s\n", running.error().c_str());
            return 1;
        }
        loop.exec();
        const double generating = seconds(Clock::now() - started);
        std::int64_t sent = 0;
        for (const auto &symbol : symbols)
            sent += simulator
                        .report()[QStringLiteral("symbols")][QString::fromStdString(symbol)]
                                 [QStringLiteral("trades_sent")]
                        .toInteger();

        // Until every trade sent is committed (or a minute more has passed), by the writer's
        // audit rows: counting the table while it grows would load the server the bench measures.
        auto connection = db::connect(conninfo, "bench");
        auto committedTrades = [&] {
            return pqxx::nontransaction{connection}.query_value<std::int64_t>(
                "SELECT coalesce(sum(row_count), 0) FROM audit.ingest_batches WHERE "
                "target_table = 'market_data.trades'");
        };
        for (const auto deadline = Clock::now() + std::chrono::minutes(1);
            committedTrades() < sent && Clock::now() < deadline;) {
            QEventLoop wait;
            QTimer::singleShot(std::chrono::milliseconds(20), &wait, &QEventLoop::quit);
            wait.exec();
        }
        const double drained = seconds(Clock::now() - started);
        const auto trades = pqxx::nontransaction{connection}.query_value<std::int64_t>(
            "SELECT count(*) FROM market_data.trades");
        // The books: each needs a REST snapshot from the simulator while it streams at full rate.
        const auto books
            = pqxx::nontransaction{connection}
                  .exec("SELECT (SELECT count(*) FROM market_data.book_snapshots), "
                        "(SELECT count(*) FROM audit.feed_events WHERE event = 'error' "
                        "   AND detail LIKE '%failed (HTTP%'), "
                        "(SELECT coalesce(min(detail), '') FROM audit.feed_events WHERE event = "
                        "'error' "
                        "   AND detail LIKE '%failed (HTTP%')")
                  .one_row();
        QObject::connect(&service, &app::IngestService::stopped, &loop, &QEventLoop::quit);
        service.stop(std::chrono::minutes(5));
        loop.exec();
        simulator.stop();
        std::ranges::sort(p50s);
        std::ranges::sort(p99s);
        const double endToEnd = static_cast<double>(trades) / drained;
        std::printf("2. end to end: %lld trades sent at %.0f/s for %.1f s, %lld stored (%s); all "
                    "committed after %.1f s: %.0f rows/s;\n"
                    "   receive -> commit latency, per-second windows: median p50 %.1f ms, median "
                    "p99 %.1f ms, worst p99 %.1f ms\n",
            static_cast<long long>(sent), static_cast<double>(sent) / generating, generating,
            static_cast<long long>(trades), trades == sent ? "all" : "NOT ALL", drained, endToEnd,
            p50s.empty() ? 0 : p50s[p50s.size() / 2], p99s.empty() ? 0 : p99s[p99s.size() / 2],
            p99s.empty() ? 0 : p99s.back());
        std::printf("   books: %lld snapshots stored over REST for %d symbols, %lld REST requests "
                    "failed%s%s\n",
            books[0].as<long long>(), symbolCount, books[1].as<long long>(),
            books[1].as<long long>() > 0 ? "; the first: " : "", books[2].c_str());
        printWriterPhases(writeSeconds, writerBatches, committed, drained);

        // What keeping the OHLCV levels current leaves to the scheduled refresh after the load.
        const auto [queued, batches] = pqxx::nontransaction{connection}
                                           .exec("SELECT (SELECT count(*) FROM "
                                                 "aggregates.refresh_queue), (SELECT count(*) "
                                                 "FROM audit.ingest_batches WHERE target_table "
                                                 "= 'market_data.trades')")
                                           .one_row()
                                           .as<std::int64_t, std::int64_t>();
        printStatementStats(conninfo, batches, drained);
        // TSL: the queue hands over only ended minutes (the one still filling is read from the
        // trades), so the load's last minute ends first.
        if (edition == model::TimescaleEdition::Timescale) {
            const auto untilEnded = pqxx::nontransaction{connection}.query_value<double>(
                "SELECT extract(epoch FROM date_trunc('minute', now()) + interval '61 seconds' "
                "- now())");
            QThread::msleep(static_cast<unsigned long>(untilEnded * 1000));
        }
        const auto refreshStarted = Clock::now();
        pqxx::nontransaction{connection}.exec("CALL aggregates.refresh_pending()");
        const double refreshing = seconds(Clock::now() - refreshStarted);
        std::printf("   aggregates: the refresh after the load took %.2f s for %lld queued "
                    "minutes, %.1f %% of the load's %.1f s; the writer wrote %lld batches of "
                    "trades (%.0f a batch)\n",
            refreshing, static_cast<long long>(queued), refreshing / generating * 100, generating,
            static_cast<long long>(batches),
            static_cast<double>(trades) / static_cast<double>(std::max<std::int64_t>(batches, 1)));
        std::fflush(stdout);

        // Baseline: the same rows as CSV, loaded by psql \copy into the same (empty) table.
        const std::string copyConninfo = migrated(cluster, "bench_copy");
        if (compressing)
            activateCompressionPolicy(copyConninfo, std::chrono::seconds(10));
        const double copySeconds = psqlCopy(conninfo, copyConninfo,
            QStringLiteral("market_data.trades"), journal.filePath(QStringLiteral("trades.csv")));
        const double copyRate = static_cast<double>(trades) / copySeconds;
        std::printf("3. baseline: psql \\copy of the same %lld rows from CSV into "
                    "market_data.trades: %.0f rows/s\n"
                    "   ratio end to end / baseline: %.2f\n",
            static_cast<long long>(trades), copyRate, endToEnd / copyRate);
        return trades == sent ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_ingest: %s\n", error.what());
        return 1;
    }
}
