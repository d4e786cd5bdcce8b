// One `tickscope ingest` (IngestService) with all five simulated exchanges at once, each speaking
// its own protocol over its own socket: is everything sent stored, and are no gaps reported that
// the simulators did not make? In one run on one durable PostgreSQL 17 + TimescaleDB cluster:
//  1. per exchange: trades and book updates sent, trades stored, gaps recorded (none is injected,
//     so every one would be false), book snapshots and resynchronisations, receive -> commit
//     latency over the run;
//  2. combined: messages/s sent, rows/s committed;
//  3. baseline: psql \copy of the same trade rows, as CSV, into a fresh database; the ratio.
//
//   bench_exchanges [--rate N] [--seconds S]
//
// --rate is the combined trade rate, shared equally by the five; each adds its book updates.
#include "app/services/ingest_service.h"
#include "app/sim/exchange_simulator.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/simulated_venues.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <pqxx/pqxx>

using namespace tickscope;
using namespace tickscope::bench;

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const auto options = parseRateAndDuration(
        QCoreApplication::arguments(), {.rate = 100'000, .seconds = 60}, "bench_exchanges");
    if (!options)
        return 2;
    const double rate = options->rate;
    const int runSeconds = options->seconds;

    try {
        testing::TestCluster cluster{
            {QStringLiteral("shared_buffers = '2GB'"), QStringLiteral("max_wal_size = '8GB'")}};
        const std::string conninfo = migrated(cluster, "bench_exchanges");
        QTemporaryDir journal;
        app::Config config;
        config.journalDirectory = journal.path();
        auto simulators = startVenues(config, rate, runSeconds, 100);

        app::IngestService service{config, conninfo};
        std::map<std::string, std::vector<double>> p99s;
        QObject::connect(&service, &app::IngestService::writerStatusChanged, &application,
            [&](const model::WriterStatus &status) {
                if (status.latencyP99Ms > 0)
                    p99s[status.feed].push_back(status.latencyP99Ms);
            });
        std::size_t finished = 0;
        QEventLoop loop;
        for (const auto &simulator : simulators)
            QObject::connect(simulator.get(), &sim::ExchangeSimulator::finished, &loop, [&] {
                if (++finished == simulators.size())
                    loop.quit();
            });
        const auto started = Clock::now();
        if (auto running = service.start(); !running) {
            std::fprintf(stderr, "bench_exchanges: %s\n", running.error().c_str());
            return 1;
        }
        loop.exec();
        const double generating = seconds(Clock::now() - started);

        std::int64_t tradesSent = 0;
        std::int64_t messagesSent = 0;
        for (const auto &simulator : simulators) {
            const QJsonObject report = simulator->report();
            tradesSent += reportSum(report, "trades_sent");
            messagesSent
                += reportSum(report, "trades_sent") + reportSum(report, "depth_updates_sent");
        }
        auto connection = db::connect(conninfo, "bench");
        auto stored = [&] {
            return pqxx::nontransaction{connection}
                .exec("SELECT count(*) FROM market_data.trades")
                .one_field()
                .as<std::int64_t>();
        };
        std::int64_t trades = stored();
        for (const auto deadline = Clock::now() + std::chrono::minutes(2);
            trades < tradesSent && Clock::now() < deadline; trades = stored()) {
            QEventLoop wait;
            QTimer::singleShot(std::chrono::milliseconds(100), &wait, &QEventLoop::quit);
            wait.exec();
        }
        const double drained = seconds(Clock::now() - started);
        QObject::connect(&service, &app::IngestService::stopped, &loop, &QEventLoop::quit);
        service.stop(std::chrono::minutes(5));
        loop.exec();

        std::printf("1. per exchange (%d s at %.0f trades/s each):\n", runSeconds,
            rate / static_cast<double>(kVenues.size()));
        std::printf("   %-9s %10s %10s %10s %6s %9s %7s %12s\n", "exchange", "trades", "book upd",
            "stored", "gaps", "snapshots", "resyncs", "p99 ms (med)");
        pqxx::nontransaction tx{connection};
        bool complete = true;
        for (std::size_t i = 0; i < kVenues.size(); ++i) {
            const std::string &exchange = kVenues[i].exchange;
            const QJsonObject report = simulators[i]->report();
            const auto row = tx.exec("SELECT (SELECT count(*) FROM market_data.trades t JOIN "
                                     "market_data.instruments i USING (instrument_id) WHERE "
                                     "i.exchange = $1), (SELECT count(*) FROM audit.gaps g JOIN "
                                     "market_data.instruments i USING (instrument_id) WHERE "
                                     "i.exchange = $1), (SELECT count(*) FROM "
                                     "market_data.book_snapshots s JOIN market_data.instruments i "
                                     "USING (instrument_id) WHERE i.exchange = $1), (SELECT "
                                     "count(*) FROM audit.feed_events WHERE feed = $1 AND event = "
                                     "'resync')",
                                   pqxx::params{exchange})
                                 .one_row();
            auto &latencies = p99s[exchange];
            std::ranges::sort(latencies);
            const std::int64_t sent = reportSum(report, "trades_sent");
            complete = complete && row[0].as<std::int64_t>() == sent && row[1].as<int>() == 0;
            std::printf("   %-9s %10lld %10lld %10lld %6d %9d %7d %12.1f\n", exchange.c_str(),
                static_cast<long long>(sent),
                static_cast<long long>(reportSum(report, "depth_updates_sent")),
                row[0].as<long long>(), row[1].as<int>(), row[2].as<int>(), row[3].as<int>(),
                latencies.empty() ? 0.0 : latencies[latencies.size() / 2]);
        }
        tx.commit();
        const double endToEnd = static_cast<double>(trades) / drained;
        std::printf("2. combined: %lld messages sent in %.1f s (%.0f messages/s), %lld of %lld "
                    "trades stored (%s); all committed after %.1f s: %.0f rows/s\n",
            static_cast<long long>(messagesSent), generating,
            static_cast<double>(messagesSent) / generating, static_cast<long long>(trades),
            static_cast<long long>(tradesSent), trades == tradesSent ? "all" : "NOT ALL", drained,
            endToEnd);
        std::fflush(stdout);

        const double copySeconds = psqlCopy(conninfo, migrated(cluster, "bench_copy"),
            QStringLiteral("market_data.trades"), journal.filePath(QStringLiteral("trades.csv")));
        const double copyRate = static_cast<double>(trades) / copySeconds;
        std::printf("3. baseline: psql \\copy of the same %lld rows from CSV: %.0f rows/s; the "
                    "five feeds committed at %.2f of it while streaming at the rate asked\n",
            static_cast<long long>(trades), copyRate, endToEnd / copyRate);
        for (const auto &simulator : simulators)
            simulator->stop();
        return complete ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_exchanges: %s\n", error.what());
        return 1;
    }
}
