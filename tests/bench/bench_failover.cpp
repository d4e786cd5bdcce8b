// Ingest through failovers: the five simulated exchanges into an embedded Patroni cluster
// (`tickscope local-db cluster`), the leader's postmaster killed with SIGKILL again and again,
// each time once the old leader has rejoined. Per failover: the seconds from the kill to the
// writers' first commit on the new leader (audit.ingest_batches, read on the last leader) and to
// Patroni naming a new leader. Per exchange at the end: trades sent by the simulator against
// trades stored, the stored ones counted twice (duplicates), and gaps recorded (none is injected:
// every one is false). In asynchronous mode a kill loses the last transactions the leader
// acknowledged; the writers re-commit them from their journals.
//
//   bench_failover [--rate N] [--failovers K] [--mode async|sync|both]
//
// Defaults: 50,000 trades/s over the five, 10 failovers, both modes.
#include "app/ops/patroni_cluster.h"
#include "app/services/ingest_service.h"
#include "app/sim/exchange_simulator.h"
#include "db/connection.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/simulated_venues.h"
#include "tests/support/run_tickscope.h"
#include "tests/support/schema_fixture.h"
#include "tests/support/test_cluster.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QFile>
#include <QTemporaryDir>
#include <QTimer>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <pqxx/pqxx>
#include <ranges>

using namespace tickscope;
using namespace tickscope::bench;

namespace {

void spin(std::chrono::milliseconds duration)
{
    QEventLoop loop;
    QTimer::singleShot(duration, &loop, &QEventLoop::quit);
    loop.exec();
}

// A leader that runs and both replicas streaming, within `timeout`.
bool healthy(const ops::PatroniCluster &cluster)
{
    const auto view = cluster.view();
    if (!view || !view->leader() || view->leader()->state != u"running")
        return false;
    return std::ranges::count_if(view->members, [](const ops::PatroniMember &member) {
        return !member.leads() && member.state == u"streaming";
    }) == ops::PatroniCluster::kMembers - 1;
}

bool waitFor(const std::function<bool()> &condition, std::chrono::seconds timeout)
{
    const auto deadline = Clock::now() + timeout;
    while (!condition()) {
        if (Clock::now() > deadline)
            return false;
        spin(std::chrono::milliseconds(200));
    }
    return true;
}

struct Failover
{
    QString from;
    QString to;
    std::int64_t killedAtUs = 0; // since the epoch
    double newLeaderSeconds = 0;
    double firstCommitSeconds = -1;
};

bool runMode(bool synchronous, double rate, int failovers)
{
    const char *mode = synchronous ? "synchronous" : "asynchronous";
    std::printf("\n== %s replication: %d failovers at %.0f trades/s ==\n", mode, failovers, rate);
    testing::EmbeddedSandbox sandbox;
    const QString directory = sandbox.filePath(QStringLiteral("cluster"));
    ops::PatroniCluster cluster{directory};
    if (auto made
        = cluster.init(testing::TestCluster::freePortRange(ops::PatroniCluster::kPortsUsed),
            model::TimescaleEdition::Apache, synchronous);
        !made)
        throw std::runtime_error(made.error().toStdString());
    const auto started = sandbox.run({QStringLiteral("local-db"), QStringLiteral("cluster"),
        QStringLiteral("start"), QStringLiteral("--dir"), directory});
    if (started.exitCode != 0)
        throw std::runtime_error((started.out + started.err).toStdString());
    const auto stopCluster = qScopeGuard([&] { (void)cluster.stop([](const QString &) { }); });
    const std::string conninfo = cluster.conninfo().toStdString();
    testing::migrate(conninfo);

    app::Config config;
    QTemporaryDir journal;
    config.journalDirectory = journal.path();
    // Long enough for every failover (a kill, then the old leader's return: about 25 s).
    const int runSeconds = 20 + 30 * failovers;
    auto simulators = startVenues(config, rate, runSeconds, 300);
    app::IngestService service{config, conninfo};
    std::map<std::string, std::int64_t> followed; // per feed
    QObject::connect(&service, &app::IngestService::writerStatusChanged, qApp,
        [&](const model::WriterStatus &status) {
            followed[status.feed] = status.checkpointsFollowed;
        });
    std::size_t finished = 0;
    for (const auto &simulator : simulators)
        QObject::connect(
            simulator.get(), &sim::ExchangeSimulator::finished, qApp, [&] { ++finished; });
    if (auto running = service.start(); !running)
        throw std::runtime_error(running.error());

    spin(std::chrono::seconds(10));
    std::vector<Failover> done;
    for (int round = 0; round < failovers && finished == 0; ++round) {
        if (!waitFor([&] { return healthy(cluster); }, std::chrono::seconds(120))) {
            std::printf("   the cluster did not heal within 120 s; stopping the kills\n");
            break;
        }
        spin(std::chrono::seconds(3));
        const auto view = cluster.view();
        if (!view || !view->leader())
            continue;
        Failover failover{.from = view->leader()->name};
        QFile pidFile{cluster.nodeDirectory(failover.from.mid(4).toInt() - 1)
            + QStringLiteral("/data/postmaster.pid")};
        if (!pidFile.open(QIODevice::ReadOnly))
            throw std::runtime_error("cannot read the leader's postmaster.pid");
        const auto postmaster = static_cast<pid_t>(pidFile.readLine().trimmed().toLongLong());
        const auto killed = Clock::now();
        failover.killedAtUs = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
                                  .count();
        ::kill(postmaster, SIGKILL);
        waitFor(
            [&] {
                const auto now = cluster.view();
                if (now && now->leader() && now->leader()->name != failover.from) {
                    failover.to = now->leader()->name;
                    return true;
                }
                return false;
            },
            std::chrono::seconds(60));
        failover.newLeaderSeconds = seconds(Clock::now() - killed);
        done.push_back(failover);
        std::printf("   kill %2d: %s -> %s, new leader after %.1f s\n", round + 1,
            qPrintable(failover.from), qPrintable(failover.to), failover.newLeaderSeconds);
        std::fflush(stdout);
    }
    // The rest of the run, then until every trade sent is stored (or 3 minutes).
    waitFor([&] { return finished == simulators.size(); }, std::chrono::seconds(runSeconds + 60));
    std::int64_t tradesSent = 0;
    for (const auto &simulator : simulators)
        tradesSent += reportSum(simulator->report(), "trades_sent");
    const auto stored = [&] {
        try {
            auto connection = db::connect(conninfo, "bench");
            return pqxx::nontransaction{connection}.query_value<std::int64_t>(
                "SELECT count(*) FROM market_data.trades");
        } catch (const std::exception &) {
            return std::int64_t{-1};
        }
    };
    waitFor([&] { return stored() >= tradesSent; }, std::chrono::seconds(180));
    QEventLoop stopping;
    QObject::connect(&service, &app::IngestService::stopped, &stopping, &QEventLoop::quit);
    service.stop(std::chrono::minutes(2));
    stopping.exec();

    auto connection = db::connect(conninfo, "bench");
    pqxx::nontransaction tx{connection};
    std::vector<double> firstCommits;
    for (auto &failover : done) {
        // The first batch a writer began after the kill, committed on the leader that has it.
        const auto first = tx.query01<double>(
            "SELECT extract(epoch FROM min(started_at + duration_ms * interval '1 ms') - "
            "(timestamptz 'epoch' + $1 * interval '1 microsecond')) FROM audit.ingest_batches "
            "WHERE started_at >= timestamptz 'epoch' + $1 * interval '1 microsecond'",
            pqxx::params{failover.killedAtUs});
        if (first && std::get<0>(*first) >= 0)
            failover.firstCommitSeconds = std::get<0>(*first);
        firstCommits.push_back(failover.firstCommitSeconds);
    }
    std::printf(
        "   %-5s %-6s %-6s %14s %20s\n", "kill", "from", "to", "new leader s", "first commit s");
    for (std::size_t i = 0; i < done.size(); ++i)
        std::printf("   %-5zu %-6s %-6s %14.1f %20.2f\n", i + 1, qPrintable(done[i].from),
            qPrintable(done[i].to), done[i].newLeaderSeconds, done[i].firstCommitSeconds);
    std::ranges::sort(firstCommits);
    const double worst = firstCommits.empty() ? 0 : firstCommits.back();
    const double median = firstCommits.empty() ? 0 : firstCommits[firstCommits.size() / 2];

    std::printf("   %-9s %10s %10s %10s %6s\n", "exchange", "sent", "stored", "duplicates", "gaps");
    std::int64_t lost = 0;
    std::int64_t duplicated = 0;
    std::int64_t gaps = 0;
    for (std::size_t i = 0; i < kVenues.size(); ++i) {
        const std::string &exchange = kVenues[i].exchange;
        const std::int64_t sent = reportSum(simulators[i]->report(), "trades_sent");
        const auto row = tx.exec("SELECT count(*), count(*) - count(DISTINCT (t.instrument_id, "
                                 "t.trade_id, t.trade_uuid, t.trade_ref)), (SELECT count(*) FROM "
                                 "audit.gaps g JOIN market_data.instruments gi USING "
                                 "(instrument_id) WHERE gi.exchange = $1) FROM "
                                 "market_data.trades t JOIN market_data.instruments i USING "
                                 "(instrument_id) WHERE i.exchange = $1",
                               pqxx::params{exchange})
                             .one_row();
        const auto storedHere = row[0].as<std::int64_t>();
        lost += std::max<std::int64_t>(0, sent - storedHere + row[1].as<std::int64_t>());
        duplicated += row[1].as<std::int64_t>();
        gaps += row[2].as<std::int64_t>();
        std::printf("   %-9s %10lld %10lld %10lld %6lld\n", exchange.c_str(),
            static_cast<long long>(sent), static_cast<long long>(storedHere),
            row[1].as<long long>(), row[2].as<long long>());
    }
    std::printf("   %s: %zu failovers, first commit after the kill median %.2f s, worst %.2f s; "
                "%lld of %lld trades lost, %lld duplicated, %lld false gaps; a writer met a "
                "leader without its last commits %lld time(s) in all\n",
        mode, done.size(), median, worst, static_cast<long long>(lost),
        static_cast<long long>(tradesSent), static_cast<long long>(duplicated),
        static_cast<long long>(gaps),
        static_cast<long long>(
            std::ranges::fold_left(followed | std::views::values, std::int64_t{0}, std::plus<>())));
    std::fflush(stdout);
    for (const auto &simulator : simulators)
        simulator->stop();
    return lost == 0 && duplicated == 0 && gaps == 0 && worst <= 10.0
        && static_cast<int>(done.size()) == failovers;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    const QStringList arguments = QCoreApplication::arguments();
    double rate = 50'000;
    int failovers = 10;
    QString mode = QStringLiteral("both");
    for (qsizetype i = 1; i + 1 < arguments.size(); i += 2) {
        bool ok = true;
        if (arguments[i] == u"--rate")
            rate = arguments[i + 1].toDouble(&ok);
        else if (arguments[i] == u"--failovers")
            failovers = arguments[i + 1].toInt(&ok);
        else if (arguments[i] == u"--mode")
            mode = arguments[i + 1];
        else
            ok = false;
        if (!ok || rate <= 0 || failovers <= 0
            || !QStringList{"async", "sync", "both"}.contains(mode)) {
            std::fprintf(stderr,
                "usage: bench_failover [--rate N] [--failovers K] "
                "[--mode async|sync|both]\n");
            return 2;
        }
    }
    if (arguments.size() % 2 == 0) {
        std::fprintf(stderr,
            "usage: bench_failover [--rate N] [--failovers K] "
            "[--mode async|sync|both]\n");
        return 2;
    }
    try {
        bool met = true;
        if (mode != u"sync")
            met = runMode(false, rate, failovers) && met;
        if (mode != u"async")
            met = runMode(true, rate, failovers) && met;
        std::printf("\ngoal (at most 10 s to the first commit, 0 lost, 0 duplicated, 0 false "
                    "gaps): %s\n",
            met ? "met" : "NOT met");
        return met ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_failover: %s\n", error.what());
        return 1;
    }
}
