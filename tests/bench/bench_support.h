// What the benchmark programs share: a migrated database of a benchmark cluster, psql runs for
// the baseline, Binance trade frames shaped like the live ones, and the clock.
#pragma once

#include "app/model/feed_status.h"
#include "db/connection.h"
#include "db/migrator.h"
#include "db/policy_manager.h"
#include "tests/support/test_cluster.h"

#include <QJsonObject>
#include <QProcess>
#include <QStringList>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <format>
#include <optional>
#include <pqxx/pqxx>
#include <stdexcept>
#include <string>
#include <vector>

namespace tickscope::bench {

using Clock = std::chrono::steady_clock;

inline double seconds(Clock::duration duration)
{
    return std::chrono::duration<double>(duration).count();
}

// `--rate N` and `--seconds S` of a benchmark's command line, over the defaults given; nullopt
// (after printing the usage) for anything else.
struct RateAndDuration
{
    double rate = 100'000;
    int seconds = 30;
};
inline std::optional<RateAndDuration> parseRateAndDuration(
    const QStringList &arguments, RateAndDuration defaults, const char *program)
{
    for (qsizetype i = 1; i < arguments.size(); i += 2) {
        bool ok = false;
        const double value = i + 1 < arguments.size() ? arguments.at(i + 1).toDouble(&ok) : 0;
        if (!ok || value <= 0
            || (arguments.at(i) != u"--rate" && arguments.at(i) != u"--seconds")) {
            std::fprintf(stderr, "usage: %s [--rate N] [--seconds S]\n", program);
            return std::nullopt;
        }
        if (arguments.at(i) == u"--rate")
            defaults.rate = value;
        else
            defaults.seconds = static_cast<int>(value);
    }
    return defaults;
}

// The five simulated exchanges of the multi-exchange benchmarks, four symbols each.
struct Venue
{
    std::string exchange;
    std::vector<std::string> symbols;
};

inline const std::vector<Venue> kVenues{
    {"binance", {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"}},
    {"bybit", {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT"}},
    {"coinbase", {"BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD"}},
    {"kraken", {"BTC/USD", "ETH/USD", "SOL/USD", "XRP/USD"}},
    {"okx", {"BTC-USDT", "ETH-USDT", "SOL-USDT", "XRP-USDT"}},
};

// A simulator report's `key` summed over its symbols ("trades_sent").
inline std::int64_t reportSum(const QJsonObject &report, const char *key)
{
    std::int64_t sum = 0;
    for (const auto &symbol : report[QStringLiteral("symbols")].toObject())
        sum += symbol.toObject()[QLatin1StringView(key)].toInteger();
    return sum;
}

// The edition `--edition apache|tsl` names; nullopt for any other name.
inline std::optional<model::TimescaleEdition> editionNamed(const QString &name)
{
    if (name == u"apache")
        return model::TimescaleEdition::Apache;
    if (name == u"tsl")
        return model::TimescaleEdition::Timescale;
    return std::nullopt;
}

// `[TRADES] [--edition apache|tsl]` of the programs that load a database of trades first;
// nullopt (after printing the usage) for anything else.
struct TradesAndEdition
{
    std::int64_t trades = 20'000'000;
    model::TimescaleEdition edition = model::TimescaleEdition::Apache;
};
inline std::optional<TradesAndEdition> parseTradesAndEdition(
    const QStringList &arguments, std::int64_t minimumTrades, const char *program)
{
    TradesAndEdition parsed;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        bool ok = false;
        if (const auto named
            = i + 1 < arguments.size() ? editionNamed(arguments.at(i + 1)) : std::nullopt;
            arguments.at(i) == u"--edition" && named) {
            parsed.edition = *named;
            ++i;
        } else if (parsed.trades = arguments.at(i).toLongLong(&ok);
            !ok || parsed.trades < minimumTrades) {
            std::fprintf(stderr, "usage: %s [TRADES] [--edition apache|tsl]\n", program);
            return std::nullopt;
        }
    }
    return parsed;
}

// postgresql.conf of the clusters that hold tens of millions of trades.
inline const QStringList kLargeClusterSettings{QStringLiteral("shared_buffers = '2GB'"),
    QStringLiteral("max_wal_size = '8GB'"), QStringLiteral("work_mem = '64MB'")};

inline std::string migrated(testing::TestCluster &cluster, const std::string &name)
{
    const std::string conninfo = cluster.createDatabase(name);
    auto connection = db::connect(conninfo, "bench");
    if (!db::Migrator(connection, db::loadMigrations(db::kEmbeddedMigrations).value())
            .migrate({.client = "bench"}))
        throw std::runtime_error("migration failed");
    return conninfo;
}

// What each statement the server ran cost, from pg_stat_statements (preloaded with
// kStatementStatsSettings; reset with resetStatementStats before the measured work): the 12
// most expensive, in ms a batch and as a share of `wallSeconds`.
inline const QString kStatementStatsSettings{
    QStringLiteral("shared_preload_libraries = 'timescaledb,pg_cron,pg_stat_statements'")};

inline void resetStatementStats(const std::string &conninfo)
{
    auto connection = db::connect(conninfo, "bench");
    pqxx::nontransaction tx{connection};
    tx.exec("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    tx.exec("SELECT pg_stat_statements_reset()");
}

inline void printStatementStats(
    const std::string &conninfo, std::int64_t batches, double wallSeconds)
{
    auto connection = db::connect(conninfo, "bench");
    const auto rows = pqxx::nontransaction{connection}.exec(
        "SELECT calls, total_exec_time, left(regexp_replace(query, '\\s+', ' ', 'g'), 72) "
        "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = "
        "current_database()) ORDER BY total_exec_time DESC LIMIT 12");
    std::printf("   the server's time by statement (pg_stat_statements), %lld batches:\n"
                "   %9s %10s %9s %7s  %s\n",
        static_cast<long long>(batches), "calls", "total ms", "ms/batch", "% wall", "statement");
    for (const auto &row : rows) {
        const double totalMs = row[1].template as<double>();
        std::printf("   %9lld %10.0f %9.2f %6.1f%%  %s\n", row[0].template as<long long>(), totalMs,
            totalMs / static_cast<double>(std::max<std::int64_t>(batches, 1)),
            totalMs / 10 / wallSeconds, row[2].c_str());
    }
    std::fflush(stdout);
}

// The writer's time by phase (model::WritePhase), as `/metrics` exports it, against the wall
// time it took to commit everything.
inline void printWriterPhases(const model::WriteSeconds &writeSeconds, std::int64_t batches,
    std::int64_t rows, double wallSeconds)
{
    const auto perBatch = static_cast<double>(std::max<std::int64_t>(batches, 1));
    std::printf("   the writer's time by phase, %lld batches (%.0f rows a batch):\n",
        static_cast<long long>(batches), static_cast<double>(rows) / perBatch);
    double writing = 0;
    for (std::size_t phase = 0; phase < writeSeconds.size(); ++phase) {
        writing += writeSeconds[phase];
        std::printf("   %14s %8.2f s %8.2f ms a batch %6.1f %% of the %.1f s to commit all\n",
            model::kWritePhaseNames[phase], writeSeconds[phase],
            writeSeconds[phase] * 1000 / perBatch, writeSeconds[phase] / wallSeconds * 100,
            wallSeconds);
    }
    std::printf("   %14s %8.2f s %25s %6.1f %%\n", "all", writing, "", writing / wallSeconds * 100);
    std::fflush(stdout);
}

// Tickscope's policies (TSL edition) with the trades' compression working while a benchmark
// times: chunks older than a day are compressed by TimescaleDB's job, which runs every `every`;
// nothing is dropped (the benchmarks' trades may be older than the retention).
inline void activateCompressionPolicy(const std::string &conninfo, std::chrono::seconds every)
{
    auto connection = db::connect(conninfo, "bench");
    model::StoragePolicy policy;
    for (auto &table : policy.hypertables) {
        table.compressAfter = model::PolicyInterval{1, model::PolicyInterval::Unit::Days};
        table.dropAfter.reset();
    }
    const auto applied
        = db::PolicyManager{connection}.apply(policy, {.osUser = "bench", .host = "bench"}, false);
    if (!applied.failures.empty())
        throw std::runtime_error(applied.failures.front());
    pqxx::nontransaction{connection}.exec(
        "SELECT alter_job(job_id, schedule_interval => $1::interval, next_start => now()) FROM "
        "timescaledb_information.jobs WHERE proc_name = 'policy_compression'",
        pqxx::params{std::format("{} seconds", every.count())});
}

// "N of M chunks compressed; the compression job ran R times, F failed" for the trades.
inline std::string compressionActivity(const std::string &conninfo)
{
    auto connection = db::connect(conninfo, "bench");
    const auto [compressed, chunks, runs, failures]
        = pqxx::nontransaction{connection}
              .query1<std::int64_t, std::int64_t, std::int64_t, std::int64_t>(
                  "SELECT (SELECT count(*) FILTER (WHERE is_compressed) FROM "
                  "timescaledb_information.chunks WHERE hypertable_name = 'trades'), (SELECT "
                  "count(*) FROM timescaledb_information.chunks WHERE hypertable_name = "
                  "'trades'), coalesce(sum(s.total_runs), 0), coalesce(sum(s.total_failures), 0) "
                  "FROM timescaledb_information.job_stats s JOIN timescaledb_information.jobs j "
                  "USING (job_id) WHERE j.proc_name = 'policy_compression' AND "
                  "j.hypertable_name = 'trades'");
    return std::format("{} of {} chunks of the trades compressed; the compression job ran {} "
                       "times, {} failed",
        compressed, chunks, runs, failures);
}

inline void runPsql(const std::string &conninfo, const QString &command)
{
    QProcess psql;
    psql.setProcessChannelMode(QProcess::MergedChannels);
    psql.start(QStringLiteral("psql"),
        {QString::fromStdString(conninfo), QStringLiteral("-v"), QStringLiteral("ON_ERROR_STOP=1"),
            QStringLiteral("-c"), command});
    psql.waitForFinished(-1);
    if (psql.exitStatus() != QProcess::NormalExit || psql.exitCode() != 0)
        throw std::runtime_error("psql failed: " + psql.readAll().toStdString());
}

// The `i`th trade frame of a combined Binance stream over `symbol`, with trade id `id`, traded
// `i` ms after `startMs` (2025-11-24 16:00 UTC unless given).
inline std::string tradeFrame(const std::string &symbol, std::int64_t id, std::int64_t i,
    std::int64_t startMs = 1764000000000)
{
    std::string lower = symbol;
    std::ranges::transform(
        lower, lower.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
    return std::format(
        R"({{"stream":"{}@trade","data":{{"e":"trade","E":{},"s":"{}","t":{},"p":"{}.{:02}000000","q":"0.{:08}","T":{},"m":{},"M":true}}}})",
        lower, startMs + i, symbol, id, 60000 + i % 500, i % 100, 1 + i % 99999999, startMs + i,
        i % 2 ? "true" : "false");
}

// psql \copy of `table`'s rows from `source` into the same, empty table of `target`, through a
// CSV file at `csv`; yields the seconds the load took. (COPY of a hypertable itself reads only its
// empty parent: the export goes through a query.)
inline double psqlCopy(
    const std::string &source, const std::string &target, const QString &table, const QString &csv)
{
    runPsql(source,
        QStringLiteral("\\copy (SELECT * FROM %1) TO '%2' WITH (FORMAT csv)").arg(table, csv));
    const auto started = Clock::now();
    runPsql(target, QStringLiteral("\\copy %1 FROM '%2' WITH (FORMAT csv)").arg(table, csv));
    return seconds(Clock::now() - started);
}

} // namespace tickscope::bench
