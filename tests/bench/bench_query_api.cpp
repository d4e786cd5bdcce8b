// How fast does the query API answer "latest trade per symbol" while ingest runs? In one run, on
// one durable PostgreSQL 17 + TimescaleDB cluster, with the simulated exchange streaming into it
// through the real ingest pipeline the whole time:
//  1. baseline: `hey` (Debian's HTTP load generator) at a fixed rate against /metrics, which
//     answers from memory: the cost of HTTP itself on this machine;
//  2. `hey` at the same rate against /api/v1/latest, answered as the reader role by the API's
//     threads and kept connections;
// (both served by HttpService on its own thread, as the console and `tickscope ingest` run it)
//  3. the same query through libpq alone, back to back on one connection: the database's share;
// with each one's p50, p99 and maximum, and the ratio of 2 to 1. Latencies are hey's, per request
// (its CSV output), so they include connecting, queueing and reading the answer.
//
//   bench_query_api [--qps N] [--seconds S] [--rate N] [--symbols N]
#include "app/services/http_service.h"
#include "app/services/ingest_service.h"
#include "app/services/simulated_feed.h"
#include "app/sim/binance_simulator.h"
#include "db/trade_queries.h"
#include "tests/bench/bench_support.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <cstdio>
#include <format>
#include <pqxx/pqxx>

using namespace tickscope;

namespace {

using namespace bench;

struct Latencies
{
    std::vector<double> ms;
    std::int64_t failed = 0; // answers other than 200
    double seconds = 0;

    double percentile(double share) const
    {
        return ms.empty()
            ? 0
            : ms[static_cast<std::size_t>(share * static_cast<double>(ms.size() - 1))];
    }
    std::string line() const
    {
        return std::format("{} requests in {:.1f} s ({:.0f}/s), {} not 200; p50 {:.2f} ms, "
                           "p99 {:.2f} ms, max {:.2f} ms",
            ms.size(), seconds, static_cast<double>(ms.size()) / seconds, failed, percentile(0.5),
            percentile(0.99), ms.empty() ? 0 : ms.back());
    }
};

void waitFor(std::chrono::milliseconds duration)
{
    QEventLoop wait;
    QTimer::singleShot(duration, &wait, &QEventLoop::quit);
    wait.exec();
}

// `hey` at `qps` requests a second for `seconds` against `url`, while this thread's event loop
// goes on serving the endpoint.
Latencies hey(const QString &url, int qps, int seconds)
{
    constexpr int kWorkers = 10;
    QProcess process;
    process.start(QStringLiteral("hey"),
        {QStringLiteral("-z"), QStringLiteral("%1s").arg(seconds), QStringLiteral("-c"),
            QString::number(kWorkers), QStringLiteral("-q"), QString::number(qps / kWorkers),
            QStringLiteral("-o"), QStringLiteral("csv"), url});
    if (!process.waitForStarted())
        throw std::runtime_error("hey is missing (Debian's package hey)");
    QEventLoop loop;
    QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    const auto started = Clock::now();
    loop.exec();
    Latencies result{.seconds = bench::seconds(Clock::now() - started)};
    // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
    for (const QByteArray &line : process.readAllStandardOutput().split('\n')) {
        const QList<QByteArray> fields = line.split(',');
        bool ok = false;
        const double secondsTaken = fields.value(0).toDouble(&ok);
        if (!ok || fields.size() < 7)
            continue;
        result.ms.push_back(secondsTaken * 1000);
        if (fields[6].trimmed() != "200")
            ++result.failed;
    }
    std::ranges::sort(result.ms);
    return result;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    int qps = 1000;
    int runSeconds = 15;
    double rate = 20'000;
    int symbolCount = 8;
    const QStringList arguments = QCoreApplication::arguments();
    const auto usage = [] {
        std::fprintf(
            stderr, "usage: bench_query_api [--qps N] [--seconds S] [--rate N] [--symbols N]\n");
        return 2;
    };
    for (qsizetype i = 1; i < arguments.size(); i += 2) {
        bool ok = false;
        const double value = arguments.value(i + 1).toDouble(&ok);
        if (!ok || value <= 0)
            return usage();
        if (arguments.at(i) == u"--qps")
            qps = std::max(10, static_cast<int>(value));
        else if (arguments.at(i) == u"--seconds")
            runSeconds = static_cast<int>(value);
        else if (arguments.at(i) == u"--rate")
            rate = value;
        else if (arguments.at(i) == u"--symbols")
            symbolCount = std::clamp(static_cast<int>(value), 1, 64);
        else
            return usage();
    }

    try {
        testing::TestCluster cluster{{QStringLiteral("shared_buffers = '1GB'")}};
        const std::string conninfo = migrated(cluster, "bench_query_api");
        {
            auto connection = db::connect(conninfo, "bench");
            pqxx::nontransaction{connection}.exec(
                "DROP ROLE IF EXISTS bench_reader; CREATE ROLE bench_reader LOGIN PASSWORD "
                "'bench-reader' IN ROLE tickscope_reader");
        }
        const std::string readerConninfo
            = cluster.conninfo("bench_query_api") + " user=bench_reader password=bench-reader";

        // Ingest runs through all three measurements.
        QTemporaryDir journal;
        sim::BinanceSimulator::Options options;
        for (int i = 0; i < symbolCount; ++i)
            options.symbols.push_back(std::format("SYM{}USDT", i));
        options.tradesPerSecond = rate;
        options.startOnFirstSubscription = true;
        sim::BinanceSimulator simulator{options};
        if (auto started = simulator.start(); !started)
            throw std::runtime_error(started.error().toStdString());
        app::Config config;
        config.journalDirectory = journal.path();
        config.feeds.push_back(app::simulatedFeed(simulator, "binance"));
        app::IngestService service{config, conninfo};

        app::HttpService http{{.listen = std::pair{QStringLiteral("127.0.0.1"), quint16(0)}}};
        if (!http.port())
            throw std::runtime_error("the HTTP endpoint did not listen");
        QObject::connect(&service, &app::IngestService::feedStatusChanged, &http.metrics(),
            &app::MetricsExporter::observeFeed);
        QObject::connect(&service, &app::IngestService::writerStatusChanged, &http.metrics(),
            &app::MetricsExporter::observeWriter);
        http.queries().setDatabase(readerConninfo);

        std::int64_t committed = 0;
        QObject::connect(&service, &app::IngestService::writerStatusChanged, &application,
            [&](const model::WriterStatus &status) { committed = status.rowsCommitted; });
        if (auto running = service.start(); !running)
            throw std::runtime_error(running.error());
        auto connection = db::connect(readerConninfo, "bench");
        while (db::latestTrades(connection, {}, {}).size() < static_cast<std::size_t>(symbolCount))
            waitFor(std::chrono::milliseconds(100));
        std::printf("ingest: the simulated exchange at %.0f trades/s over %d symbols, committed "
                    "by the ingest pipeline throughout\n",
            rate, symbolCount);
        std::fflush(stdout);

        const QString base = QStringLiteral("http://127.0.0.1:%1").arg(*http.port());
        const std::int64_t committedBefore = committed;
        const auto ingestStarted = Clock::now();
        const Latencies floor = hey(base + QStringLiteral("/metrics"), qps, runSeconds);
        std::printf("1. baseline, GET /metrics at %d/s: %s\n", qps, floor.line().c_str());
        std::fflush(stdout);
        const Latencies latest = hey(base + QStringLiteral("/api/v1/latest"), qps, runSeconds);
        std::printf("2. GET /api/v1/latest (%d symbols) at %d/s: %s\n", symbolCount, qps,
            latest.line().c_str());
        std::fflush(stdout);

        Latencies direct;
        const auto directStarted = Clock::now();
        for (int i = 0; i < qps * 2; ++i) {
            const auto started = Clock::now();
            if (db::latestTrades(connection, {}, {}).size()
                != static_cast<std::size_t>(symbolCount))
                ++direct.failed;
            direct.ms.push_back(bench::seconds(Clock::now() - started) * 1000);
        }
        direct.seconds = bench::seconds(Clock::now() - directStarted);
        std::ranges::sort(direct.ms);
        QCoreApplication::processEvents();
        const double ingestRate = static_cast<double>(committed - committedBefore)
            / bench::seconds(Clock::now() - ingestStarted);
        std::printf("3. the same query through libpq, back to back: %s\n", direct.line().c_str());
        std::printf("   ingest meanwhile: %.0f rows/s committed\n"
                    "   ratio p99 /api/v1/latest / p99 /metrics: %.2f; goal p99 < 5 ms: %s\n",
            ingestRate, latest.percentile(0.99) / floor.percentile(0.99),
            latest.percentile(0.99) < 5 ? "met" : "NOT MET");
        std::fflush(stdout);

        QEventLoop loop;
        QObject::connect(&service, &app::IngestService::stopped, &loop, &QEventLoop::quit);
        service.stop(std::chrono::minutes(1));
        loop.exec();
        simulator.stop();
        return latest.failed == 0 ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_query_api: %s\n", error.what());
        return 1;
    }
}
