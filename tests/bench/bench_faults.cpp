// The fault matrix (issue 26): one ingest pipeline (IngestService, as `tickscope ingest` runs it)
// with the five simulated exchanges streaming, taken through one fault at a time, each in a
// database of its own on one durable PostgreSQL 17 + TimescaleDB cluster. Per fault: trades
// sent, stored, stored twice, gaps recorded (and how many were backfilled), and the time from
// the fault's end to the first commit after it; the baseline is the same run without a fault. The
// soak runs the real `tickscope ingest` for hours and samples its process.
//
//   bench_faults [--rate N] [--seconds S] [--outage S] [--only FAULT,...]
//   bench_faults --hours H [--rate N] [--stall-every M]
//
// --rate is the combined trade rate (default 5,000 a second; 2,000 for the soak), shared by the
// five; each fault starts a third of the way into the S-second run (default 40), and the
// exchanges stream for as long as it lasts besides. --outage is how long the database stays
// stopped (default S/4; the request's case is 300). The faults:
//   database_killed       SIGKILL, restarted 2 s later (crash recovery)
//   database_stopped      stopped for --outage seconds
//   connections_reset     every exchange connection aborted
//   reset_mid_frame       half a frame down every connection, then a TCP reset
//   exchanges_stalled     every exchange silent for 5 s without closing
//   rest_throttled_banned connections aborted, and REST (snapshots, backfills) answered 429
//                         with Retry-After for 5 s, then 418 (banned) for 10 s
//   journal_disk_full     the journal's disk (a tmpfs of its own; needs root) full for 30 s
//   journal_io_errors     EIO on every read, write and sync of the journal for 10 s
//   journal_no_descriptors EMFILE on every open of a journal file for 10 s (1 MB segments)
//   clock_stepped_back    the ingest's wall clock stepped back 30 s (not the exchanges')
//   clock_stepped_forward the ingest's wall clock stepped forward 2 minutes
//   gui_too_slow          the console's live-trade reader takes nothing for 10 s (its queue
//                         holds 1,000 trades a feed)
// --hours H: `tickscope ingest` with the five exchanges (in this process) for H hours; once a
// minute its RSS (and anonymous memory), CPU and descriptors; at the end the growth past the
// warm-up (the first sixth, at least 5 minutes) and what was lost. --stall-every M stops the
// whole process (SIGSTOP) for 5 s at minute 4.5 and every M minutes after, as a loaded machine
// or a debugger does: the exchanges keep sending and the backlog comes in one burst. The warm-up
// holds the first, so the verdict asks whether bursts of the same size add to what one left.
#include "app/services/ingest_service.h"
#include "app/sim/exchange_simulator.h"
#include "tests/bench/bench_support.h"
#include "tests/bench/simulated_venues.h"
#include "tests/support/private_mounts.h"
#include "tests/support/process_faults.h"

#include <QCoreApplication>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QTimer>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <format>
#include <fstream>
#include <functional>
#include <iterator>
#include <numeric>
#include <pqxx/pqxx>
#include <sched.h>
#include <span>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <thread>
#include <unistd.h>

using namespace tickscope;
using namespace tickscope::bench;
namespace process_faults = tickscope::testing::process_faults;

namespace {

// For the journal_disk_full tmpfs.
const bool g_privateMounts = testing::enterPrivateMountNamespace();

// The live-trade queue of each feed, smaller than the console's so that ten seconds of a frozen
// reader fill it at the default rate.
constexpr std::size_t kLiveTradesPerFeed = 1'000;

// What a fault acts on during a run.
struct Stage
{
    testing::TestCluster &cluster;
    QString journal; // the run's journal directory
    bool guiFrozen = false; // the live-trade reader takes nothing meanwhile
};

struct Scenario
{
    const char *name;
    // How long the fault lasts; the exchanges stream this much longer than the run, so that
    // there is as much after the fault as before it.
    std::chrono::seconds length{0};
    // Called at the fault's time; yields when the fault ended.
    std::function<Clock::time_point(Stage &)> inject;
    // A FaultPlan spec for a venue's simulator, given the fault's time in seconds.
    std::function<QString(const Venue &, double at)> simulatorFaults;
    std::function<void(app::Config &)> configure;
    bool ownJournalDisk = false; // the journal on a tmpfs of its own (journal_disk_full)
    bool liveTrades = false; // a console's live-trade reader drains the queues
};

struct Outcome
{
    std::int64_t sent = 0;
    std::int64_t stored = 0;
    std::int64_t duplicated = 0;
    std::int64_t gaps = 0;
    std::int64_t backfilled = 0;
    double recoverySeconds = -1; // from the fault's end to the first commit after it
    std::string notes; // "bybit 92 lost, 0 of them outside ...", the gaps by kind, ...
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

// Where the writers' checkpoints stand, summed: grows with every commit, and cheap to ask
// (count(*) of the trades, asked every 50 ms, would slow the commits it waits for).
std::int64_t committedPosition(const std::string &conninfo)
{
    try {
        auto connection = db::connect(conninfo, "bench");
        return pqxx::nontransaction{connection}.query_value<std::int64_t>(
            "SELECT coalesce(sum(journal_segment * 4294967296 + journal_offset), 0)::bigint FROM "
            "audit.ingest_checkpoints");
    } catch (const std::exception &) {
        return -1; // the database is away
    }
}

void addNote(std::string &notes, const std::string &note)
{
    notes += (notes.empty() ? "" : "; ") + note;
}

// Of the trades `simulator` sent that were not stored, how many lie outside every gap recorded
// for their instrument (with a second's slack either side, for receive times): losses nobody
// would know of. Zero is the promise where a trade cannot be fetched again.
std::int64_t lostOutsideGaps(pqxx::transaction_base &tx, const sim::ExchangeSimulator &simulator)
{
    std::int64_t outside = 0;
    for (const std::string &symbol : simulator.symbols()) {
        const pqxx::params instrument{simulator.exchange(), symbol};
        std::vector<std::pair<std::int64_t, std::int64_t>> windows; // µs since the epoch
        for (const auto &[from, to] : tx.query<std::int64_t, std::int64_t>(
                 "SELECT (extract(epoch FROM g.gap_start) * 1e6)::bigint - 1000000, "
                 "(extract(epoch FROM g.gap_end) * 1e6)::bigint + 1000000 FROM audit.gaps g JOIN "
                 "market_data.instruments i USING (instrument_id) WHERE i.exchange = $1 AND "
                 "i.symbol = $2 AND g.gap_start IS NOT NULL AND g.gap_end IS NOT NULL",
                 instrument))
            windows.emplace_back(from, to);
        // In whole ms, as the coarsest venue sends its times.
        auto outsideGaps = [&](std::int64_t timeUs) {
            timeUs -= timeUs % 1000;
            return std::ranges::none_of(windows, [&](const auto &window) {
                return timeUs >= window.first && timeUs <= window.second;
            });
        };
        const sim::SimulatedMarket &market = *simulator.market(symbol);
        if (const auto first = market.firstTradeId()) {
            for (const auto &trade :
                market.trades(*first, static_cast<std::size_t>(market.tradesGenerated())))
                outside += outsideGaps(trade.timeUs) ? 1 : 0;
        }
        for (const auto &[timeUs] : tx.query<std::int64_t>(
                 "SELECT DISTINCT ON (t.trade_id, t.trade_uuid, t.trade_ref) (extract(epoch FROM "
                 "t.time) * 1e6)::bigint FROM market_data.trades t JOIN market_data.instruments i "
                 "USING (instrument_id) WHERE i.exchange = $1 AND i.symbol = $2",
                 instrument))
            outside -= outsideGaps(timeUs) ? 1 : 0;
    }
    return outside;
}

// Trades sent by every venue, their sum, and stored, duplicated, lost per venue into `outcome`.
void countTrades(const std::string &conninfo,
    const std::vector<std::unique_ptr<sim::ExchangeSimulator>> &simulators, Outcome &outcome)
{
    std::vector<std::int64_t> sentBy;
    for (const auto &simulator : simulators)
        outcome.sent += sentBy.emplace_back(reportSum(simulator->report(), "trades_sent"));
    auto connection = db::connect(conninfo, "bench");
    pqxx::nontransaction tx{connection};
    const auto row = tx.exec("SELECT count(*), count(*) - count(DISTINCT (instrument_id, "
                             "trade_id, trade_uuid, trade_ref)), (SELECT count(*) FROM "
                             "audit.gaps), (SELECT count(*) FROM audit.gaps WHERE status = "
                             "'backfilled') FROM market_data.trades")
                         .one_row();
    outcome.stored = row[0].as<std::int64_t>();
    outcome.duplicated = row[1].as<std::int64_t>();
    outcome.gaps = row[2].as<std::int64_t>();
    outcome.backfilled = row[3].as<std::int64_t>();
    for (std::size_t i = 0; i < kVenues.size(); ++i) {
        const auto [stored, open] = tx.query1<std::int64_t, std::int64_t>(
            "SELECT (SELECT count(DISTINCT (t.instrument_id, t.trade_id, t.trade_uuid, "
            "t.trade_ref)) FROM market_data.trades t JOIN market_data.instruments i USING "
            "(instrument_id) WHERE i.exchange = $1), (SELECT count(*) FROM audit.gaps g JOIN "
            "market_data.instruments i USING (instrument_id) WHERE i.exchange = $1 AND "
            "g.status <> 'backfilled')",
            pqxx::params{kVenues[i].exchange});
        if (const std::int64_t lost = sentBy[i] - stored; lost != 0)
            addNote(outcome.notes,
                std::format("{} {} lost, {} of them outside every recorded gap (gaps not "
                            "backfilled: {})",
                    kVenues[i].exchange, lost, lostOutsideGaps(tx, *simulators[i]), open));
    }
    // What the simulators' faults did.
    for (const char *key : {"frames_cut", "rest_refusals"}) {
        std::int64_t count = 0;
        for (const auto &simulator : simulators)
            count += simulator->report()[QLatin1StringView(key)].toInteger();
        if (count > 0)
            addNote(outcome.notes, std::format("{} {}", count, key));
    }
    // The gaps by kind, how many were backfilled, and the causes of the outages.
    for (const auto &[kind, count, backfilled, causes] :
        tx.query<std::string, std::int64_t, std::int64_t, std::string>(
            "SELECT kind, count(*), count(*) FILTER (WHERE status = 'backfilled'), "
            "coalesce(string_agg(DISTINCT note, ', ') FILTER (WHERE kind = 'outage'), '') FROM "
            "audit.gaps GROUP BY kind ORDER BY 2 DESC"))
        addNote(outcome.notes,
            std::format("{} {} gaps, {} backfilled{}", count, kind, backfilled,
                causes.empty() ? "" : " (" + causes + ")"));
}

// A tmpfs of `megabytes` on `path` while the object lives.
class Tmpfs
{
public:
    Tmpfs(const QString &path, int megabytes)
        : m_path(path.toStdString())
    {
        QDir().mkpath(path);
        const std::string size = std::format("size={}m", megabytes);
        if (::mount("tmpfs", m_path.c_str(), "tmpfs", 0, size.c_str()) != 0)
            throw std::runtime_error("cannot mount a tmpfs on " + m_path);
    }
    ~Tmpfs() { ::umount2(m_path.c_str(), MNT_DETACH); }
    Tmpfs(const Tmpfs &) = delete;
    Tmpfs &operator=(const Tmpfs &) = delete;

private:
    std::string m_path;
};

// Fills the disk of `directory` with a file of its own until nothing more fits; the file's path.
QString fillDisk(const QString &directory)
{
    const QString path = directory + QStringLiteral("/filler");
    QFile filler{path};
    if (!filler.open(QIODevice::WriteOnly))
        throw std::runtime_error("cannot create " + path.toStdString());
    const QByteArray block(1 << 20, 'x');
    while (filler.write(block) == block.size() && filler.flush()) { }
    return path;
}

Outcome run(testing::TestCluster &cluster, const Scenario &scenario, double rate, int runSeconds)
{
    const std::string conninfo = migrated(cluster, std::string("faults_") + scenario.name);
    QTemporaryDir journal;
    std::optional<Tmpfs> journalDisk;
    if (scenario.ownJournalDisk)
        journalDisk.emplace(journal.path(), 64);
    process_faults::watchDirectory(journal.path().toStdString());
    app::Config config;
    config.journalDirectory = journal.path();
    if (scenario.configure)
        scenario.configure(config);
    const auto faultAt = std::chrono::milliseconds(runSeconds * 1000 / 3);
    const double faultAtSeconds = static_cast<double>(faultAt.count()) / 1000;
    const int streamSeconds = runSeconds + static_cast<int>(scenario.length.count());
    auto simulators = startVenues(config, rate, streamSeconds, 300, [&](const Venue &venue) {
        return scenario.simulatorFaults
            ? sim::FaultPlan::parse(scenario.simulatorFaults(venue, faultAtSeconds)).value()
            : sim::FaultPlan{};
    });
    std::size_t finished = 0;
    for (const auto &simulator : simulators)
        QObject::connect(simulator.get(), &sim::ExchangeSimulator::finished, simulator.get(),
            [&] { ++finished; });

    Stage stage{cluster, journal.path()};
    app::IngestService service{config, conninfo};
    std::int64_t liveTradesDropped = 0;
    QTimer console; // what the Live page's chart does ten times a second
    if (scenario.liveTrades) {
        service.keepLiveTrades(kLiveTradesPerFeed);
        console.setInterval(std::chrono::milliseconds(100));
        QObject::connect(&console, &QTimer::timeout, [&] {
            if (stage.guiFrozen)
                return;
            std::vector<app::IngestService::FeedTrades> trades;
            service.drainLiveTrades(trades);
            liveTradesDropped = std::transform_reduce(trades.begin(), trades.end(), std::int64_t{0},
                std::plus<>{}, [](const auto &feed) { return feed.dropped; });
        });
        console.start();
    }
    if (auto running = service.start(); !running)
        throw std::runtime_error(running.error());
    wait(faultAt);
    const Clock::time_point faultEnd = scenario.inject(stage);
    // The first commit after the fault's end (the writers' checkpoints move).
    Outcome outcome;
    const std::int64_t atEnd = [&] {
        while (Clock::now() < faultEnd)
            wait(std::chrono::milliseconds(50));
        return committedPosition(conninfo);
    }();
    for (const auto deadline = faultEnd + std::chrono::minutes(2); Clock::now() < deadline;
        wait(std::chrono::milliseconds(50))) {
        if (committedPosition(conninfo) > atEnd) {
            outcome.recoverySeconds = seconds(Clock::now() - faultEnd);
            break;
        }
    }

    while (finished < simulators.size())
        wait(std::chrono::milliseconds(100));
    std::int64_t sent = 0;
    for (const auto &simulator : simulators)
        sent += reportSum(simulator->report(), "trades_sent");
    // Backfills and the journal's catch-up settle: everything stored, or nothing more for 10 s
    // (a venue without a trade history cannot fill its gaps), or two minutes.
    std::int64_t stored = storedTrades(conninfo);
    for (auto deadline = Clock::now() + std::chrono::minutes(2), quiet = Clock::now(); stored < sent
        && Clock::now() < deadline && Clock::now() - quiet < std::chrono::seconds(10);) {
        wait(std::chrono::milliseconds(200));
        if (const std::int64_t now = storedTrades(conninfo); now != stored) {
            stored = now;
            quiet = Clock::now();
        }
    }
    QEventLoop loop;
    QObject::connect(&service, &app::IngestService::stopped, &loop, &QEventLoop::quit);
    service.stop(std::chrono::minutes(5));
    loop.exec();
    console.stop();
    for (const auto &simulator : simulators)
        simulator->stop();
    process_faults::setWallClockOffset({});
    process_faults::refuse(process_faults::Refusal::None);

    countTrades(conninfo, simulators, outcome);
    if (scenario.liveTrades)
        addNote(outcome.notes,
            std::format("{} live trades dropped for the chart only", liveTradesDropped));
    return outcome;
}

// The process `pid` once: resident memory (and of it the anonymous part, the heap: what a leak
// grows; the rest is the program's and libraries' pages as they are first used), CPU time used,
// descriptors open.
struct ProcessSample
{
    double rssMb = 0;
    double anonymousMb = 0;
    double cpuSeconds = 0;
    int descriptors = 0;
};

ProcessSample sampleProcess(qint64 pid)
{
    ProcessSample sample;
    const std::string proc = std::format("/proc/{}", pid);
    std::ifstream status{proc + "/status"};
    for (std::string line; std::getline(status, line);) {
        if (line.starts_with("VmRSS:"))
            sample.rssMb = std::stod(line.substr(6)) / 1024;
        else if (line.starts_with("RssAnon:"))
            sample.anonymousMb = std::stod(line.substr(8)) / 1024;
    }
    std::ifstream stat{proc + "/stat"};
    const std::string text{std::istreambuf_iterator<char>(stat), {}};
    // After the command's closing parenthesis: the state (field 3), ..., utime (14), stime (15).
    const QStringList fields = QString::fromStdString(text.substr(text.rfind(')') + 2)).split(u' ');
    if (fields.size() > 12)
        sample.cpuSeconds = (fields[11].toDouble() + fields[12].toDouble())
            / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::error_code error;
    for (std::filesystem::directory_iterator fd{proc + "/fd", error}, end; !error && fd != end;
        fd.increment(error))
        ++sample.descriptors;
    return sample;
}

double mean(std::span<const double> values)
{
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// `tickscope ingest` for `hours`, sampled once a minute; 0 when nothing grew past the warm-up
// and nothing was lost.
int soak(testing::TestCluster &cluster, double rate, double hours, std::optional<int> stallEvery)
{
    const std::string conninfo = migrated(cluster, "soak");
    QTemporaryDir work;
    const auto length = std::chrono::seconds(static_cast<std::int64_t>(hours * 3600));
    app::Config config;
    auto simulators = startVenues(config, rate, static_cast<int>(length.count()), 500);
    QFile file{work.filePath(QStringLiteral("tickscope.toml"))};
    if (!file.open(QIODevice::WriteOnly))
        throw std::runtime_error("cannot write the soak's config");
    std::string text = std::format("[journal]\ndirectory = \"{}\"\nmin_free_mb = 64\n\n[http]\n"
                                   "listen = \"127.0.0.1:0\"\n",
        work.filePath(QStringLiteral("journal")).toStdString());
    for (std::size_t i = 0; i < kVenues.size(); ++i) {
        text += std::format("\n[exchanges.{}]\nsymbols = [", kVenues[i].exchange);
        for (const auto &symbol : kVenues[i].symbols)
            text += std::format(
                "{}\"{}\"", symbol == kVenues[i].symbols.front() ? "" : ", ", symbol);
        text += "]\n";
        for (const auto &[key, value] : simulators[i]->adapterOptions())
            text += std::format("{} = \"{}\"\n", key, value);
    }
    file.write(QByteArray::fromStdString(text));
    file.close();

    QProcess ingest;
    ingest.setProcessChannelMode(QProcess::MergedChannels);
    ingest.setStandardOutputFile(work.filePath(QStringLiteral("ingest.log")));
    // A minute longer than the exchanges stream, so that it commits their last trades.
    // Beside this program, a build's bin folder (named by argv[0]: under scripts/devenv's chroot
    // /proc/self/exe names the host's path).
    const QString program = QFileInfo(QCoreApplication::arguments().front())
                                .absoluteDir()
                                .filePath(QStringLiteral("tickscope"));
    ingest.start(program,
        {QStringLiteral("ingest"), QStringLiteral("--config"), file.fileName(),
            QStringLiteral("--db"), QString::fromStdString(conninfo), QStringLiteral("--duration"),
            QString::number(length.count() + 60)});
    if (!ingest.waitForStarted())
        throw std::runtime_error(std::format(
            "cannot start {}: {}", program.toStdString(), ingest.errorString().toStdString()));
    std::printf("soak: tickscope ingest (pid %lld), five exchanges at %.0f trades/s combined for "
                "%.2f h\n%7s %8s %8s %6s %11s %12s\n",
        static_cast<long long>(ingest.processId()), rate, hours, "minute", "rss MB", "anon MB",
        "cpu %", "descriptors", "trades");
    std::fflush(stdout);

    std::vector<double> heap; // anonymous MB
    std::vector<int> descriptors;
    ProcessSample last = sampleProcess(ingest.processId());
    QTimer minute;
    minute.setInterval(std::chrono::minutes(1));
    QObject::connect(&minute, &QTimer::timeout, [&] {
        const ProcessSample now = sampleProcess(ingest.processId());
        heap.push_back(now.anonymousMb);
        descriptors.push_back(now.descriptors);
        std::printf("%7zu %8.1f %8.1f %6.1f %11d %12lld\n", heap.size(), now.rssMb, now.anonymousMb,
            (now.cpuSeconds - last.cpuSeconds) / 60 * 100, now.descriptors,
            static_cast<long long>(storedTrades(conninfo)));
        std::fflush(stdout);
        last = now;
    });
    minute.start();
    QTimer stall;
    if (stallEvery) {
        // The exchanges run on this thread: it goes on while the process is stopped.
        QObject::connect(&stall, &QTimer::timeout, [&] {
            stall.setInterval(std::chrono::minutes(*stallEvery));
            const auto pid = static_cast<pid_t>(ingest.processId());
            ::kill(pid, SIGSTOP);
            QTimer::singleShot(std::chrono::seconds(5), [pid] {
                ::kill(pid, SIGCONT);
                std::printf("(tickscope ingest stopped for 5 s)\n");
                std::fflush(stdout);
            });
        });
        stall.start(std::chrono::seconds(270));
    }
    QEventLoop loop;
    QObject::connect(&ingest, &QProcess::finished, &loop, &QEventLoop::quit);
    loop.exec();
    minute.stop();
    stall.stop();
    for (const auto &simulator : simulators)
        simulator->stop();
    // What the process gave back to the system, in its own words.
    std::ifstream log(work.filePath(QStringLiteral("ingest.log")).toStdString());
    for (std::string line; std::getline(log, line);)
        if (line.contains("memory: "))
            std::printf("%s\n", line.c_str());

    Outcome outcome;
    countTrades(conninfo, simulators, outcome);
    const std::int64_t lost = outcome.sent - (outcome.stored - outcome.duplicated);
    std::printf("tickscope ingest exited %d; trades sent %lld, stored %lld, lost %lld, duplicated "
                "%lld%s%s\n",
        ingest.exitCode(), static_cast<long long>(outcome.sent),
        static_cast<long long>(outcome.stored), static_cast<long long>(lost),
        static_cast<long long>(outcome.duplicated), outcome.notes.empty() ? "" : "; ",
        outcome.notes.c_str());
    // Judged over the soak's own minutes: the samples after it see the feeds close.
    const auto soakMinutes = static_cast<std::size_t>(length / std::chrono::minutes(1));
    heap.resize(std::min(heap.size(), soakMinutes));
    descriptors.resize(heap.size());
    const std::size_t warmUp = std::max<std::size_t>(5, heap.size() / 6);
    if (heap.size() < warmUp + 4) {
        std::printf(
            "too short to judge growth: %zu samples, the warm-up takes %zu\n", heap.size(), warmUp);
        return 1;
    }
    // The first and last quarter after the warm-up.
    const std::span<const double> after{
        heap.begin() + static_cast<std::ptrdiff_t>(warmUp), heap.end()};
    const std::size_t quarter = after.size() / 4;
    const double early = mean(after.first(quarter));
    const double late = mean(after.last(quarter));
    const auto [fewest, most] = std::minmax_element(
        descriptors.begin() + static_cast<std::ptrdiff_t>(warmUp), descriptors.end());
    const double growth = (late - early) / early * 100;
    const bool steady = growth <= 5 && *most - *fewest <= 2;
    std::printf("after the warm-up (%zu min): anonymous memory %.1f MB in the first quarter, %.1f "
                "MB in the last (%+.1f %%); descriptors %d to %d: %s\n",
        warmUp, early, late, growth, *fewest, *most, steady ? "no growth" : "GROWTH");
    return steady && lost == 0 && outcome.duplicated == 0 && ingest.exitCode() == 0 ? 0 : 1;
}

struct Options
{
    double rate = 5'000;
    bool rateGiven = false;
    int seconds = 40;
    std::optional<int> outage;
    QStringList only;
    std::optional<double> hours;
    std::optional<int> stallEvery;
};

std::optional<Options> parseOptions(const QStringList &arguments)
{
    Options options;
    for (qsizetype i = 1; i < arguments.size(); i += 2) {
        const QString &name = arguments.at(i);
        const QString value = i + 1 < arguments.size() ? arguments.at(i + 1) : QString();
        bool ok = false;
        const double number = value.toDouble(&ok);
        if (name == u"--only" && !value.isEmpty()) {
            options.only = value.split(u',');
            continue;
        }
        if (!ok || number <= 0)
            return std::nullopt;
        if (name == u"--rate") {
            options.rate = number;
            options.rateGiven = true;
        } else if (name == u"--seconds")
            options.seconds = static_cast<int>(number);
        else if (name == u"--outage")
            options.outage = static_cast<int>(number);
        else if (name == u"--hours")
            options.hours = number;
        else if (name == u"--stall-every")
            options.stallEvery = static_cast<int>(number);
        else
            return std::nullopt;
    }
    return options;
}

// The faults, the database stopped for `outage`.
std::vector<Scenario> scenarios(std::chrono::seconds outage)
{
    using namespace std::chrono_literals;
    auto now = [](Stage &) {
        return Clock::now();
    };
    auto everyVenue = [](const char *spec) {
        return [spec](const Venue &, double at) {
            return QString::fromLatin1(spec).arg(at);
        };
    };
    auto refuseJournal = [](process_faults::Refusal refusal) {
        return [refusal](Stage &) {
            process_faults::refuse(refusal);
            wait(10s);
            process_faults::refuse(process_faults::Refusal::None);
            return Clock::now();
        };
    };
    auto stepClock = [](std::chrono::seconds offset) {
        return [offset](Stage &) {
            process_faults::setWallClockOffset(offset);
            return Clock::now();
        };
    };
    return {
        {.name = "baseline", .inject = now},
        {.name = "database_killed",
            .inject =
                [](Stage &stage) {
                    stage.cluster.killServer();
                    std::this_thread::sleep_for(2s);
                    stage.cluster.startServer();
                    return Clock::now();
                }},
        {.name = "database_stopped",
            .length = outage,
            .inject =
                [outage](Stage &stage) {
                    stage.cluster.stopServer();
                    wait(outage);
                    stage.cluster.startServer();
                    return Clock::now();
                }},
        {.name = "connections_reset", .inject = now, .simulatorFaults = everyVenue("drop@%1")},
        {.name = "reset_mid_frame", .inject = now, .simulatorFaults = everyVenue("cut-frame@%1")},
        {.name = "exchanges_stalled",
            .length = 5s,
            .inject = [](Stage &) { return Clock::now() + 5s; },
            .simulatorFaults = everyVenue("stall@%1:5")},
        {.name = "rest_throttled_banned",
            .length = 15s,
            .inject = [](Stage &) { return Clock::now() + 15s; },
            .simulatorFaults =
                [](const Venue &venue, double at) {
                    // Bybit's adapter uses no REST: only its connection is aborted.
                    return venue.exchange == "bybit"
                        ? QStringLiteral("drop@%1").arg(at)
                        : QStringLiteral("drop@%1,throttle@%1:5,ban@%2:10").arg(at).arg(at + 5);
                }},
        {.name = "journal_disk_full",
            .length = 30s,
            .inject =
                [](Stage &stage) {
                    const QString filler = fillDisk(stage.journal);
                    wait(30s);
                    QFile::remove(filler);
                    return Clock::now();
                },
            .configure = [](app::Config &config) { config.journalMinFreeBytes = 8 << 20; },
            .ownJournalDisk = true},
        {.name = "journal_io_errors",
            .length = 10s,
            .inject = refuseJournal(process_faults::Refusal::IoError)},
        {.name = "journal_no_descriptors",
            .length = 10s,
            .inject = refuseJournal(process_faults::Refusal::NoDescriptors),
            .configure =
                [](app::Config &config) {
                    config.journalSegmentBytes = 1 << 20;
                }},
        {.name = "clock_stepped_back", .inject = stepClock(-30s)},
        {.name = "clock_stepped_forward", .inject = stepClock(120s)},
        {.name = "gui_too_slow",
            .length = 10s,
            .inject =
                [](Stage &stage) {
                    stage.guiFrozen = true;
                    wait(10s);
                    stage.guiFrozen = false;
                    return Clock::now();
                },
            .liveTrades = true},
    };
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication application{argc, argv};
    spdlog::set_level(spdlog::level::off); // the faults' warnings and errors would bury the table
    const auto options = parseOptions(QCoreApplication::arguments());
    if (!options) {
        std::fprintf(stderr,
            "usage: bench_faults [--rate N] [--seconds S] [--outage S] [--only "
            "FAULT,...]\n       bench_faults --hours H [--rate N] [--stall-every M]\n");
        return 2;
    }
    // The simulated exchanges run on this thread; their clocks do not step with the ingest's.
    process_faults::keepTrueClockOnThisThread();
    if (!process_faults::wallClockShimWorks()) {
        std::fprintf(stderr,
            "bench_faults: the wall-clock shim does not reach "
            "std::chrono::system_clock; the clock faults would prove nothing\n");
        return 1;
    }
    try {
        testing::TestCluster cluster{QStringList{}}; // durable: what a crash recovers from
        if (options->hours)
            return soak(cluster, options->rateGiven ? options->rate : 2'000, *options->hours,
                options->stallEvery);

        const int runSeconds = options->seconds;
        const auto outage
            = std::chrono::seconds(options->outage.value_or(std::max(1, runSeconds / 4)));
        std::printf("bench_faults: five exchanges at %.0f trades/s combined, %d s a run, each "
                    "fault at %d s, the database stopped for %lld s\n",
            options->rate, runSeconds, runSeconds / 3, static_cast<long long>(outage.count()));
        std::printf("%-22s %9s %9s %6s %10s %6s %11s %10s\n", "fault", "sent", "stored", "lost",
            "duplicated", "gaps", "backfilled", "recovery s");
        std::fflush(stdout);
        bool clean = true;
        for (const auto &scenario : scenarios(outage)) {
            if (!options->only.isEmpty()
                && !options->only.contains(QLatin1StringView(scenario.name)))
                continue;
            if (scenario.ownJournalDisk && !g_privateMounts) {
                std::printf("%-22s skipped: a tmpfs of its own needs root\n", scenario.name);
                continue;
            }
            const Outcome outcome = run(cluster, scenario, options->rate, runSeconds);
            const std::int64_t lost = outcome.sent - (outcome.stored - outcome.duplicated);
            clean = clean && lost == 0 && outcome.duplicated == 0;
            std::printf("%-22s %9lld %9lld %6lld %10lld %6lld %11lld %10.2f\n", scenario.name,
                static_cast<long long>(outcome.sent), static_cast<long long>(outcome.stored),
                static_cast<long long>(lost), static_cast<long long>(outcome.duplicated),
                static_cast<long long>(outcome.gaps), static_cast<long long>(outcome.backfilled),
                outcome.recoverySeconds);
            if (!outcome.notes.empty())
                std::printf("%-22s %s\n", "", outcome.notes.c_str());
            std::fflush(stdout);
        }
        return clean ? 0 : 1;
    } catch (const std::exception &error) {
        std::fprintf(stderr, "bench_faults: %s\n", error.what());
        return 1;
    }
}
