// The fault matrix (issue 26): one `tickscope ingest` (IngestService) with the five simulated
// exchanges streaming, taken through one fault at a time, each in a database of its own on one
// durable PostgreSQL 17 + TimescaleDB cluster. Per fault: trades sent, stored, stored twice, gaps
// recorded (and how many were backfilled), and the time from the fault's end to the first trade
// committed after it; the baseline is the same run without a fault.
//
//   bench_faults [--rate N] [--seconds S]
//
// --rate is the combined trade rate (default 5,000 a second), shared by the five; each fault
// starts a third of the way into the S-second run (default 40). Faults so far: the database
// killed with SIGKILL (restarted 2 s later: crash recovery), the database stopped for S/4
// seconds, every exchange connection reset, every exchange stalled for 5 s without closing.
// Not yet: a full journal disk, EIO/EMFILE on the journal, clock steps, 429/418 answers, a slow
// GUI, the soak mode.
#include "app/services/ingest_service.h"
#include "app/sim/exchange_simulator.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/simulated_venues.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTemporaryDir>
#include <QTimer>
#include <chrono>
#include <cstdio>
#include <format>
#include <functional>
#include <pqxx/pqxx>
#include <spdlog/spdlog.h>
#include <thread>

using namespace tickscope;
using namespace tickscope::bench;

namespace {

struct Scenario
{
    const char *name;
    QString simulatorFaults; // a FaultPlan spec for every exchange, "" for none
    // Called at the fault's time; yields when the fault ended (the database back).
    std::function<Clock::time_point(testing::TestCluster &)> onDatabase;
    std::chrono::milliseconds faultLength{0}; // of the simulator faults
};

struct Outcome
{
    std::int64_t sent = 0;
    std::int64_t stored = 0;
    std::int64_t duplicated = 0;
    std::int64_t gaps = 0;
    std::int64_t backfilled = 0;
    double recoverySeconds = -1; // from the fault's end to the first trade committed after it
    std::string lostBy; // "bybit 92 (gaps: 4 open)" for each exchange that lost trades
};

void wait(std::chrono::milliseconds length)
{
    QEventLoop loop;
    QTimer::singleShot(length, &loop, &QEventLoop::quit);
    loop.exec();
}

std::int64_t storedTrades(const std::string &conninfo)
{
    try {
        auto connection = db::connect(conninfo, "bench");
        return pqxx::nontransaction{connection}.query_value<std::int64_t>(
            "SELECT count(*) FROM market_data.trades");
    } catch (const std::exception &) {
        return -1; // the database is away
    }
}

Outcome run(testing::TestCluster &cluster, const Scenario &scenario, double rate, int runSeconds)
{
    const std::string conninfo = migrated(cluster, std::string("faults_") + scenario.name);
    QTemporaryDir journal;
    app::Config config;
    config.journalDirectory = journal.path();
    const auto faultAt = std::chrono::milliseconds(runSeconds * 1000 / 3);
    const auto faults = scenario.simulatorFaults.isEmpty()
        ? sim::FaultPlan{}
        : sim::FaultPlan::parse(
              scenario.simulatorFaults.arg(static_cast<double>(faultAt.count()) / 1000))
              .value();
    auto simulators = startVenues(config, rate, runSeconds, 300, faults);

    std::size_t finished = 0;
    for (const auto &simulator : simulators)
        QObject::connect(simulator.get(), &sim::ExchangeSimulator::finished, simulator.get(),
            [&] { ++finished; });

    app::IngestService service{config, conninfo};
    if (auto running = service.start(); !running)
        throw std::runtime_error(running.error());
    wait(faultAt);
    Clock::time_point faultEnd = Clock::now() + scenario.faultLength;
    if (scenario.onDatabase)
        faultEnd = scenario.onDatabase(cluster);
    // The first trade committed after the fault's end.
    Outcome outcome;
    const std::int64_t atEnd = [&] {
        while (Clock::now() < faultEnd)
            wait(std::chrono::milliseconds(50));
        return storedTrades(conninfo);
    }();
    for (const auto deadline = faultEnd + std::chrono::minutes(2); Clock::now() < deadline;
        wait(std::chrono::milliseconds(50))) {
        if (storedTrades(conninfo) > atEnd) {
            outcome.recoverySeconds = seconds(Clock::now() - faultEnd);
            break;
        }
    }

    while (finished < simulators.size())
        wait(std::chrono::milliseconds(100));
    std::vector<std::int64_t> sentBy;
    for (const auto &simulator : simulators)
        outcome.sent += sentBy.emplace_back(reportSum(simulator->report(), "trades_sent"));
    // Backfills and the journal's catch-up settle within two minutes of the run's end.
    for (const auto deadline = Clock::now() + std::chrono::minutes(2);
        storedTrades(conninfo) < outcome.sent && Clock::now() < deadline;)
        wait(std::chrono::milliseconds(200));
    QEventLoop loop;
    QObject::connect(&service, &app::IngestService::stopped, &loop, &QEventLoop::quit);
    service.stop(std::chrono::minutes(5));
    loop.exec();
    for (const auto &simulator : simulators)
        simulator->stop();

    auto connection = db::connect(conninfo, "bench");
    pqxx::nontransaction tx{connection};
    const auto row = tx.exec("SELECT count(*), count(*) - count(DISTINCT (instrument_id, "
                             "trade_id, trade_ref)), (SELECT count(*) FROM audit.gaps), (SELECT "
                             "count(*) FROM audit.gaps WHERE status = 'backfilled') FROM "
                             "market_data.trades")
                         .one_row();
    outcome.stored = row[0].as<std::int64_t>();
    outcome.duplicated = row[1].as<std::int64_t>();
    outcome.gaps = row[2].as<std::int64_t>();
    outcome.backfilled = row[3].as<std::int64_t>();
    for (std::size_t i = 0; i < kVenues.size(); ++i) {
        const auto [stored, open] = tx.query1<std::int64_t, std::int64_t>(
            "SELECT (SELECT count(DISTINCT (t.instrument_id, t.trade_id, t.trade_ref)) FROM "
            "market_data.trades t JOIN market_data.instruments i USING (instrument_id) WHERE "
            "i.exchange = $1), (SELECT count(*) FROM audit.gaps g JOIN market_data.instruments i "
            "USING (instrument_id) WHERE i.exchange = $1 AND g.status <> 'backfilled')",
            pqxx::params{kVenues[i].exchange});
        const std::int64_t lost = sentBy[i] - stored;
        if (lost != 0)
            outcome.lostBy += std::format("{}{} {} (gaps not backfilled: {})",
                outcome.lostBy.empty() ? "" : ", ", kVenues[i].exchange, lost, open);
    }
    return outcome;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    spdlog::set_level(spdlog::level::err); // the faults' warnings would bury the table
    const auto options = parseRateAndDuration(
        QCoreApplication::arguments(), {.rate = 5'000, .seconds = 40}, "bench_faults");
    if (!options)
        return 2;
    const int runSeconds = options->seconds;
    const auto outage = std::chrono::seconds(std::max(1, runSeconds / 4));
    const std::vector<Scenario> scenarios{
        {"baseline", {}, {}, {}},
        {"database_killed", {},
            [](testing::TestCluster &cluster) {
                cluster.killServer();
                std::this_thread::sleep_for(std::chrono::seconds(2));
                cluster.startServer();
                return Clock::now();
            },
            {}},
        {"database_stopped", {},
            [outage](testing::TestCluster &cluster) {
                cluster.stopServer();
                wait(outage);
                cluster.startServer();
                return Clock::now();
            },
            {}},
        {"connections_reset", QStringLiteral("drop@%1"), {}, {}},
        {"exchanges_stalled", QStringLiteral("stall@%1:5"), {}, std::chrono::seconds(5)},
    };
    try {
        testing::TestCluster cluster{QStringList{}}; // durable: what a crash recovers from
        std::printf("bench_faults: five exchanges at %.0f trades/s combined, %d s a run, each "
                    "fault at %d s\n",
            options->rate, runSeconds, runSeconds / 3);
        std::printf("%-18s %9s %9s %6s %10s %6s %11s %10s\n", "fault", "sent", "stored", "lost",
            "duplicated", "gaps", "backfilled", "recovery s");
        bool clean = true;
        for (const auto &scenario : scenarios) {
            const Outcome outcome = run(cluster, scenario, options->rate, runSeconds);
            const std::int64_t lost = outcome.sent - (outcome.stored - outcome.duplicated);
            clean = clean && lost == 0 && outcome.duplicated == 0;
            std::printf("%-18s %9lld %9lld %6lld %10lld %6lld %11lld %10.2f\n", scenario.name,
                static_cast<long long>(outcome.sent), static_cast<long long>(outcome.stored),
                static_cast<long long>(lost), static_cast<long long>(outcome.duplicated),
                static_cast<long long>(outcome.gaps), static_cast<long long>(outcome.backfilled),
                outcome.recoverySeconds);
            if (!outcome.lostBy.empty())
                std::printf("%-18s lost by: %s\n", "", outcome.lostBy.c_str());
            std::fflush(stdout);
        }
        return clean ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_faults: %s\n", error.what());
        return 1;
    }
}
